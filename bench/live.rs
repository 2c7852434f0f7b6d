//! The live-update benchmark: how long a feedback recorded through REST on
//! one gateway instance takes to reach a subscriber of another instance over
//! the same database, and how much memory an idle subscription costs.
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example live -- \
//!     --binary target/release/customer-graph \
//!     --database-url postgres://postgres@127.0.0.1:5432/live_bench \
//!     [--events 1000] [--idle 1000] [--output bench/results/live.md]
//! ```
//!
//! The database must exist and may be empty (it is migrated); with a
//! `sqlite://` URL both sides are one instance (SQLite is served by one
//! process). The run starts the instances itself (A subscribes, B takes the
//! writes), records `--events` feedbacks one after another on B, and times
//! each from the moment its `POST` is sent to the moment A's subscriber has
//! the event (nested customer name included). Then it opens `--idle`
//! connections to A, each with one subscription, and reads A's resident
//! memory before and after. It prints a Markdown report (and writes it to
//! `--output` when given).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct Args {
    binary: String,
    database_url: String,
    events: usize,
    idle: usize,
    output: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        binary: "target/release/customer-graph".to_owned(),
        database_url: String::new(),
        events: 1_000,
        idle: 1_000,
        output: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut value = || {
            given
                .next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--binary" => args.binary = value(),
            "--database-url" => args.database_url = value(),
            "--events" => args.events = value().parse().expect("--events is a number"),
            "--idle" => args.idle = value().parse().expect("--idle is a number"),
            "--output" => args.output = Some(value()),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(!args.database_url.is_empty(), "--database-url is required");
    args
}

/// Runs the gateway's command line with `arguments`: its standard output.
fn cli(args: &Args, arguments: &[&str]) -> String {
    let output = Command::new(&args.binary)
        .args(arguments)
        .env("DATABASE_URL", &args.database_url)
        .output()
        .expect("run the gateway's command line");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// A gateway instance serving the database on a free port.
struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(args: &Args) -> Instance {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port")
        .local_addr()
        .expect("address")
        .port();
    let child = Command::new(&args.binary)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--websocket-max-connections", "100000"])
        .args(["--subscriptions-per-token", "100000"])
        .env("DATABASE_URL", &args.database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the gateway");
    let base = format!("127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = client
            .get(format!("http://{base}/metrics"))
            .send()
            .await
            .ok()
            .and_then(|response| response.status().is_success().then_some(response));
        if let Some(response) = ready
            && response
                .text()
                .await
                .is_ok_and(|text| text.contains("live_changes_listening 1"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway on {base} never got ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Instance { child, base }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection to `base` with one subscription to `query`.
async fn subscribe(base: &str, token: &str, query: &str) -> Socket {
    let mut request = format!("ws://{base}/graphql")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket");
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .expect("send");
    loop {
        match socket.next().await.expect("an answer").expect("a frame") {
            Message::Text(text) if text.contains("connection_ack") => break,
            Message::Text(text) => panic!("no ack: {text}"),
            _ => {}
        }
    }
    let subscribe = json!({"type": "subscribe", "id": "1", "payload": {"query": query}});
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("send");
    socket
}

async fn metric(base: &str, name: &str) -> f64 {
    let text = reqwest::get(format!("http://{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Resident memory of `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .expect("VmRSS")
        * 1024
}

fn percentile(sorted: &[f64], pct: f64) -> f64 {
    let rank = ((pct / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = args();
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let sqlite = args.database_url.starts_with("sqlite:");
    cli(&args, &["migrate"]);
    let organization = cli(&args, &["org", "create", "--name", "Live bench"]);
    let token = cli(&args, &["token", "create", "--organization", &organization]);
    let a = start(&args).await;
    let b = if sqlite {
        None
    } else {
        Some(start(&args).await)
    };
    let writes = b.as_ref().unwrap_or(&a).base.clone();
    let client = reqwest::Client::new();
    let customer: Value = client
        .post(format!(
            "http://{writes}/api/v1/organizations/{organization}/customers"
        ))
        .bearer_auth(&token)
        .json(&json!({"full_name": "Bench Customer", "email": "bench@example.com"}))
        .send()
        .await
        .expect("create a customer")
        .json()
        .await
        .expect("JSON");
    let customer = customer["customers"][0]["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned();

    eprintln!("live: A on {}, writes on {writes}", a.base);
    // Delivery: A's subscriber, B's writes, one after another.
    let query = "subscription { feedbackCreated { uuid feedbackContents customer { fullName } } }";
    let mut socket = subscribe(&a.base, &token, query).await;
    while metric(&a.base, "graphql_subscriptions").await < 1.0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let arrivals = tokio::spawn(async move {
        let mut arrivals: HashMap<String, Instant> = HashMap::new();
        while let Some(Ok(frame)) = socket.next().await {
            if let Message::Text(text) = frame {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if let Some(uuid) = message["payload"]["data"]["feedbackCreated"]["uuid"].as_str() {
                    assert_eq!(
                        message["payload"]["data"]["feedbackCreated"]["customer"]["fullName"],
                        "Bench Customer"
                    );
                    arrivals.insert(uuid.to_owned(), Instant::now());
                }
                if message["payload"]["data"]["feedbackCreated"]["feedbackContents"] == "last" {
                    break;
                }
            }
        }
        arrivals
    });
    let mut sent: Vec<(String, Instant, Instant)> = Vec::with_capacity(args.events);
    let url = format!("http://{writes}/api/v1/organizations/{organization}/feedbacks");
    for n in 0..args.events {
        let contents = if n + 1 == args.events {
            "last".to_owned()
        } else {
            format!("event {n}")
        };
        let started = Instant::now();
        let answer: Value = client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"customer_uuid": customer, "feedback_contents": contents}))
            .send()
            .await
            .expect("POST")
            .json()
            .await
            .expect("JSON");
        let answered = Instant::now();
        let uuid = answer["feedbacks"][0]["uuid"]
            .as_str()
            .expect("uuid")
            .to_owned();
        sent.push((uuid, started, answered));
    }
    let arrivals = tokio::time::timeout(Duration::from_secs(30), arrivals)
        .await
        .expect("every event within 30 s")
        .expect("reader");
    let mut from_send = Vec::new();
    let mut from_answer = Vec::new();
    for (uuid, started, answered) in &sent {
        let arrived = arrivals
            .get(uuid)
            .unwrap_or_else(|| panic!("{uuid} never arrived"));
        from_send.push(arrived.duration_since(*started).as_secs_f64() * 1000.0);
        from_answer.push(arrived.saturating_duration_since(*answered).as_secs_f64() * 1000.0);
    }
    from_send.sort_by(f64::total_cmp);
    from_answer.sort_by(f64::total_cmp);

    eprintln!("live: {} events timed", sent.len());
    // Memory: idle connections with one subscription each.
    let pid = a.child.id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open_before = metric(&a.base, "graphql_subscriptions").await;
    let before = rss(pid);
    let mut idle = Vec::with_capacity(args.idle);
    for _ in 0..args.idle {
        idle.push(subscribe(&a.base, &token, query).await);
    }
    while metric(&a.base, "graphql_subscriptions").await < open_before + args.idle as f64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    eprintln!("live: {} idle subscriptions open", args.idle);
    let after = rss(pid);
    let per_subscription = (after.saturating_sub(before)) as f64 / args.idle as f64;

    let backend = if sqlite {
        "SQLite (one instance)"
    } else {
        "PostgreSQL (two instances)"
    };
    let report = format!(
        "# Live updates: delivery and idle memory\n\n\
         - backend: {backend}; gateway {binary}\n\
         - {events} feedbacks recorded one after another through REST on {writer}, heard by a \
           `feedbackCreated {{ uuid feedbackContents customer {{ fullName }} }}` subscriber on A\n\n\
         | delivery, ms | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n\
         | from the POST sent to the event received | {s50:.2} | {s90:.2} | {s99:.2} | {smax:.2} |\n\
         | from the POST's answer to the event received | {a50:.2} | {a90:.2} | {a99:.2} | {amax:.2} |\n\n\
         | idle subscriptions (one connection each) | A's resident memory before | after | per subscription |\n|---|---|---|---|\n\
         | {idle} | {before:.1} MiB | {after:.1} MiB | {per:.1} KiB |\n",
        binary = args.binary,
        events = args.events,
        writer = if sqlite {
            "the same instance"
        } else {
            "instance B"
        },
        s50 = percentile(&from_send, 50.0),
        s90 = percentile(&from_send, 90.0),
        s99 = percentile(&from_send, 99.0),
        smax = from_send[from_send.len() - 1],
        a50 = percentile(&from_answer, 50.0),
        a90 = percentile(&from_answer, 90.0),
        a99 = percentile(&from_answer, 99.0),
        amax = from_answer[from_answer.len() - 1],
        idle = args.idle,
        before = before as f64 / 1_048_576.0,
        after = after as f64 / 1_048_576.0,
        per = per_subscription / 1024.0,
    );
    print!("{report}");
    if let Some(path) = &args.output {
        std::fs::write(path, &report).expect("write the report");
    }
    drop(idle);
    drop(b);
    drop(a);
}
