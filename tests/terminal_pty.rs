//! The real `aisle` binary in a pseudo-terminal, as an operator meets it: the login screen, a
//! supervisor's badge and PIN, item inquiry showing real figures for a scanned GTIN, and the
//! terminal restored on the way out.

mod common;

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process on the slave side of a pty, its screen rebuilt by a vt100 parser.
struct PtySession {
    child: Child,
    master: std::fs::File,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl PtySession {
    fn spawn(command: &mut Command, cols: u16, rows: u16) -> PtySession {
        let (mut master_fd, mut slave_fd) = (0, 0);
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two fresh descriptors that we own from here on.
        let rc = unsafe {
            libc::openpty(
                &mut master_fd,
                &mut slave_fd,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both descriptors were just opened by openpty and are not owned elsewhere.
        let (master, slave) = unsafe {
            (
                OwnedFd::from_raw_fd(master_fd),
                OwnedFd::from_raw_fd(slave_fd),
            )
        };
        let slave_raw = slave.as_raw_fd();
        command
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new session whose
        // controlling terminal is the pty, as a login shell on a handheld would have.
        unsafe {
            command.pre_exec(move || {
                if libc::setsid() < 0 || libc::ioctl(slave_raw, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        let master = std::fs::File::from(master);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let (screen_in, raw_in) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen_in.lock().unwrap().process(&buf[..n]);
                raw_in.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        PtySession {
            child,
            master,
            screen,
            raw,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_for_within(text, Duration::from_secs(30))
    }

    fn wait_for_within(&self, text: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let contents = self.contents();
            if contents.contains(text) {
                return contents;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {text:?}; the screen shows:\n{contents}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Types like a keyboard-wedge scanner: the characters, then Enter.
    fn scan(&mut self, line: &str) {
        self.master.write_all(line.as_bytes()).unwrap();
        self.master.write_all(b"\r").unwrap();
    }
}

impl Drop for PtySession {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn login_and_item_inquiry_in_a_real_terminal() {
    let db = common::fresh_db().await;
    aisle::db::demo::load(&db.pool).await.unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(common::aisle_bin());
    command
        .env("DATABASE_URL", &db.url)
        .env("AISLE_DATA_DIR", data_dir.path())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    let mut term = PtySession::spawn(&mut command, 80, 24);

    term.wait_for("Scan your badge");
    // Past the first tick (1 s), so the loop has been idle and woken by its clock before: each
    // key must still show as soon as it is typed, not at the next tick. Generous margin: this
    // is a behaviour check on a shared machine, not a benchmark.
    std::thread::sleep(Duration::from_millis(1200));
    for end in 1..="S3001".len() {
        let typed = &"S3001"[..end];
        term.master.write_all(&typed.as_bytes()[end - 1..]).unwrap();
        let sent = Instant::now();
        term.wait_for_within(&format!("Badge> {typed}"), Duration::from_secs(5));
        let echo = sent.elapsed();
        assert!(
            echo < Duration::from_millis(500),
            "typing {typed:?} showed after {echo:?}"
        );
        std::thread::sleep(Duration::from_millis(150));
    }
    term.master.write_all(b"\r").unwrap();
    term.wait_for("Enter your PIN");
    term.scan("55501");
    term.wait_for("Item inquiry");
    term.scan("3");
    term.wait_for("Scan an item");
    term.scan("074312003813");
    let screen = term.wait_for("BLK100-BLK-5060");

    let expected: i64 = sqlx::query_scalar(
        "select sum(on_hand)::bigint from stock s join skus k on k.id = s.sku_id where k.code = 'BLK100-BLK-5060'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        screen.contains(&expected.to_string()),
        "on hand {expected} not shown:\n{screen}"
    );
    assert!(
        screen.contains("amazon-us"),
        "channel figures not shown:\n{screen}"
    );

    // Ctrl+C leaves, and the alternate screen and raw mode are given back.
    term.master.write_all(&[0x03]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = term.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "aisle did not exit on Ctrl+C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(100));
    let raw = String::from_utf8_lossy(&term.raw.lock().unwrap()).into_owned();
    assert!(
        raw.contains("\x1b[?1049l"),
        "the alternate screen was not left"
    );
}
