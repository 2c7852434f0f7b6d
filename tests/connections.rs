//! The connection layer (`customer_graph::serve`), through raw sockets: the
//! header-read and keep-alive timeouts, the cap on open connections, and the
//! drain on SIGTERM. The timeouts run in-process on SQLite (they do not
//! depend on the database); the cap and the shutdown run the real binary as
//! a child process, for its exit status, its logs and its file limit.
//!
//! "In flight", for the drain: a request whose head has arrived and whose
//! body is complete, until its response has been sent whole. A request
//! whose body is still incomplete when the drain begins has its body read
//! failed (it is answered with an error, and its connection closes).
//!
//! Bounds are generous ("within the timeout + 10 s") for a loaded 2-core
//! machine; today's failures they catch are "never".

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::process::{self, Server};
use common::{Backend, spawn_app_with};
use customer_graph::config::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Slack over a configured time before a test calls it "never".
const SLACK: Duration = Duration::from_secs(10);

/// The biggest answer the server has: an asset of the REST docs page
/// (1.7 MB), more than a small receive window and the kernel's send buffer
/// take, so that its sending outlives the SIGTERM.
const BIG_ASSET: &str = "/playground/assets/swagger-ui-bundle-5.35.0.js";

async fn connect(address: SocketAddr) -> TcpStream {
    tokio::time::timeout(SLACK, TcpStream::connect(address))
        .await
        .expect("connect in time")
        .expect("connect")
}

/// A connection whose receive buffer is small: the server's writes get
/// stuck as soon as the client stops reading.
async fn connect_slow_reader(address: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    tokio::time::timeout(SLACK, socket.connect(address))
        .await
        .expect("connect in time")
        .expect("connect")
}

/// Reads until the server closes `stream` (end of stream or reset); how
/// long that took, or `None` if it is still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        let left = within.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// One response read off `stream` within `within`: its status and body (by
/// `Content-Length`). `received` keeps what was read past it (the next
/// pipelined response).
async fn read_response(
    stream: &mut TcpStream,
    received: &mut Vec<u8>,
    within: Duration,
) -> (u16, Vec<u8>) {
    tokio::time::timeout(within, async {
        let mut buffer = vec![0u8; 64 * 1024];
        let head_end = loop {
            if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let read = stream.read(&mut buffer).await.expect("read a head");
            assert!(read > 0, "closed before a response head");
            received.extend_from_slice(&buffer[..read]);
        };
        let head = String::from_utf8_lossy(&received[..head_end]).to_lowercase();
        let status: u16 = head[9..12].parse().expect("a status code");
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map_or(0, |value| value.trim().parse().expect("a length"));
        while received.len() < head_end + length {
            let read = stream.read(&mut buffer).await.expect("read a body");
            assert!(
                read > 0,
                "closed after {} of {length} bytes",
                received.len() - head_end
            );
            received.extend_from_slice(&buffer[..read]);
        }
        let rest = received.split_off(head_end + length);
        let body = received.split_off(head_end);
        *received = rest;
        (status, body)
    })
    .await
    .expect("a whole response in time")
}

/// `GET path` on a keep-alive connection.
async fn get_on(stream: &mut TcpStream, path: &str) -> u16 {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    read_response(stream, &mut Vec::new(), SLACK).await.0
}

/// `GET /healthz` on a new connection.
async fn healthz(address: SocketAddr) -> u16 {
    get_on(&mut connect(address).await, "/healthz").await
}

/// Waits for the server to exit after SIGTERM, and checks it exits 0.
async fn assert_exits_cleanly(server: &mut Server, within: Duration) -> Duration {
    let Some((status, after)) = server.exit_within(within).await else {
        panic!(
            "still running {within:?} after SIGTERM; its log:\n{}",
            server.log()
        );
    };
    assert!(status.success(), "exit {status}; log:\n{}", server.log());
    after
}

#[tokio::test]
async fn a_half_sent_request_head_does_not_hold_the_shutdown() {
    let mut server = Server::start(&["--shutdown-drain-secs", "60"]);
    // One fresh connection and one kept alive after a request, each with
    // half a request head sent.
    let mut fresh = connect(server.address).await;
    fresh
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("send");
    let mut kept = connect(server.address).await;
    assert_eq!(get_on(&mut kept, "/healthz").await, 200);
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(500)).await;

    server.terminate();
    // At once, not after the 60 s drain deadline.
    let after = assert_exits_cleanly(&mut server, SLACK).await;
    eprintln!("exited {after:?} after SIGTERM");
    assert!(closed_within(&mut fresh, SLACK).await.is_some());
    assert!(closed_within(&mut kept, SLACK).await.is_some());
}

#[tokio::test]
async fn a_half_sent_body_does_not_hold_the_shutdown() {
    let mut server = Server::start(&["--shutdown-drain-secs", "60"]);
    let organization =
        process::run_command(&server.database_url, &["org", "create", "--name", "Drain"]);
    let token = process::run_command(
        &server.database_url,
        &["token", "create", "--organization", &organization],
    );
    let mut upload = connect(server.address).await;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nAccept: application/graphql-response+json\r\n\
         Content-Length: 1000\r\n\
         Expect: 100-continue\r\n\r\n"
    );
    upload.write_all(head.as_bytes()).await.expect("send");
    // hyper answers 100 once the handler reads the body: the request is
    // being handled, its body incomplete.
    let mut interim = [0u8; 25];
    tokio::time::timeout(SLACK, upload.read_exact(&mut interim))
        .await
        .expect("100 Continue in time")
        .expect("read 100 Continue");
    assert!(interim.starts_with(b"HTTP/1.1 100"), "{interim:?}");
    upload.write_all(br#"{"query": "{"#).await.expect("send");
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.terminate();
    let after = assert_exits_cleanly(&mut server, SLACK).await;
    eprintln!("exited {after:?} after SIGTERM");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(SLACK, upload.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    // A body cut short is the client's bad request, not one too large.
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("could not be read to its end"), "{answer}");
}

/// Pipelined requests for [`BIG_ASSET`], more than the kernel's socket
/// buffers take (14 MB; the send buffer grows to 4 MB by default), on a
/// connection whose client reads nothing yet: the server's writes get stuck
/// with a response in flight.
async fn stuck_download(address: SocketAddr) -> TcpStream {
    let mut reader = connect_slow_reader(address).await;
    let request = format!("GET {BIG_ASSET} HTTP/1.1\r\nHost: test\r\n\r\n").repeat(PIPELINED);
    reader.write_all(request.as_bytes()).await.expect("send");
    tokio::time::timeout(SLACK, reader.readable())
        .await
        .expect("the answer begins in time")
        .expect("readable");
    // Time to fill the buffers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    reader
}

/// Requests [`stuck_download`] pipelines.
const PIPELINED: usize = 8;

#[tokio::test]
async fn a_response_in_flight_at_shutdown_is_sent_whole() {
    let mut server = Server::start(&[]);
    let mut reader = stuck_download(server.address).await;

    server.terminate();
    // The server waits while we do not read.
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Every response sent is whole; those not begun when the drain began
    // are not sent (RFC 9112 §9.3.2: the client retries them).
    let mut answered = 0;
    let mut received = Vec::new();
    loop {
        let (status, body) =
            read_response(&mut reader, &mut received, Duration::from_secs(60)).await;
        assert_eq!(status, 200);
        assert!(body.len() > 1_000_000, "{} bytes", body.len());
        answered += 1;
        if !received.is_empty() {
            continue;
        }
        let mut byte = [0u8; 1];
        match tokio::time::timeout(SLACK, reader.peek(&mut byte)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(_)) => {}
            Err(_) => panic!("neither more answers nor a close after {answered}"),
        }
    }
    assert!(answered < PIPELINED, "the drain answered every request");
    assert_exits_cleanly(&mut server, SLACK).await;
    assert!(
        server.log().contains("in_flight=1"),
        "the response was not counted in flight:\n{}",
        server.log()
    );
}

#[tokio::test]
async fn the_drain_deadline_ends_what_a_client_holds() {
    let mut server = Server::start(&["--shutdown-drain-secs", "3"]);
    let _reader = stuck_download(server.address).await;

    server.terminate();
    // Never read: only the deadline ends it.
    let after = assert_exits_cleanly(&mut server, Duration::from_secs(3) + SLACK).await;
    eprintln!("exited {after:?} after SIGTERM");
    assert!(
        server.log().contains("drain deadline passed"),
        "{}",
        server.log()
    );
}

#[tokio::test]
async fn silent_and_trickling_clients_are_closed_after_the_header_read_timeout_on_sqlite() {
    let timeout = Duration::from_secs(2);
    let app = spawn_app_with(
        Backend::Sqlite,
        ServerConfig {
            header_read_timeout_secs: timeout.as_secs(),
            ..ServerConfig::default()
        },
    )
    .await;
    let started = Instant::now();
    let mut silent = Vec::new();
    for _ in 0..5 {
        silent.push(connect(app.address).await);
    }
    // One byte a second, as long as the server lets it.
    let address = app.address;
    let trickle = tokio::spawn(async move {
        let mut stream = connect(address).await;
        let started = Instant::now();
        for byte in b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: 123456789\r\n\r\n" {
            if stream.write_all(&[*byte]).await.is_err() {
                return Some(started.elapsed());
            }
            if closed_within(&mut stream, Duration::from_secs(1))
                .await
                .is_some()
            {
                return Some(started.elapsed());
            }
        }
        None
    });
    // A normal client is served meanwhile.
    assert_eq!(healthz(app.address).await, 200);

    for stream in &mut silent {
        let left = (timeout + SLACK).saturating_sub(started.elapsed());
        assert!(
            closed_within(stream, left).await.is_some(),
            "a silent connection is still open {:?} after it was opened",
            started.elapsed()
        );
    }
    assert!(started.elapsed() >= timeout - Duration::from_millis(500));
    let closed_after = trickle.await.expect("trickle task");
    assert!(
        closed_after.is_some_and(|after| after <= timeout + SLACK),
        "the trickling client was not closed: {closed_after:?}"
    );
    assert_eq!(healthz(app.address).await, 200);
}

#[tokio::test]
async fn an_idle_connection_outlives_the_header_timeout_until_the_keep_alive_timeout_on_sqlite() {
    let keep_alive = Duration::from_secs(5);
    let app = spawn_app_with(
        Backend::Sqlite,
        ServerConfig {
            header_read_timeout_secs: 1,
            keep_alive_timeout_secs: keep_alive.as_secs(),
            ..ServerConfig::default()
        },
    )
    .await;
    let mut stream = connect(app.address).await;
    assert_eq!(get_on(&mut stream, "/healthz").await, 200);
    // Idle for more than the header-read timeout: still open.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(get_on(&mut stream, "/healthz").await, 200);
    let idle_from = Instant::now();
    let closed_after = closed_within(&mut stream, keep_alive + SLACK).await;
    let Some(closed_after) = closed_after else {
        panic!(
            "an idle connection is still open {:?} after its last answer",
            idle_from.elapsed()
        );
    };
    assert!(
        closed_after >= keep_alive - Duration::from_millis(500),
        "closed {closed_after:?} after its last answer, before the keep-alive timeout"
    );
}

/// Opens `count` connections that send nothing.
async fn silent_connections(address: SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(connect(address).await);
    }
    streams
}

/// How many of `streams` the server has closed within `within`.
async fn count_closed(streams: &mut [TcpStream], within: Duration) -> usize {
    let checks = streams
        .iter_mut()
        .map(|stream| closed_within(stream, within));
    futures_util::future::join_all(checks)
        .await
        .into_iter()
        .filter(Option::is_some)
        .count()
}

#[tokio::test]
async fn at_the_connection_cap_idle_connections_make_room_for_a_new_client() {
    let server = Server::start(&[
        "--max-connections",
        "20",
        // Only the cap may close the silent connections here.
        "--header-read-timeout-secs",
        "120",
    ]);
    let mut silent = silent_connections(server.address, 40).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    assert_eq!(healthz(server.address).await, 200);
    // Room for the 40th silent one and the client: 21 of 40 closed.
    let closed = count_closed(&mut silent, Duration::from_secs(3)).await;
    assert!(closed >= 21, "{closed} of 40 closed");
    server.wait_for_log("max_connections=20", SLACK).await;
    assert!(!server.log().contains("accept error"), "{}", server.log());
}

#[tokio::test]
async fn with_a_low_file_limit_the_derived_cap_keeps_new_clients_served() {
    let file_limit = 256;
    let cap = customer_graph::serve::default_max_connections(file_limit);
    let server = Server::start_with_file_limit(file_limit, &["--header-read-timeout-secs", "120"]);
    server
        .wait_for_log(&format!("max_connections={cap}"), SLACK)
        .await;
    // More than the process has files for.
    let mut silent = silent_connections(server.address, 240).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    assert_eq!(healthz(server.address).await, 200);
    let closed = count_closed(&mut silent, Duration::from_secs(3)).await;
    assert!(closed >= 240 + 1 - cap, "{closed} of 240 closed");
    assert!(!server.log().contains("accept error"), "{}", server.log());
}

#[tokio::test]
async fn accept_errors_pause_and_are_logged_rarely_then_make_room() {
    // A cap above what the file limit allows: accepts fail with EMFILE.
    let server = Server::start_with_file_limit(
        128,
        &[
            "--max-connections",
            "1000",
            "--header-read-timeout-secs",
            "120",
        ],
    );
    server.wait_for_log("fewer than 64 files", SLACK).await;
    let _silent = silent_connections(server.address, 150).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert_eq!(healthz(server.address).await, 200);
    let log = server.log();
    let errors = log.matches("accept error").count();
    assert!(
        (1..=2).contains(&errors),
        "{errors} accept error lines:\n{log}"
    );
}

/// A request answered before its body was read (a bad token on a POST)
/// says `Connection: close` (RFC 9112 §9.6), since the server cannot read
/// the next request after an unread body; one whose body was read keeps the
/// connection.
#[tokio::test]
async fn an_answer_sent_before_the_body_was_read_closes_the_connection_on_sqlite() {
    let app = spawn_app_with(Backend::Sqlite, ServerConfig::default()).await;
    let (_, token) = app.organization_with_token().await;
    let body = serde_json::json!({"query": "{ __typename }"});
    let refused = app
        .graphql_request("not-a-token")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["connection"], "close");
    let served = app
        .graphql_request(&token)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(served.status(), 200);
    assert!(
        served.headers().get("connection").is_none(),
        "{:?}",
        served.headers()
    );
}
