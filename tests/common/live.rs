//! A GraphQL-over-WebSocket client for the subscription scenarios
//! ([`Subscriber`]: `graphql-transport-ws` or the legacy `graphql-ws`),
//! a second gateway instance over an app's database ([`second_instance`]),
//! and recording feedback through REST ([`record_feedback`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use customer_graph::app::{self, AppState};
use customer_graph::config::ServerConfig;
use customer_graph::db;
use customer_graph::metrics::Metrics;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use super::TestApp;

/// Longest wait for a message a scenario expects (generous: the machines
/// are shared; delivery times are measured by the benchmark, not here).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// An open WebSocket to a gateway's `/graphql`.
pub struct Subscriber {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection ended: its close code and reason, or `None` when the
/// socket ended without a close frame.
pub type Closed = Option<(u16, String)>;

impl Subscriber {
    /// Opens a WebSocket to `address` offering `protocol`, with `header` as
    /// the upgrade's `Authorization` if any.
    pub async fn connect(address: SocketAddr, protocol: &str, header: Option<&str>) -> Subscriber {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .expect("request");
        let headers = request.headers_mut();
        headers.insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
        if let Some(token) = header {
            headers.insert(
                "Authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket upgrade");
        assert_eq!(
            response
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|value| value.to_str().ok()),
            Some(protocol)
        );
        Subscriber { socket }
    }

    /// Connects with graphql-transport-ws and `token`, and waits for the ack.
    pub async fn open(address: SocketAddr, token: &str) -> Subscriber {
        let mut subscriber = Subscriber::connect(address, "graphql-transport-ws", None).await;
        subscriber
            .send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}))
            .await;
        let ack = subscriber
            .message()
            .await
            .expect("an answer to connection_init");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        subscriber
    }

    /// Sends one protocol message.
    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// Subscribes with `id` to `query` (graphql-transport-ws).
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next protocol message within [`PATIENCE`] (`None`: the socket
    /// closed or nothing came).
    pub async fn message(&mut self) -> Option<Value> {
        self.message_within(PATIENCE).await
    }

    /// The next protocol message within `patience`.
    pub async fn message_within(&mut self, patience: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => {
                    return Some(serde_json::from_str(text.as_str()).expect("JSON message"));
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The `payload` of the next `next` message, asserting it is for `id`.
    pub async fn next_payload(&mut self, id: &str) -> Value {
        let message = self.message().await.expect("a message");
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }

    /// How the connection ends, reading (and dropping) what comes before the
    /// close, within `patience`; `Err` when it is still open then.
    pub async fn closed_within(&mut self, patience: Duration) -> Result<Closed, Vec<Value>> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut before = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Err(before),
                Ok(None) | Ok(Some(Err(_))) => return Ok(None),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Ok(frame.map(|frame| (u16::from(frame.code), frame.reason.to_string())));
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    before.push(serde_json::from_str(text.as_str()).expect("JSON message"));
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// The close code of `closed`, for assertions.
pub fn code(closed: &Closed) -> Option<u16> {
    closed.as_ref().map(|(code, _)| *code)
}

/// Whether `code` is a normal close.
pub fn is_normal(code: u16) -> bool {
    CloseCode::from(code) == CloseCode::Normal
}

/// A second gateway instance serving `app`'s database (its own pool, its
/// own listener), with `config`: its address.
pub async fn second_instance(app: &TestApp, config: ServerConfig) -> SocketAddr {
    let metrics = Arc::new(Metrics::default());
    let pool = db::open(
        &app.database_url,
        Some(metrics.clone()),
        &db::PoolSettings::serving(&config),
    )
    .await
    .expect("open the second pool");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = listener.local_addr().expect("local address");
    let state = AppState::new(pool, metrics, config);
    tokio::spawn(app::run(listener, state, std::future::pending()));
    address
}

/// Records a feedback of `customer` through `POST …/feedbacks` on the
/// gateway at `address` (asserting 201): the new feedback's uuid.
pub async fn record_feedback(
    client: &reqwest::Client,
    address: SocketAddr,
    token: &str,
    organization: Uuid,
    body: Value,
) -> Uuid {
    let response = client
        .post(format!(
            "http://{address}/api/v1/organizations/{organization}/feedbacks"
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = response.status();
    let answer: Value = response.json().await.expect("JSON body");
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["feedbacks"][0]["uuid"]
        .as_str()
        .expect("uuid")
        .parse()
        .expect("a uuid")
}

/// Waits until the gateway at `address` shows `line` in `/metrics`.
pub async fn wait_for_metric(client: &reqwest::Client, address: SocketAddr, line: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let text = client
            .get(format!("http://{address}/metrics"))
            .send()
            .await
            .expect("send")
            .text()
            .await
            .expect("metrics");
        if text.contains(line) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/metrics never showed {line:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until changes reach the gateway at `address` (on PostgreSQL, its
/// listening connection is up).
pub async fn wait_until_listening(client: &reqwest::Client, address: SocketAddr) {
    wait_for_metric(client, address, "live_changes_listening 1\n").await;
}
