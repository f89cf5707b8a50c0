//! A small HTTP/1.1 server on 127.0.0.1 for tests and the load benchmark.
//!
//! Runs on its own thread and tokio runtime, so synchronous tests that drive
//! the `gleaner` binary can use it. Each response is produced by a handler
//! function; the server counts requests and the peak number of concurrent
//! ones, and logs every request (path and headers). Connections are closed
//! after each response and every connection has a time limit, so a test can
//! never hang on it. It stops when dropped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Path and query.
    pub path: String,
    /// Headers, names lowercased.
    pub headers: HashMap<String, String>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// One response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers besides Content-Length and Connection.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Response {
    /// 200 with a body and a content type.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status: 200,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// A status with no body.
    pub fn status(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Delays the answer.
    pub fn with_delay(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// Counters and the request log.
#[derive(Default)]
pub struct Stats {
    /// Requests answered or in progress.
    pub total: AtomicUsize,
    /// Requests being answered now.
    pub in_flight: AtomicUsize,
    /// Peak of `in_flight`.
    pub max_in_flight: AtomicUsize,
    /// Every request, in arrival order.
    pub log: Mutex<Vec<Request>>,
}

impl Stats {
    /// The requests for one path.
    pub fn requests_for(&self, path: &str) -> Vec<Request> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// A running server.
pub struct TestServer {
    /// Its address.
    pub addr: SocketAddr,
    /// Its counters.
    pub stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server answering with `handler`; `log` keeps request logs.
    /// Connections are closed after each response.
    pub fn start(
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
        log: bool,
    ) -> TestServer {
        TestServer::start_with(handler, log, false)
    }

    /// [`TestServer::start`], with `keep_alive` serving several requests per
    /// connection (the benchmark, where connection setup would dominate).
    pub fn start_with(
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
        log: bool,
        keep_alive: bool,
    ) -> TestServer {
        let handler: Arc<Handler> = Arc::new(handler);
        let stats = Arc::new(Stats::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_stats = stats.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("test-server")
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let accept = async {
                    loop {
                        let Ok((socket, _)) = listener.accept().await else {
                            continue;
                        };
                        let (handler, stats) = (handler.clone(), thread_stats.clone());
                        tokio::spawn(async move {
                            if keep_alive {
                                serve(socket, handler, stats, log, true).await;
                            } else {
                                let _ = tokio::time::timeout(
                                    Duration::from_secs(30),
                                    serve(socket, handler, stats, log, false),
                                )
                                .await;
                            }
                        });
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stop_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        TestServer {
            addr,
            stats,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:port` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    handler: Arc<Handler>,
    stats: Arc<Stats>,
    log: bool,
    keep_alive: bool,
) {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos;
            }
            if buf.len() > 64 * 1024 {
                return;
            }
            // An idle connection is closed after 30 s.
            match tokio::time::timeout(Duration::from_secs(30), socket.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let path = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let request = Request { path, headers };
        stats.total.fetch_add(1, Ordering::SeqCst);
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if log {
            stats.log.lock().unwrap().push(request.clone());
        }
        let response = handler(&request);
        if !response.delay.is_zero() {
            tokio::time::sleep(response.delay).await;
        }
        let connection = if keep_alive { "keep-alive" } else { "close" };
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: {connection}\r\n",
            response.status,
            response.body.len()
        );
        for (name, value) in &response.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&response.body);
        let written = socket.write_all(&bytes).await;
        stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if written.is_err() || !keep_alive {
            let _ = socket.shutdown().await;
            return;
        }
    }
}

/// Routes by exact path, with ETag support and scripted answer sequences:
/// the handler most tests use.
#[derive(Default)]
pub struct Routes {
    routes: Mutex<HashMap<String, Vec<Response>>>,
}

impl Routes {
    /// Sets the answer for a path (replacing any sequence).
    pub fn set(&self, path: &str, response: Response) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), vec![response]);
    }

    /// Answers a path with `responses` in turn; the last one repeats.
    pub fn sequence(&self, path: &str, responses: Vec<Response>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), responses);
    }

    /// Removes a path (it answers 404).
    pub fn remove(&self, path: &str) {
        self.routes.lock().unwrap().remove(path);
    }

    /// Answers a request: 404 for unknown paths, 304 when `If-None-Match`
    /// equals the response's ETag.
    pub fn answer(&self, request: &Request) -> Response {
        let mut routes = self.routes.lock().unwrap();
        let Some(list) = routes.get_mut(&request.path) else {
            return Response::status(404);
        };
        let response = if list.len() > 1 {
            list.remove(0)
        } else {
            list[0].clone()
        };
        let etag = response
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("etag"))
            .map(|(_, v)| v.clone());
        if response.status == 200
            && let Some(etag) = etag
            && request.header("if-none-match") == Some(etag.as_str())
        {
            return Response::status(304).with_header("ETag", &etag);
        }
        response
    }
}

/// An RSS 2.0 feed whose items link to `base` + `/a/<id>`.
pub fn rss(title: &str, base: &str, ids: &[&str]) -> String {
    let mut items = String::new();
    for id in ids {
        items.push_str(&format!(
            "<item><title>Story {id}</title><link>{base}/a/{id}</link><guid isPermaLink=\"false\">{id}</guid>\
             <description>Summary of story {id}.</description><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>"
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title><link>{base}/</link>{items}</channel></rss>"
    )
}

/// A plausible article page.
pub fn article_page(id: &str, paragraphs: usize) -> String {
    let mut body = String::new();
    for p in 0..paragraphs {
        body.push_str(&format!(
            "<p>Paragraph {p} of story {id}. The council met on Tuesday to discuss the budget for the coming year, \
             and several members raised concerns about the cost of the new bridge, which has doubled since the \
             project was first proposed. Residents who attended said they wanted more information.</p>"
        ));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Story {id} | Example Times</title>\
         <meta property=\"og:site_name\" content=\"Example Times\"></head><body><header><nav><a href=\"/\">Home</a> \
         <a href=\"/world\">World</a></nav></header><main><article><h1>Story {id}</h1>\
         <p class=\"byline\">By Jane Doe</p>{body}</article></main><footer>Copyright Example Times</footer></body></html>"
    )
}
