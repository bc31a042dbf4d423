//! Where the built plugins are (scripts/build-plugins packages them), and a loopback HTTP endpoint.
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::panic, clippy::new_without_default)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The plugins Lift ships, as packaged for the wheel.
pub fn shipped(name: &str) -> PathBuf {
    let path = root().join("bindings-python/python/lift/plugins").join(format!("{name}.toml"));
    assert!(path.exists(), "{} is missing: run scripts/build-plugins first", path.display());
    path
}

/// The hostile plugins the tests load.
pub fn hostile(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    let path = target.join("lift-test-plugins").join(format!("{name}.toml"));
    assert!(path.exists(), "{} is missing: run scripts/build-plugins first", path.display());
    path
}

/// A copy of a packaged plugin in a fresh directory, its manifest edited by `edit`.
pub fn copy_with(manifest: &std::path::Path, edit: impl Fn(String) -> String) -> (tempdir::Dir, PathBuf) {
    let dir = tempdir::Dir::new();
    let text = std::fs::read_to_string(manifest).unwrap();
    let component = text.lines().find_map(|l| l.strip_prefix("component = ")).unwrap().trim_matches('"').to_string();
    std::fs::copy(manifest.with_file_name(&component), dir.0.join(&component)).unwrap();
    let path = dir.0.join(manifest.file_name().unwrap());
    std::fs::write(&path, edit(text)).unwrap();
    (dir, path)
}

pub mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!("lift-host-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A loopback HTTP server: `/ok` answers 200 "all good", `/fail` 500, `/big` a 2 MiB body, `/slow` after 3 s.
pub fn endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let mut s = stream;
                if let Some(to) = path.strip_prefix("/redirect?to=") {
                    let _ = write!(s, "HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    return;
                }
                if path == "/trickle" {
                    // Headers one byte at a time, forever: a timeout must end it, not the server.
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
                    for b in b"x-slow: ".iter().chain(std::iter::repeat(&b'z')).take(200) {
                        if s.write_all(&[*b]).is_err() {
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    return;
                }
                let (status, body) = match path.as_str() {
                    "/ok" => ("200 OK", b"all good".to_vec()),
                    "/big" => ("200 OK", vec![b'x'; 2 << 20]),
                    "/slow" => {
                        std::thread::sleep(std::time::Duration::from_secs(3));
                        ("200 OK", b"late".to_vec())
                    }
                    _ => ("500 Internal Server Error", b"broken".to_vec()),
                };
                let _ = write!(s, "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                let _ = s.write_all(&body);
            });
        }
    });
    format!("http://{addr}")
}
