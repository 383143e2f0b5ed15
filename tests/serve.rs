//! `newsdb serve` over real HTTP: the binary on an ephemeral port (`--port 0`, the URL
//! read from its first line), every page and API route on the seed and on a BBC
//! store, escaping of hostile text, the error pages, the read-only guarantee, reading
//! beside a running import, and a clean stop on Ctrl-C (SIGINT).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{newsdb, seeds, shared_file};

/// A running `newsdb serve`, stopped with SIGINT when dropped.
struct Serve {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Serve {
    fn start(db: &Path) -> Serve {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
            .args(["--db"])
            .arg(db)
            .args(["serve", "--port", "0", "--timeout", "20"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsdb serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the URL line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        assert!(
            addr.starts_with("127.0.0.1:"),
            "loopback by default: {line}"
        );
        Serve { child, addr }
    }

    /// GET `target` (HTTP/1.0, so the body is never chunked): status, head, body.
    fn get(&self, target: &str) -> Response {
        self.request("GET", target)
    }

    fn request(&self, method: &str, target: &str) -> Response {
        let mut s = TcpStream::connect(&self.addr).expect("connects");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            s,
            "{method} {target} HTTP/1.0\r\nHost: {}\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("reads the answer");
        let text = String::from_utf8(raw).expect("UTF-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("a status code");
        Response {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    /// Sends SIGINT (what Ctrl-C sends) and asserts a clean exit (code 0).
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit after Ctrl-C: {status:?}");
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "still running 10 s after SIGINT"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn ok(self, target: &str) -> Response {
        assert_eq!(self.status, 200, "{target}: {}", self.body);
        self
    }
}

fn import(db: &Path, args: &[&str]) {
    newsdb(db)
        .arg("import")
        .arg("--quiet")
        .args(args)
        .assert()
        .success();
}

fn seed_store(dir: &Path) -> PathBuf {
    let db = dir.join("seed.sqlite");
    import(&db, &[seeds().to_str().unwrap()]);
    db
}

/// The id of the most mentioned entity, through the API.
fn top_entity(s: &Serve) -> i64 {
    let page = s.get("/entities").ok("/entities");
    let at = page.body.find("href=\"/entities/").expect("an entity link") + 16;
    page.body[at..]
        .split('"')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("a numeric entity id")
}

#[test]
fn every_page_and_api_route_answers_on_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let db = seed_store(dir.path());
    let s = Serve::start(&db);
    let home = s.get("/").ok("/");
    assert!(home.head.contains("text/html"), "{}", home.head);
    assert!(
        home.head.contains("Content-Security-Policy"),
        "{}",
        home.head
    );
    assert!(
        home.body.contains("000_74746990a53cdcfb"),
        "the seed is listed"
    );
    let hits = s.get("/?q=khamenei").ok("search");
    assert!(hits.body.contains("<mark>"), "highlighted snippet");
    assert!(
        hits.body.contains("1 hits") || hits.body.contains("hits"),
        "count"
    );
    let article = s.get("/articles/000_74746990a53cdcfb").ok("article");
    assert!(
        article.body.contains("class=\"mention person\""),
        "mentions marked by kind"
    );
    assert!(article.body.contains("data-kind=\"location\""));
    assert!(
        article.body.contains("Entities in this article"),
        "the list of entities"
    );
    let id = top_entity(&s);
    let entity = s.get(&format!("/entities/{id}")).ok("entity");
    assert!(
        entity.body.contains("<svg") || entity.body.contains("No dated article"),
        "a timeline or why there is none"
    );
    assert!(entity.body.contains("Mentions in context"));
    for level in ["sentence", "paragraph", "article"] {
        s.get(&format!("/entities/{id}?level={level}")).ok(level);
    }
    let net = s
        .get(&format!("/network?entity={id}&level=article"))
        .ok("network");
    assert!(net.body.contains("<svg"), "the graph is drawn");
    assert!(net.body.contains("/assets/network.js"));
    let gexf = s
        .get(&format!("/network.gexf?entity={id}&level=article"))
        .ok("gexf");
    assert!(gexf.body.starts_with("<?xml") && gexf.body.contains("<gexf"));
    assert!(gexf.head.contains("attachment"));
    let graphml = s
        .get(&format!("/network.graphml?entity={id}"))
        .ok("graphml");
    assert!(graphml.body.contains("<graphml"));
    s.get("/network").ok("network form");
    s.get("/entities?kind=location&match=te")
        .ok("entities filtered");
    let stats = s.get("/stats").ok("stats");
    assert!(stats.body.contains("schema version"));
    assert!(stats.body.contains("Latest imports"));
    for asset in ["/assets/style.css", "/assets/network.js"] {
        s.get(asset).ok(asset);
    }
    // The API: valid JSON with the library's fields.
    let json = |target: &str| -> serde_json::Value {
        serde_json::from_str(&s.get(target).ok(target).body).expect("JSON")
    };
    assert_eq!(json("/api/search?q=khamenei")["total"], 1);
    assert_eq!(
        json("/api/articles/000_74746990a53cdcfb")["external_id"],
        "000_74746990a53cdcfb"
    );
    assert_eq!(json(&format!("/api/entities/{id}"))["id"], id);
    assert!(json(&format!("/api/entities/{id}/cooccur?level=article")).is_array());
    assert!(
        json(&format!("/api/entities/{id}/mentions?limit=2"))
            .as_array()
            .unwrap()
            .len()
            <= 2
    );
    assert!(json(&format!("/api/entities/{id}/timeline?by=year"))["rows"].is_array());
    assert!(json("/api/stats")["articles"].as_i64() == Some(1));
    // A name in the address redirects to the id.
    let byname = s.get("/entities/Tehran");
    assert_eq!(byname.status, 302, "{byname:?}");
    assert!(byname.head.contains("Location: /entities/"));
    s.stop();
}

#[test]
fn hostile_text_is_escaped_everywhere_it_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hostile.sqlite");
    let feed = dir.path().join("hostile.jsonl");
    let record = serde_json::json!({
        "id": "evil/<x>\"1",
        "source": "<b>wire</b>",
        "published": "2019-02-26",
        "title": "<script>alert('title')</script> Angela Merkel in Berlin",
        "body": "Angela Merkel met Emmanuel Macron in Berlin. <script>alert(1)</script>\n\
                 <img src=x onerror=alert(2)> Angela Merkel said \"&amp;\" twice.",
    });
    std::fs::write(&feed, format!("{record}\n")).unwrap();
    import(&db, &[feed.to_str().unwrap()]);
    let s = Serve::start(&db);
    let article = s.get("/articles/evil%2F%3Cx%3E%221").ok("hostile article");
    for page in [
        article.body.clone(),
        s.get("/?q=merkel").ok("search").body,
        s.get("/").ok("list").body,
    ] {
        assert!(!page.contains("<script>alert"), "raw script tag: {page}");
        assert!(!page.contains("<img src=x"), "raw img tag");
        assert!(!page.contains("<b>wire"), "raw source markup");
    }
    assert!(article
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(article.body.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(
        article.body.contains("&amp;amp;"),
        "an entity in the text stays text"
    );
    // The external id is escaped in the page and encoded in links.
    assert!(article.body.contains("evil/&lt;x&gt;&quot;1"));
    let search = s.get("/?q=merkel").ok("search");
    assert!(
        search
            .body
            .contains("href=\"/articles/evil%2F%3Cx%3E%221\""),
        "{}",
        search.body
    );
    // A query echoed back is escaped too.
    let echo = s.get("/?q=%3Cscript%3Ealert(3)%3C%2Fscript%3E").ok("echo");
    assert!(!echo.body.contains("<script>alert(3)"));
    let missing = s.get("/articles/%3Cscript%3Ealert(4)%3C%2Fscript%3E");
    assert_eq!(missing.status, 404);
    assert!(!missing.body.contains("<script>alert(4)"));
    s.stop();
}

#[test]
fn not_found_and_bad_input_get_clear_pages_and_the_file_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = seed_store(dir.path());
    let before = std::fs::read(&db).unwrap();
    let s = Serve::start(&db);
    let cases: &[(&str, u16, &str)] = &[
        ("/no/such/page", 404, "no page at"),
        ("/articles/nope", 404, "no article"),
        ("/entities/999999", 404, "no entity"),
        ("/entities/Nobody%20At%20All", 404, "no entity"),
        ("/network?entity=Nobody", 404, "no entity"),
        ("/?q=%22unclosed", 400, "Bad request"),
        ("/?q=x&since=2005-02-30", 400, "2005-02-30"),
        ("/?kind=persn", 400, "persn"),
        ("/?page=0", 400, "pages start at 1"),
        ("/?page=100000", 400, "too deep"),
        ("/entities?kind=robot", 400, "robot"),
        ("/network?entity=1&level=word", 400, "word"),
        ("/network?entity=1&min=-1", 400, "min"),
        ("/articles/%FF", 400, "UTF-8"),
        ("/api/nothing", 404, "no API route"),
        ("/api/search", 400, "q= is missing"),
        ("/api/entities/999999", 404, "no entity"),
        ("/assets/../Cargo.toml", 404, "no page"),
        ("/assets/", 404, "no page"),
        ("/../../etc/passwd", 404, "no page"),
    ];
    for (target, status, says) in cases {
        let r = s.get(target);
        assert_eq!(r.status, *status, "{target}: {}", r.body);
        assert!(
            r.body.contains(says),
            "{target} should say {says:?}: {}",
            r.body
        );
    }
    let api = s.get("/api/entities/999999");
    let v: serde_json::Value = serde_json::from_str(&api.body).expect("JSON error");
    assert_eq!(v["status"], 404);
    let post = s.request("POST", "/");
    assert_eq!(post.status, 405);
    assert!(post.head.contains("Allow: GET, HEAD"));
    let long = format!("/?q={}", "a".repeat(5000));
    assert_eq!(s.get(&long).status, 414);
    // A session of every kind of request, then the file is byte for byte the same.
    for target in [
        "/",
        "/?q=tehran",
        "/entities",
        "/stats",
        "/api/stats",
        "/network?entity=1",
    ] {
        s.get(target);
    }
    s.stop();
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the database file changed"
    );
}

#[test]
fn merged_entities_redirect_to_their_target_which_lists_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let db = seed_store(dir.path());
    let id_of = |s: &Serve, name: &str| -> i64 {
        let v: serde_json::Value = serde_json::from_str(
            &s.get(&format!("/api/entities/{}", name.replace(' ', "%20")))
                .ok(name)
                .body,
        )
        .unwrap();
        v["id"].as_i64().unwrap()
    };
    let s = Serve::start(&db);
    let washington = id_of(&s, "Washington");
    let us = id_of(&s, "United States");
    s.stop();
    newsdb(&db)
        .args(["entities", "merge", "Washington", "United States"])
        .assert()
        .success();
    let s = Serve::start(&db);
    let moved = s.get(&format!("/entities/{washington}"));
    assert_eq!(moved.status, 302, "{moved:?}");
    assert!(
        moved.head.contains(&format!("Location: /entities/{us}")),
        "{}",
        moved.head
    );
    let byname = s.get("/entities/Washington");
    assert!(
        byname.head.contains(&format!("Location: /entities/{us}")),
        "{}",
        byname.head
    );
    assert_eq!(id_of(&s, "Washington"), us, "the API follows the merge");
    let page = s.get(&format!("/entities/{us}")).ok("target");
    assert!(page.body.contains("<h2>Merges</h2>"), "{}", page.body);
    assert!(page.body.contains("merged into"));
    assert!(page
        .body
        .contains(&format!("href=\"/entities/{washington}\">Washington</a>")));
    s.stop();
}

/// A BBC store of `per_topic` texts of each topic, topics as sources.
fn bbc_store(dir: &Path, per_topic: usize) -> Option<PathBuf> {
    let bbc = shared_file("bbc")?;
    let src = dir.join("bbc");
    for topic in ["business", "politics", "tech"] {
        std::fs::create_dir_all(src.join(topic)).unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(bbc.join(topic))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files.iter().take(per_topic) {
            std::fs::copy(f, src.join(topic).join(f.file_name().unwrap())).unwrap();
        }
    }
    let db = dir.join("bbc.sqlite");
    import(
        &db,
        &[
            "--source-from-dir",
            "--published",
            "2005-03-01",
            src.to_str().unwrap(),
        ],
    );
    Some(db)
}

#[test]
fn every_page_answers_on_a_bbc_store() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = bbc_store(dir.path(), 40) else {
        return;
    };
    let s = Serve::start(&db);
    let id = top_entity(&s);
    for target in [
        "/".to_string(),
        "/?q=economy&sort=newest".into(),
        "/?q=government&source=politics&since=2005&until=2005-12".into(),
        "/?q=market&kind=organization&page=2".into(),
        format!("/?entity={id}"),
        "/articles/business%2F001".into(),
        "/entities?kind=person".into(),
        "/entities?page=2".into(),
        format!("/entities/{id}?by=day"),
        format!("/network?entity={id}&level=sentence&min=2"),
        format!("/network?entity={id}&level=paragraph&kind=person"),
        "/stats".into(),
        "/api/search?q=economy&limit=5&offset=5".into(),
        "/api/articles/business%2F001".into(),
        format!("/api/entities/{id}/cooccur?level=paragraph&limit=500"),
    ] {
        s.get(&target).ok(&target);
    }
    let page = s.get(&format!("/entities/{id}")).ok("entity");
    assert!(
        page.body.contains("<svg class=\"timeline\""),
        "a timeline chart"
    );
    assert!(page.body.contains("<rect"), "with a bar");
    let net = s
        .get(&format!("/network?entity={id}&level=article&min=2"))
        .ok("net");
    assert!(net.body.matches("<circle").count() > 2, "a neighbourhood");
    let limited: serde_json::Value = serde_json::from_str(
        &s.get(&format!(
            "/api/entities/{id}/cooccur?level=article&limit=5000"
        ))
        .ok("cooccur")
        .body,
    )
    .unwrap();
    assert!(limited.as_array().unwrap().len() <= 100, "capped");
    s.stop();
}

#[test]
fn a_reader_beside_a_running_import_sees_committed_data_and_no_lock_error() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = bbc_store(dir.path(), 5) else {
        return;
    };
    let bbc = shared_file("bbc").expect("checked above");
    let s = Serve::start(&db);
    let articles = |s: &Serve| -> i64 {
        let v: serde_json::Value =
            serde_json::from_str(&s.get("/api/stats").ok("/api/stats").body).unwrap();
        v["articles"].as_i64().unwrap()
    };
    let before = articles(&s);
    let mut import = Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
        .arg("--db")
        .arg(&db)
        .args(["import", "--quiet"])
        .arg(bbc.join("sport"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut requests = 0;
    let mut seen_more = false;
    let start = Instant::now();
    loop {
        let done = import.try_wait().unwrap().is_some();
        for target in ["/", "/?q=match", "/entities", "/stats"] {
            let r = s.get(target);
            assert_eq!(r.status, 200, "{target} during the import: {}", r.body);
            assert!(!r.body.contains("locked"), "{}", r.body);
            requests += 1;
        }
        let now = articles(&s);
        assert!(now >= before);
        seen_more |= now > before;
        if done || start.elapsed() > Duration::from_secs(240) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(import.wait().unwrap().success());
    assert!(requests > 4);
    assert!(articles(&s) > before, "the imported articles are seen");
    let _ = seen_more;
    s.stop();
}
