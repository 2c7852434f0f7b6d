//! Subscriptions over WebSocket: what a subscriber hears (nested fields
//! resolved as in a query, each filter), what it never hears (another
//! organization's events, a write that failed), the token (missing, bad,
//! in the header, revoked), the limits (per connection, the init timeout,
//! a subscriber that stops reading) and the legacy protocol. Each scenario
//! runs once per backend; the scenarios of several instances over one
//! PostgreSQL database run on PostgreSQL only (on SQLite one process serves
//! the file).

mod common;

use std::time::Duration;

use common::live::{
    PATIENCE, Subscriber, code, record_feedback, second_instance, wait_for_metric,
    wait_until_listening,
};
use common::rest::Tenant;
use common::{TestApp, spawn_app, spawn_app_with};
use customer_graph::config::{LiveConfig, ServerConfig};
use serde_json::{Value, json};
use uuid::Uuid;

const FEEDBACK_CREATED: &str = "subscription($f: FeedbackEventFilter) {
  feedbackCreated(filter: $f) {
    uuid feedbackContents feedbackType spaceUuids
    customer { uuid fullName feedbackCount }
    highlights { totalCount }
  } }";

/// An organization with a token and one customer: (organization, token, customer).
async fn tenant_with_customer(app: &TestApp, name: &str) -> (Uuid, String, Uuid) {
    let tenant = Tenant::new(app).await;
    let customer = tenant
        .create_uuid(name, &common::mail(&name.to_lowercase(), "example.com"))
        .await;
    (
        tenant.organization,
        tenant.token.clone(),
        customer.parse().expect("uuid"),
    )
}

fn feedback(customer: Uuid, contents: &str) -> Value {
    json!({"customer_uuid": customer, "feedback_contents": contents})
}

on_each_backend! {
    /// A feedback recorded through REST reaches the organization's
    /// subscriber with its nested fields read as a query reads them; the
    /// subscriber of another organization hears only its own.
    async fn a_recorded_feedback_reaches_its_organizations_subscriber_with_nested_fields(backend) {
        let app = spawn_app(backend).await;
        let (organization, token, customer) = tenant_with_customer(&app, "Ada").await;
        let (other_org, other_token, other_customer) = tenant_with_customer(&app, "Bob").await;
        let mut ours = Subscriber::open(app.address, &token).await;
        ours.subscribe("1", FEEDBACK_CREATED, json!({})).await;
        let mut theirs = Subscriber::open(app.address, &other_token).await;
        theirs.subscribe("1", FEEDBACK_CREATED, json!({})).await;
        // The subscriptions are set up once the server has read the
        // messages: a round trip through each socket proves it.
        for subscriber in [&mut ours, &mut theirs] {
            subscriber.send(json!({"type": "ping"})).await;
            assert_eq!(subscriber.message().await.expect("pong")["type"], "pong");
        }

        let uuid = record_feedback(&app.client, app.address, &token, organization, feedback(customer, "Great export")).await;
        let payload = ours.next_payload("1").await;
        assert!(payload.get("errors").is_none(), "{payload}");
        let event = &payload["data"]["feedbackCreated"];
        assert_eq!(event["uuid"], uuid.to_string());
        assert_eq!(event["feedbackContents"], "Great export");
        assert_eq!(event["feedbackType"], "FEEDBACK_RESPONSE");
        assert_eq!(event["customer"]["fullName"], "Ada");
        assert_eq!(event["customer"]["feedbackCount"], 1);
        assert_eq!(event["highlights"]["totalCount"], 0);

        // The other organization's subscriber's first event is its own.
        let own = record_feedback(&app.client, app.address, &other_token, other_org, feedback(other_customer, "Mine")).await;
        let payload = theirs.next_payload("1").await;
        assert_eq!(payload["data"]["feedbackCreated"]["uuid"], own.to_string());
    }
}

on_each_backend! {
    /// Each filter of `feedbackCreated` lets through exactly what it names.
    async fn feedback_created_filters_narrow_what_a_subscriber_hears(backend) {
        let app = spawn_app(backend).await;
        let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
        let bob = Tenant { app: &app, organization, token: token.clone() }
            .create_uuid("Bob", &common::mail("bob", "example.com"))
            .await;
        let space = app
            .graphql(&token, "mutation($o: UUID!) { createSpace(organizationUuid: $o, name: \"Roadmap\") { uuid } }", json!({"o": organization}))
            .await
            .ok()
            .body["data"]["createSpace"]["uuid"]
            .clone();
        let mut subscriber = Subscriber::open(app.address, &token).await;
        let filters = [
            ("bob", json!({"customerUuids": [bob]})),
            ("nps", json!({"feedbackTypes": ["NPS_RESPONSE"]})),
            ("roadmap", json!({"spaceUuids": [space]})),
        ];
        for (id, filter) in &filters {
            subscriber.subscribe(id, FEEDBACK_CREATED, json!({"f": filter})).await;
        }
        subscriber.send(json!({"type": "ping"})).await;
        assert_eq!(subscriber.message().await.expect("pong")["type"], "pong");

        let plain = record_feedback(&app.client, app.address, &token, organization, feedback(ada, "plain")).await;
        let of_bob = record_feedback(&app.client, app.address, &token, organization, feedback(bob.parse().expect("uuid"), "bob's")).await;
        let nps = record_feedback(&app.client, app.address, &token, organization, json!({"customer_uuid": ada, "feedback_contents": "9", "feedback_type": "NPS_RESPONSE"})).await;
        let filed = record_feedback(&app.client, app.address, &token, organization, json!({"customer_uuid": ada, "feedback_contents": "filed", "space_uuids": [space]})).await;
        let mut heard: Vec<(String, String)> = Vec::new();
        for _ in 0..3 {
            let message = subscriber.message().await.expect("an event");
            assert_eq!(message["type"], "next", "{message}");
            heard.push((
                message["id"].as_str().expect("id").to_owned(),
                message["payload"]["data"]["feedbackCreated"]["uuid"].as_str().expect("uuid").to_owned(),
            ));
        }
        heard.sort();
        let mut expected = vec![
            ("bob".to_owned(), of_bob.to_string()),
            ("nps".to_owned(), nps.to_string()),
            ("roadmap".to_owned(), filed.to_string()),
        ];
        expected.sort();
        assert_eq!(heard, expected, "plain feedback {plain} matches no filter");
        assert_eq!(subscriber.message_within(Duration::from_millis(500)).await, None);
    }
}

on_each_backend! {
    /// A customer's life (created, updated, counters moved, deleted with its
    /// feedback) reaches `customerChanged`, `feedbackDeleted` and
    /// `highlightCreated` (its sentiment filter too); a write that failed
    /// publishes nothing.
    async fn a_customers_life_reaches_customer_changed_feedback_deleted_and_highlight_created(backend) {
        let app = spawn_app(backend).await;
        let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
        let mut subscriber = Subscriber::open(app.address, &token).await;
        subscriber.subscribe("c", "subscription($u: [UUID!]) { customerChanged(uuids: $u) { change uuid customer { fullName feedbackCount } } }", json!({"u": [ada]})).await;
        subscriber.subscribe("d", "subscription { feedbackDeleted { uuid customerUuid customer { uuid } } }", json!({})).await;
        subscriber.subscribe("h", "subscription { highlightCreated(filter: {minSentiment: 0.5}) { sentimentScore quote feedback { uuid } } }", json!({})).await;
        subscriber.send(json!({"type": "ping"})).await;
        assert_eq!(subscriber.message().await.expect("pong")["type"], "pong");

        // A failed write (an unknown customer) publishes nothing.
        let refused = app
            .client
            .post(app.url(&format!("/api/v1/organizations/{organization}/feedbacks")))
            .bearer_auth(&token)
            .json(&feedback(Uuid::new_v4(), "nobody"))
            .send()
            .await
            .expect("send");
        assert_eq!(refused.status(), 404);

        let answer = app
            .graphql(&token, "mutation($o: UUID!, $u: UUID!) { updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: \"Ada L.\"}) { version } }", json!({"o": organization, "u": ada}))
            .await;
        answer.ok();
        let payload = subscriber.next_payload("c").await;
        assert_eq!(payload["data"]["customerChanged"], json!({"change": "UPDATED", "uuid": ada, "customer": {"fullName": "Ada L.", "feedbackCount": 0}}));

        // A write that changes nothing tells nothing: the next event is
        // the counters' move.
        app.graphql(&token, "mutation($o: UUID!, $u: UUID!) { updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: \"Ada L.\"}) { version } }", json!({"o": organization, "u": ada}))
            .await
            .ok();
        let first = record_feedback(&app.client, app.address, &token, organization, feedback(ada, "first")).await;
        let payload = subscriber.next_payload("c").await;
        assert_eq!(payload["data"]["customerChanged"]["change"], "COUNTERS_MOVED");
        assert_eq!(payload["data"]["customerChanged"]["customer"]["feedbackCount"], 1);

        for score in [0.2, 0.9] {
            app.graphql(&token, "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: $s) { uuid } }", json!({"o": organization, "f": first, "s": score}))
                .await
                .ok();
        }
        let payload = subscriber.next_payload("h").await;
        assert_eq!(payload["data"]["highlightCreated"], json!({"sentimentScore": 0.9, "quote": "q", "feedback": {"uuid": first}}));

        let deleted = app
            .client
            .delete(app.url(&format!("/api/v1/organizations/{organization}/customers/{ada}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert_eq!(deleted.status(), 204);
        let mut heard = Vec::new();
        for _ in 0..2 {
            let message = subscriber.message().await.expect("an event");
            heard.push(message);
        }
        heard.sort_by_key(|message| message["id"].as_str().unwrap_or_default().to_owned());
        assert_eq!(heard[0]["id"], "c");
        assert_eq!(heard[0]["payload"]["data"]["customerChanged"], json!({"change": "DELETED", "uuid": ada, "customer": null}));
        assert_eq!(heard[1]["id"], "d");
        assert_eq!(heard[1]["payload"]["data"]["feedbackDeleted"], json!({"uuid": first, "customerUuid": ada, "customer": null}));
        assert_eq!(subscriber.message_within(Duration::from_millis(500)).await, None);
    }
}

on_each_backend! {
    /// No token closes with 4401, a bad one with 4403 (graphql-transport-ws);
    /// the upgrade's `Authorization` header serves when `connection_init`
    /// carries none; subscribing before the ack closes with 4401; a
    /// connection that never sends `connection_init` is closed with 4408.
    async fn the_token_decides_how_a_connection_starts(backend) {
        let config = ServerConfig {
            live: LiveConfig { websocket_init_timeout_secs: 1, ..LiveConfig::default() },
            ..ServerConfig::default()
        };
        let app = spawn_app_with(backend, config).await;
        let (_, token, _) = tenant_with_customer(&app, "Ada").await;

        let mut none = Subscriber::connect(app.address, "graphql-transport-ws", None).await;
        none.send(json!({"type": "connection_init"})).await;
        assert_eq!(code(&none.closed_within(PATIENCE).await.expect("closed")), Some(4401));

        let mut bad = Subscriber::connect(app.address, "graphql-transport-ws", None).await;
        bad.send(json!({"type": "connection_init", "payload": {"Authorization": "Bearer cg_nope"}})).await;
        assert_eq!(code(&bad.closed_within(PATIENCE).await.expect("closed")), Some(4403));

        let mut malformed = Subscriber::connect(app.address, "graphql-transport-ws", None).await;
        malformed.send(json!({"type": "connection_init", "payload": {"Authorization": token}})).await;
        assert_eq!(code(&malformed.closed_within(PATIENCE).await.expect("closed")), Some(4403));

        let mut header = Subscriber::connect(app.address, "graphql-transport-ws", Some(&token)).await;
        header.send(json!({"type": "connection_init"})).await;
        assert_eq!(header.message().await.expect("ack")["type"], "connection_ack");

        let mut early = Subscriber::connect(app.address, "graphql-transport-ws", Some(&token)).await;
        early.subscribe("1", FEEDBACK_CREATED, json!({})).await;
        assert_eq!(code(&early.closed_within(PATIENCE).await.expect("closed")), Some(4401));

        let mut silent = Subscriber::connect(app.address, "graphql-transport-ws", None).await;
        let closed = silent.closed_within(PATIENCE).await.expect("closed");
        assert_eq!(code(&closed), Some(4408), "{closed:?}");

        // A request that offers no protocol we speak is refused before the upgrade.
        let (status, body) = refused_upgrade(&app, "mqtt", None).await;
        assert_eq!(status, 400);
        assert!(body["error"]["message"].as_str().expect("message").contains("graphql-transport-ws"), "{body}");

        // A page of another origin may not open it (CORS allows none here).
        let (status, body) =
            refused_upgrade(&app, "graphql-transport-ws", Some("http://elsewhere.example")).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "forbidden", "{body}");
    }
}

on_each_backend! {
    /// The legacy protocol (`graphql-ws`, subscriptions-transport-ws) gets
    /// the same events, and a refused token as `connection_error`.
    async fn the_legacy_protocol_hears_the_same_events(backend) {
        let app = spawn_app(backend).await;
        let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
        let mut legacy = Subscriber::connect(app.address, "graphql-ws", None).await;
        legacy.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})).await;
        assert_eq!(legacy.message().await.expect("ack")["type"], "connection_ack");
        legacy.send(json!({"type": "start", "id": "7", "payload": {"query": FEEDBACK_CREATED}})).await;
        // There is no ping in the legacy protocol: wait until the server
        // has read `start` by polling its subscription gauge.
        wait_for_subscriptions(&app, 1).await;
        let uuid = record_feedback(&app.client, app.address, &token, organization, feedback(ada, "legacy")).await;
        let message = legacy.message().await.expect("data");
        assert_eq!(message["type"], "data", "{message}");
        assert_eq!(message["payload"]["data"]["feedbackCreated"]["uuid"], uuid.to_string());

        let mut refused = Subscriber::connect(app.address, "graphql-ws", None).await;
        refused.send(json!({"type": "connection_init", "payload": {"Authorization": "Bearer cg_nope"}})).await;
        let message = refused.message().await.expect("connection_error");
        assert_eq!(message["type"], "connection_error", "{message}");
    }
}

/// The status and JSON body of a WebSocket upgrade request offering
/// `protocol` (from a page of `origin`, if given) that the server refuses.
async fn refused_upgrade(app: &TestApp, protocol: &str, origin: Option<&str>) -> (u16, Value) {
    let mut request = app
        .client
        .get(app.url("/graphql"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("Sec-WebSocket-Protocol", protocol);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// The payload of the next `next` message for `id`, passing over the
/// `complete` messages of operations that have answered.
async fn answer(socket: &mut Subscriber, id: &str) -> Value {
    loop {
        let message = socket.message().await.expect("an answer");
        if message["type"] == "next" {
            assert_eq!(message["id"], id, "{message}");
            return message["payload"].clone();
        }
        assert_eq!(message["type"], "complete", "{message}");
    }
}

/// Waits until `app` has `count` open subscriptions, and hears changes.
async fn wait_for_subscriptions(app: &TestApp, count: usize) {
    wait_for_metric(
        &app.client,
        app.address,
        &format!("graphql_subscriptions {count}\n"),
    )
    .await;
    wait_until_listening(&app.client, app.address).await;
}

on_each_backend! {
    /// Revoking a token closes its connections (4403) within the sweep's
    /// period; another token's connection stays open.
    async fn a_revoked_tokens_subscriptions_close(backend) {
        let app = spawn_app(backend).await;
        let (organization, token, _) = tenant_with_customer(&app, "Ada").await;
        let (_, other) = customer_graph::store::tokens::issue(&app.db, organization, Some("kept")).await.expect("issue");
        let mut revoked = Subscriber::open(app.address, &token).await;
        revoked.subscribe("1", FEEDBACK_CREATED, json!({})).await;
        let mut kept = Subscriber::open(app.address, &other).await;
        kept.subscribe("1", FEEDBACK_CREATED, json!({})).await;
        wait_for_subscriptions(&app, 2).await;

        let record = customer_graph::store::tokens::list(&app.db, organization)
            .await
            .expect("tokens")
            .into_iter()
            .find(|record| record.token_hash == customer_graph::store::tokens::hash(&token))
            .expect("the token's record");
        customer_graph::store::tokens::revoke(&app.db, record.uuid).await.expect("revoke");
        let closed = revoked.closed_within(Duration::from_secs(8)).await.expect("closed");
        assert_eq!(code(&closed), Some(4403), "{closed:?}");
        kept.send(json!({"type": "ping"})).await;
        assert_eq!(kept.message().await.expect("pong")["type"], "pong");
    }
}

on_each_backend! {
    /// A connection holds at most `--subscriptions-per-connection`
    /// subscriptions: one more is refused with an error for its id, and
    /// completing one makes room.
    async fn a_connection_holds_at_most_its_limit_of_subscriptions(backend) {
        let config = ServerConfig {
            live: LiveConfig { subscriptions_per_connection: 2, ..LiveConfig::default() },
            ..ServerConfig::default()
        };
        let app = spawn_app_with(backend, config).await;
        let (_, token, _) = tenant_with_customer(&app, "Ada").await;
        let mut subscriber = Subscriber::open(app.address, &token).await;
        for id in ["1", "2", "3"] {
            subscriber.subscribe(id, FEEDBACK_CREATED, json!({})).await;
        }
        // One of them is refused with a field error (`next` with the error
        // and no data, then `complete`); which one is the server's choice.
        let message = subscriber.message().await.expect("a refusal");
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["payload"]["errors"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS", "{message}");
        let refused = message["id"].as_str().expect("id").to_owned();
        // Places are taken in the order the client subscribed.
        assert_eq!(refused, "3");
        let message = subscriber.message().await.expect("complete");
        assert_eq!((&message["type"], &message["id"]), (&json!("complete"), &json!(refused)), "{message}");
        wait_for_subscriptions(&app, 2).await;
        let kept = ["1", "2", "3"].into_iter().find(|id| *id != refused).expect("a kept one");
        subscriber.send(json!({"type": "complete", "id": kept})).await;
        wait_for_subscriptions(&app, 1).await;
        subscriber.subscribe("4", FEEDBACK_CREATED, json!({})).await;
        wait_for_subscriptions(&app, 2).await;
        // Filters are checked as arguments are.
        let mut subscriber = Subscriber::open(app.address, &token).await;
        subscriber.subscribe("5", "subscription { highlightCreated(filter: {minSentiment: 2}) { uuid } }", json!({})).await;
        let message = subscriber.message().await.expect("a refusal");
        assert_eq!((&message["type"], &message["id"]), (&json!("next"), &json!("5")), "{message}");
        assert_eq!(message["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{message}");
        assert_eq!(message["payload"]["errors"][0]["extensions"]["parameter"], "filter.minSentiment", "{message}");
    }
}

on_each_backend! {
    /// A subscription sent over HTTP is refused with a message that says
    /// where subscriptions are served.
    async fn a_subscription_over_http_is_refused_clearly(backend) {
        let app = spawn_app(backend).await;
        let (_, token, _) = tenant_with_customer(&app, "Ada").await;
        let answer = app.graphql(&token, "subscription { feedbackDeleted { uuid } }", json!({})).await;
        let text = answer.body.to_string();
        assert!(text.contains("WebSocket"), "{text}");
        assert_eq!(answer.body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{text}");
        assert!(answer.body["data"].is_null() || answer.body.get("data").is_none(), "{text}");
    }
}

on_each_backend! {
    /// A subscriber that stops reading is closed once its queue fills; a
    /// subscriber beside it hears every event, and the writes go on.
    async fn a_subscriber_that_stops_reading_is_closed_and_the_others_keep_hearing(backend) {
        let config = ServerConfig {
            max_body_bytes: 1024 * 1024,
            live: LiveConfig {
                subscription_buffer: 4,
                subscription_send_timeout_ms: 500,
                ..LiveConfig::default()
            },
            ..ServerConfig::default()
        };
        let app = spawn_app_with(backend, config).await;
        let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
        // Twenty copies of 10 000 characters: events of about 200 KB fill
        // the socket buffers of the stalled one quickly.
        let copies: String = (0..20).map(|n| format!(" c{n}: feedbackContents")).collect();
        let query = format!("subscription {{ feedbackCreated {{ uuid{copies} }} }}");
        let query = query.as_str();
        let mut stalled = Subscriber::open(app.address, &token).await;
        stalled.subscribe("1", query, json!({})).await;
        let mut reader = Subscriber::open(app.address, &token).await;
        reader.subscribe("1", query, json!({})).await;
        wait_for_subscriptions(&app, 2).await;
        let reading = tokio::spawn(async move {
            let mut heard = 0;
            while let Some(message) = reader.message().await {
                assert_eq!(message["type"], "next", "{message}");
                heard += 1;
                if heard == EVENTS {
                    break;
                }
            }
            (heard, reader)
        });
        const EVENTS: usize = 120;
        let contents = "x".repeat(10_000);
        for _ in 0..EVENTS {
            record_feedback(&app.client, app.address, &token, organization, feedback(ada, &contents)).await;
        }
        let (heard, _reader) = reading.await.expect("reader");
        assert_eq!(heard, EVENTS);
        // The server closed the stalled connection; the reader's is open.
        wait_for_metric(&app.client, app.address, "websocket_connections 1\n").await;
        let metrics = app.metrics_text().await;
        assert!(metrics.contains("live_events_dropped_total{reason=\"subscriber_behind\"}"), "{metrics}");
        match stalled.closed_within(PATIENCE).await {
            Ok(_) => {}
            Err(heard) => panic!("the stalled subscriber is still open after {} messages", heard.len()),
        }
    }
}

/// Two instances over one PostgreSQL database: a feedback recorded through
/// REST on B reaches A's subscriber, nested fields and all; A's subscriber
/// of another organization hears nothing of it.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn a_feedback_recorded_on_one_instance_reaches_a_subscriber_of_another_on_postgres() {
    common::postgres_configured();
    let app = spawn_app(common::Backend::Postgres).await;
    let b = second_instance(&app, ServerConfig::default()).await;
    let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
    let (other_org, other_token, bob) = tenant_with_customer(&app, "Bob").await;
    let mut on_a = Subscriber::open(app.address, &token).await;
    on_a.subscribe("1", FEEDBACK_CREATED, json!({})).await;
    let mut other_on_a = Subscriber::open(app.address, &other_token).await;
    other_on_a.subscribe("1", FEEDBACK_CREATED, json!({})).await;
    wait_for_subscriptions(&app, 2).await;
    wait_until_listening(&app.client, b).await;

    let started = std::time::Instant::now();
    let uuid = record_feedback(&app.client, b, &token, organization, feedback(ada, "via B")).await;
    let payload = on_a.next_payload("1").await;
    let took = started.elapsed();
    let event = &payload["data"]["feedbackCreated"];
    assert_eq!(event["uuid"], uuid.to_string(), "{payload}");
    assert_eq!(event["customer"]["fullName"], "Ada");
    eprintln!("recorded on B, heard on A {took:?} after the request was sent");

    let own = record_feedback(
        &app.client,
        b,
        &other_token,
        other_org,
        feedback(bob, "theirs"),
    )
    .await;
    let payload = other_on_a.next_payload("1").await;
    assert_eq!(payload["data"]["feedbackCreated"]["uuid"], own.to_string());
}

/// When an instance's listening connection breaks, its subscribers are
/// told (`EVENTS_MISSED`) and keep hearing what comes after.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn a_broken_listener_is_reported_as_a_gap_and_delivery_goes_on_on_postgres() {
    common::postgres_configured();
    let app = spawn_app(common::Backend::Postgres).await;
    let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
    let mut subscriber = Subscriber::open(app.address, &token).await;
    subscriber.subscribe("1", FEEDBACK_CREATED, json!({})).await;
    wait_for_subscriptions(&app, 1).await;
    let statement = sea_orm::Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        format!(
            "SELECT COUNT(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity \
             WHERE application_name = '{}' AND datname = current_database()",
            customer_graph::live::relay::LISTENER_NAME
        ),
    );
    let row = sea_orm::ConnectionTrait::query_one_raw(&app.db, statement)
        .await
        .expect("terminate")
        .expect("a row");
    assert_eq!(row.try_get::<i64>("", "terminated").expect("count"), 1);
    wait_for_metric(&app.client, app.address, "live_gaps_total 1\n").await;
    let payload = subscriber.next_payload("1").await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "EVENTS_MISSED",
        "{payload}"
    );
    let uuid = record_feedback(
        &app.client,
        app.address,
        &token,
        organization,
        feedback(ada, "after"),
    )
    .await;
    let payload = subscriber.next_payload("1").await;
    assert_eq!(
        payload["data"]["feedbackCreated"]["uuid"],
        uuid.to_string(),
        "{payload}"
    );
}

on_each_backend! {
    /// An operation over the WebSocket is checked and run as over HTTP:
    /// an unprovided variable is absent (the field is kept), a document
    /// whose fragments expand past the limit is refused before it runs, a
    /// subscription selects one root field, a `\u{…}` escape reads, and the
    /// answer's fields follow the selection.
    async fn operations_over_the_websocket_follow_the_http_rules(backend) {
        let app = spawn_app(backend).await;
        let (organization, token, ada) = tenant_with_customer(&app, "Ada").await;
        app.graphql(&token, "mutation($o: UUID!, $u: UUID!) { updateCustomer(organizationUuid: $o, uuid: $u, input: {role: \"Engineer\"}) { version } }", json!({"o": organization, "u": ada}))
            .await
            .ok();
        let mut socket = Subscriber::open(app.address, &token).await;
        socket.subscribe(
            "m",
            "mutation($o: UUID!, $u: UUID!, $n: String, $r: String) { updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: $n, role: $r}) { role fullName } }",
            json!({"o": organization, "u": ada, "n": "Ada \u{1F600}"}),
        )
        .await;
        let payload = answer(&mut socket, "m").await;
        assert_eq!(payload["data"]["updateCustomer"], json!({"role": "Engineer", "fullName": "Ada \u{1F600}"}), "{payload}");

        let escaped = "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { fullName uuid role } e: __typename }";
        socket.subscribe("q", escaped, json!({"o": organization, "u": ada})).await;
        let payload = answer(&mut socket, "q").await;
        let text = serde_json::to_string(&payload["data"]).expect("text");
        assert!(text.starts_with(r#"{"customer":{"fullName""#), "selection order kept: {text}");

        let mut bomb = String::from("fragment F0 on QueryRoot { __typename }\n");
        for level in 1..=25 {
            let previous = level - 1;
            bomb.push_str(&format!("fragment F{level} on QueryRoot {{ ...F{previous} ...F{previous} }}\n"));
        }
        bomb.push_str("query { ...F25 }");
        let started = std::time::Instant::now();
        socket.subscribe("b", &bomb, json!({})).await;
        let payload = answer(&mut socket, "b").await;
        assert_eq!(payload["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{payload}");
        assert!(started.elapsed() < PATIENCE);

        socket.subscribe("two", "subscription { feedbackDeleted { uuid } customerChanged { uuid } }", json!({})).await;
        let payload = answer(&mut socket, "two").await;
        let message = payload["errors"][0]["message"].as_str().expect("message");
        assert!(message.contains("exactly one root field"), "{payload}");

        let bad = "query($o: UUID!) { organization(uuid: $o) { name } }";
        socket.subscribe("v", bad, json!({"o": "not-a-uuid"})).await;
        let text = answer(&mut socket, "v").await.to_string();
        assert!(text.contains("$o"), "the variable is named: {text}");
    }
}

on_each_backend! {
    /// Protocol breaches close the connection with graphql-transport-ws's
    /// codes and a reason that fits a close frame, never parser text: a
    /// second subscription with an id in use (4409), a message that is no
    /// protocol message (4400), a message over the size limit (1009).
    async fn protocol_breaches_close_with_the_protocols_codes(backend) {
        let app = spawn_app(backend).await;
        let (_, token, _) = tenant_with_customer(&app, "Ada").await;

        let mut duplicate = Subscriber::open(app.address, &token).await;
        duplicate.subscribe("same", FEEDBACK_CREATED, json!({})).await;
        duplicate.subscribe("same", FEEDBACK_CREATED, json!({})).await;
        let closed = duplicate.closed_within(PATIENCE).await.expect("closed");
        assert_eq!(closed, Some((4409, "Subscriber for same already exists".to_owned())));

        let mut bogus = Subscriber::open(app.address, &token).await;
        bogus.send(json!({"type": "bogus", "payload": "x".repeat(500)})).await;
        let closed = bogus.closed_within(PATIENCE).await.expect("closed");
        assert_eq!(closed, Some((4400, "Invalid message received".to_owned())));

        let mut huge = Subscriber::open(app.address, &token).await;
        huge.subscribe("big", &format!("{{ __typename }} # {}", "x".repeat(300 * 1024)), json!({})).await;
        let closed = huge.closed_within(PATIENCE).await.expect("closed");
        assert_eq!(code(&closed), Some(1009), "{closed:?}");
        let reason = closed.expect("a close frame").1;
        assert!(reason.len() <= 123 && reason.contains("262144"), "{reason}");
    }
}

/// On SIGTERM the server closes every WebSocket with 1001 before it exits.
#[tokio::test]
async fn shutdown_closes_every_websocket_with_going_away_on_sqlite() {
    let mut server = common::process::Server::start(&[]);
    let organization =
        common::process::run_command(&server.database_url, &["org", "create", "--name", "Live"]);
    let token = common::process::run_command(
        &server.database_url,
        &["token", "create", "--organization", &organization],
    );
    let mut subscriber = Subscriber::open(server.address, &token).await;
    subscriber.subscribe("1", FEEDBACK_CREATED, json!({})).await;
    subscriber.send(json!({"type": "ping"})).await;
    assert_eq!(subscriber.message().await.expect("pong")["type"], "pong");
    server.terminate();
    let closed = subscriber.closed_within(PATIENCE).await.expect("closed");
    assert_eq!(code(&closed), Some(1001), "{closed:?}");
    assert!(
        server
            .exit_within(PATIENCE)
            .await
            .is_some_and(|(status, _)| status.success())
    );
}
