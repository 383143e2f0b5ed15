//! A time limit for read queries that run on a shared connection: a timer thread
//! interrupts the connection (SQLite's `sqlite3_interrupt`) once the time is up, until
//! the guard is dropped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::error::Error;

/// How often the timer interrupts again once the time is up: an interrupt reaches
/// only the statements running at that moment, and a query may run several in turn.
const REPEAT: Duration = Duration::from_millis(10);

/// Interrupts everything run on a connection once a timeout has passed; stops when
/// dropped.
pub(crate) struct Deadline {
    timeout: Option<Duration>,
    done: Arc<(Mutex<bool>, Condvar)>,
    fired: Arc<AtomicBool>,
    timer: Option<JoinHandle<()>>,
}

impl Deadline {
    /// Starts the timer for `conn`; with no `timeout`, a guard that does nothing.
    pub(crate) fn start(conn: &Connection, timeout: Option<Duration>) -> Deadline {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let fired = Arc::new(AtomicBool::new(false));
        let timer = timeout.map(|t| {
            let handle = conn.get_interrupt_handle();
            let (done, fired) = (Arc::clone(&done), Arc::clone(&fired));
            let end = Instant::now() + t;
            std::thread::spawn(move || {
                let (lock, wake) = &*done;
                let mut finished = lock.lock().unwrap_or_else(|p| p.into_inner());
                while !*finished {
                    let now = Instant::now();
                    let wait = if now >= end {
                        fired.store(true, Ordering::Relaxed);
                        handle.interrupt();
                        REPEAT
                    } else {
                        end - now
                    };
                    finished = wake
                        .wait_timeout(finished, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            })
        });
        Deadline {
            timeout,
            done,
            fired,
            timer,
        }
    }

    /// Whether the time ran out (and queries were interrupted).
    pub(crate) fn fired(&self) -> bool {
        self.fired.load(Ordering::Relaxed)
    }

    /// `e`, or, when the time ran out (SQLite then says "interrupted"), an error that
    /// names the timeout.
    pub(crate) fn explain(&self, e: Error, what: &'static str) -> Error {
        match self.timeout {
            Some(t) if self.fired() => Error::Timeout {
                what,
                seconds: t.as_secs_f64(),
            },
            _ => e,
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        let (lock, wake) = &*self.done;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(timer) = self.timer.take() {
            let _ = timer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDLESS: &str =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c";

    #[test]
    fn a_query_past_its_deadline_is_interrupted_and_named() {
        let conn = Connection::open_in_memory().unwrap();
        let deadline = Deadline::start(&conn, Some(Duration::from_millis(50)));
        let e = conn
            .query_row(ENDLESS, [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        let e = deadline.explain(e.into(), "search");
        assert!(e.to_string().contains("timeout of 0.05 s"), "{e}");
        drop(deadline);
        // The connection works again once the guard is gone.
        let one: i64 = conn.query_row("SELECT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(one, 1);
    }
}
