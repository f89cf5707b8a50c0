//! A hostile HTTP server on 127.0.0.1: answers each request with raw bytes
//! written the way an attacker or a broken server would (trickled, never
//! ending, stalled, compressed into a bomb).
//!
//! Runs on the test's tokio runtime. Every connection is bounded to 30 s,
//! so a test can never hang on it; it stops when dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How one request is answered.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// A complete response with `Content-Length`.
    Full {
        /// Status code.
        status: u16,
        /// Headers besides Content-Length and Connection.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// A 200 head, then one byte of body every `every`, forever.
    Trickle {
        /// Time between two bytes.
        every: Duration,
    },
    /// A 200 head, then zeros as fast as the client reads, forever.
    Endless,
    /// A 200 head announcing a body, then silence.
    StallAfterHead,
    /// Reads the request and never answers.
    Silent,
}

impl Behaviour {
    /// 200 with a content type and a body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Behaviour {
        Behaviour::Full {
            status: 200,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Behaviour {
        Behaviour::Full {
            status,
            headers: vec![("Location".to_owned(), location.to_owned())],
            body: Vec::new(),
        }
    }
}

type Handler = dyn Fn(&str) -> Behaviour + Send + Sync;

/// A running hostile server.
pub struct Hostile {
    /// Its address.
    pub addr: SocketAddr,
    /// Requests received.
    pub requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Hostile {
    /// Starts a server answering each request path with `handler`.
    pub async fn start(handler: impl Fn(&str) -> Behaviour + Send + Sync + 'static) -> Hostile {
        let handler: Arc<Handler> = Arc::new(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let (handler, counter) = (handler.clone(), counter.clone());
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(30),
                        serve(socket, handler, counter),
                    )
                    .await;
                });
            }
        });
        Hostile {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:port` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests received so far.
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    handler: Arc<Handler>,
    counter: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return,
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
    counter.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&buf);
    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
    let chunked_head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    match handler(&path) {
        Behaviour::Full {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            let mut bytes = out.into_bytes();
            bytes.extend_from_slice(&body);
            let _ = socket.write_all(&bytes).await;
        }
        Behaviour::Trickle { every } => {
            if socket.write_all(chunked_head.as_bytes()).await.is_err() {
                return;
            }
            loop {
                if socket.write_all(b"1\r\nx\r\n").await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Behaviour::Endless => {
            if socket.write_all(chunked_head.as_bytes()).await.is_err() {
                return;
            }
            let mut piece = b"10000\r\n".to_vec();
            piece.extend_from_slice(&[b'<'; 0x10000]);
            piece.extend_from_slice(b"\r\n");
            while socket.write_all(&piece).await.is_ok() {}
        }
        Behaviour::StallAfterHead => {
            let _ = socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n<rss",
                )
                .await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Behaviour::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
    }
    let _ = socket.shutdown().await;
}
