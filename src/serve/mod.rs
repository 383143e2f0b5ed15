//! `newsdb serve`: a local, read-only web view of a store. Server-rendered HTML pages
//! (search, article, entity, entities, network, stats) and a JSON API under `/api/`,
//! all drawn from [`crate::query`] over a connection opened read-only per request.
//!
//! The server is small and synchronous ([`tiny_http`]): a few worker threads take
//! requests in turn, each opens the database read-only (as `newsdb sql` does), runs
//! its queries under a time limit and answers. [`respond`] is the whole of a request
//! as a function, so pages can be tested without a socket.
//!
//! ```no_run
//! use newsdb::serve::{Server, ServeOptions};
//!
//! let server = Server::bind(&ServeOptions::new("newsdb.sqlite"))?;
//! println!("{}", server.url());
//! server.run(); // until `server.stopper().stop()` is called from another thread
//! # Ok::<(), newsdb::Error>(())
//! ```

mod api;
mod pages;
mod svg;
mod url;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::query::deadline::Deadline;
use crate::Store;

pub use url::{decode_segment, Params};

/// The most rows a page or an API call returns at once, whatever it asks for.
pub const MAX_ROWS: u32 = 100;
/// The most a page may skip (`page` times its size): deeper pages are refused.
pub const MAX_OFFSET: u32 = 10_000;
/// The longest request target (path and query) answered; longer ones get 414.
pub const MAX_URL_BYTES: usize = 4096;

/// How to run the server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeOptions {
    /// The database file, opened read-only for every request.
    pub db: PathBuf,
    /// The address to listen on (loopback unless told otherwise).
    pub host: IpAddr,
    /// The port; 0 lets the system choose a free one (see [`Server::url`]).
    pub port: u16,
    /// How long one request may run its queries before it is stopped (503).
    pub timeout: Duration,
    /// Worker threads answering requests.
    pub threads: usize,
}

impl ServeOptions {
    /// Loopback, port 8080, a 10 s limit per request and 4 workers.
    pub fn new(db: impl Into<PathBuf>) -> ServeOptions {
        ServeOptions {
            db: db.into(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            timeout: Duration::from_secs(10),
            threads: 4,
        }
    }
}

/// An answer to one request: status, content type, extra headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// Other headers (`Location`, `Content-Disposition`).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// An HTML page.
    fn html(status: u16, markup: maud::Markup) -> Reply {
        Reply::new(status, "text/html; charset=utf-8", markup.into_string())
    }

    /// A JSON document.
    fn json(status: u16, value: &impl serde::Serialize) -> Reply {
        let body = serde_json::to_vec_pretty(value)
            .unwrap_or_else(|e| format!("{{\"error\": \"cannot write JSON: {e}\"}}").into_bytes());
        Reply::new(status, "application/json; charset=utf-8", body)
    }

    /// A redirect to `location` (a path of this server).
    fn redirect(location: String) -> Reply {
        let mut r = Reply::new(302, "text/plain; charset=utf-8", "moved");
        r.headers.push(("Location", location));
        r
    }
}

/// Why a request could not be answered with what it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No such page, article or entity (404).
    NotFound(String),
    /// A parameter or id that cannot be read (400).
    BadInput(String),
    /// The request's queries ran past the time limit (503).
    Timeout(String),
    /// Anything else: the database could not be read (500).
    Internal(String),
}

impl Failure {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Failure::NotFound(_) => 404,
            Failure::BadInput(_) => 400,
            Failure::Timeout(_) => 503,
            Failure::Internal(_) => 500,
        }
    }

    /// What went wrong, for the person who asked.
    pub fn message(&self) -> &str {
        match self {
            Failure::NotFound(m)
            | Failure::BadInput(m)
            | Failure::Timeout(m)
            | Failure::Internal(m) => m,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let text = e.to_string();
        match e {
            Error::NotFound { .. } => Failure::NotFound(text),
            Error::InvalidArgument(_)
            | Error::InvalidQuery { .. }
            | Error::InvalidDate { .. }
            | Error::UnknownEntityKind(_) => Failure::BadInput(text),
            Error::Timeout { .. } => Failure::Timeout(text),
            _ => Failure::Internal(text),
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::from(Error::from(e))
    }
}

/// What a handler returns.
type Outcome = std::result::Result<Reply, Failure>;

/// The embedded files: the only ones the server sends.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "/assets/style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
    (
        "/assets/network.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/network.js"),
    ),
];

/// Answers one request: `method` and `target` (the path and query as sent) against
/// the database at `db`, its queries stopped after `timeout`. Never panics on what a
/// client sends; every failure is a page (or, under `/api/`, a JSON object) with its
/// status.
pub fn respond(db: &Path, timeout: Duration, method: &str, target: &str) -> Reply {
    let api = target.starts_with("/api/");
    let fail = |f: Failure| {
        if api {
            Reply::json(
                f.status(),
                &serde_json::json!({"error": f.message(), "status": f.status()}),
            )
        } else {
            Reply::html(f.status(), pages::failure(&f))
        }
    };
    if method != "GET" && method != "HEAD" {
        let mut r = fail(Failure::BadInput(format!(
            "method {method} is not allowed: this server only reads (GET)"
        )));
        r.status = 405;
        r.headers.push(("Allow", "GET, HEAD".into()));
        return r;
    }
    if target.len() > MAX_URL_BYTES {
        let mut r = fail(Failure::BadInput(format!(
            "the address is {} bytes long, more than the {MAX_URL_BYTES} this server reads",
            target.len()
        )));
        r.status = 414;
        return r;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if let Some((_, content_type, body)) = ASSETS.iter().find(|(p, _, _)| *p == path) {
        return Reply::new(200, content_type, *body);
    }
    let params = match Params::parse(query) {
        Ok(p) => p,
        Err(f) => return fail(f),
    };
    let segments = match url::segments(path) {
        Ok(s) => s,
        Err(f) => return fail(f),
    };
    let store = match Store::open_read_only(db) {
        Ok(s) => s,
        Err(e) => return fail(Failure::Internal(e.to_string())),
    };
    let deadline = Deadline::start(store.conn(), Some(timeout));
    let request = Request {
        store: &store,
        params: &params,
        timeout,
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let outcome = route(&request, &segments);
    let outcome = outcome.map_err(|f| match f {
        // SQLite says "interrupted" when the deadline fires: name the limit instead.
        Failure::Internal(_) if deadline.fired() => Failure::Timeout(format!(
            "the request ran longer than the limit of {} s and was stopped; narrow it \
             (a filter, a higher minimum) and try again",
            timeout.as_secs_f64()
        )),
        other => other,
    });
    drop(deadline);
    outcome.unwrap_or_else(fail)
}

/// A request being answered: the store and the query parameters.
struct Request<'a> {
    store: &'a Store,
    params: &'a Params,
    timeout: Duration,
}

fn route(req: &Request<'_>, segments: &[&str]) -> Outcome {
    match segments {
        [] => pages::search(req),
        ["articles", id] => pages::article(req, id),
        ["entities"] => pages::entities(req),
        ["entities", id] => pages::entity(req, id),
        ["network"] => pages::network(req),
        ["network.gexf"] => pages::network_file(req, crate::query::GraphFormat::Gexf),
        ["network.graphml"] => pages::network_file(req, crate::query::GraphFormat::Graphml),
        ["stats"] => pages::stats(req),
        ["api", rest @ ..] => api::route(req, rest),
        _ => Err(Failure::NotFound(format!(
            "no page at /{} (the pages are /, /articles/ID, /entities, /entities/ID, \
             /network, /stats and /api/...)",
            segments.join("/")
        ))),
    }
}

/// Stops a running [`Server`] from another thread (a Ctrl-C handler).
#[derive(Debug, Clone)]
pub struct Stopper(Arc<AtomicBool>);

impl Stopper {
    /// Asks the server to stop: it finishes the requests it is answering, then
    /// [`Server::run`] returns.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A listening server.
pub struct Server {
    http: Arc<tiny_http::Server>,
    addr: SocketAddr,
    options: ServeOptions,
    stop: Arc<AtomicBool>,
}

/// How often idle workers look at the stop flag.
const POLL: Duration = Duration::from_millis(100);

impl Server {
    /// Checks that the database opens read-only, then listens on the address of
    /// `options`. A database that cannot be read, or an address that cannot be
    /// bound, is an error before anything is served.
    pub fn bind(options: &ServeOptions) -> Result<Server> {
        drop(Store::open_read_only(&options.db)?);
        let wanted = SocketAddr::new(options.host, options.port);
        let http = tiny_http::Server::http(wanted).map_err(|e| {
            Error::InvalidArgument(format!(
                "cannot listen on {wanted}: {e} (try another --port)"
            ))
        })?;
        let addr = http.server_addr().to_ip().unwrap_or(wanted);
        Ok(Server {
            http: Arc::new(http),
            addr,
            options: options.clone(),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address it listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of its search page, `http://127.0.0.1:8080/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A handle that stops [`Server::run`].
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.stop))
    }

    /// Answers requests until stopped, on `options.threads` worker threads.
    pub fn run(self) {
        let workers: Vec<_> = (0..self.options.threads.max(1))
            .map(|_| {
                let http = Arc::clone(&self.http);
                let stop = Arc::clone(&self.stop);
                let (db, timeout) = (self.options.db.clone(), self.options.timeout);
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match http.recv_timeout(POLL) {
                            Ok(Some(request)) => answer(request, &db, timeout),
                            Ok(None) => {}
                            // A connection that broke before its request was read.
                            Err(_) => {}
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

/// Headers every answer carries: nothing is fetched from elsewhere, nothing sniffed.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
];

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn answer(request: tiny_http::Request, db: &Path, timeout: Duration) {
    let method = request.method().as_str().to_string();
    let reply = respond(db, timeout, &method, request.url());
    let body = if method == "HEAD" {
        Vec::new()
    } else {
        reply.body
    };
    let mut response = tiny_http::Response::from_data(body).with_status_code(reply.status);
    let extra = reply.headers.iter().map(|(n, v)| (*n, v.as_str()));
    for (name, value) in [("Content-Type", reply.content_type)]
        .into_iter()
        .chain(SECURITY_HEADERS.iter().copied())
        .chain(extra)
    {
        if let Some(h) = header(name, value) {
            response.add_header(h);
        }
    }
    // A client that went away is not the server's problem.
    let _ = request.respond(response);
}
