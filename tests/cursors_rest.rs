//! Cursor pages on the REST lists: walking a list with `cursor` and
//! `next_cursor` returns every row exactly once, in the order the numbered
//! pages give, for every sort key and direction (ties and customers without
//! feedback included), on every list route; a walk during inserts and
//! deletes sees no row twice and misses none that stayed; a cursor is
//! refused, naming `cursor`, on any other list, order or organization. Each
//! scenario runs once per backend (`…::on_sqlite`, `…::on_postgres`).

mod common;

use common::{TestApp, mail, seeded_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// One organization's routes, with its token.
struct Org<'a> {
    app: &'a TestApp,
    organization: Uuid,
    token: String,
}

impl Org<'_> {
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let url = self.app.url(&format!(
            "/api/v1/organizations/{}{path}",
            self.organization
        ));
        let response = self
            .app
            .client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("send");
        let status = response.status();
        (status, response.json().await.expect("JSON"))
    }

    async fn read(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let url = self.app.url(&format!(
            "/api/v1/organizations/{}{path}",
            self.organization
        ));
        let response = self
            .app
            .client
            .post(url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("JSON")
    }

    /// Every row of `path` (a list route with its parameters, `?` included)
    /// under `key`, by numbered pages of 100.
    async fn numbered(&self, path: &str, key: &str) -> Vec<String> {
        let mut all = Vec::new();
        for number in 1.. {
            let page = self
                .read(&format!("{path}&page_size=100&page_number={number}"))
                .await;
            let rows = uuids(&page[key]);
            let done = rows.len() < 100;
            all.extend(rows);
            if done {
                break;
            }
        }
        all
    }

    /// Every row of `path` under `key`, walked by cursor `size` rows at a
    /// time; `between` runs after each page.
    async fn walked(&self, path: &str, key: &str, size: usize) -> Vec<String> {
        let mut all = Vec::new();
        let mut next = self.read(&format!("{path}&page_size={size}")).await;
        loop {
            let rows = uuids(&next[key]);
            assert!(rows.len() <= size);
            all.extend(rows);
            match next["next_cursor"].as_str() {
                Some(cursor) => {
                    next = self
                        .read(&format!("{path}&page_size={size}&cursor={cursor}"))
                        .await;
                }
                None => break,
            }
        }
        all
    }
}

fn uuids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["uuid"].as_str().expect("uuid").to_owned())
        .collect()
}

/// A seeded organization (30 customers, 120 feedbacks) with ties and
/// customers who never gave feedback.
async fn organization(app: &TestApp, organization: Uuid, token: String) -> Org<'_> {
    let org = Org {
        app,
        organization,
        token,
    };
    for index in 0..4 {
        // Two pairs of equal names, and no feedback: NULL last interactions.
        let name = if index < 2 { "Same Name" } else { "Zed Twin" };
        org.post(
            "/customers",
            json!({"full_name": name, "email": mail(&format!("twin{index}"), "example.com")}),
        )
        .await;
    }
    org
}

on_each_backend! {
    /// Every customer sort key and direction: the cursor walk gives the
    /// numbered order, each customer once.
    async fn walking_customers_by_cursor_gives_every_customer_once_in_order(backend) {
        let (app, organization_uuid, token) = seeded_app(backend, 30).await;
        let org = organization(&app, organization_uuid, token).await;
        for sort in ["last_interacted_date", "full_name", "email", "created_at", "updated_at", "feedback_count"] {
            for direction in ["asc", "desc"] {
                let path = format!("/customers?sort_by={sort}&sort_direction={direction}");
                let expected = org.numbered(&path, "customers").await;
                assert_eq!(expected.len(), 34);
                let walked = org.walked(&path, "customers", 7).await;
                assert_eq!(walked, expected, "{backend:?} {sort} {direction}");
            }
        }
    }
}

on_each_backend! {
    /// The feedback lists (the organization's, a customer's, a space's) and
    /// the other lists walk the same way.
    async fn walking_every_other_list_by_cursor_gives_every_row_once_in_order(backend) {
        let (app, organization_uuid, token) = seeded_app(backend, 30).await;
        let org = organization(&app, organization_uuid, token).await;
        let customer = uuids(&org.read("/customers?sort_by=full_name&sort_direction=asc").await["customers"])[0].clone();
        let space = uuids(&org.read("/spaces?").await["spaces"])[0].clone();
        let feedback = uuids(&org.read("/feedbacks?").await["feedbacks"])[0].clone();
        let mut lists: Vec<(String, &str)> = Vec::new();
        for sort in ["feedback_date", "created_at", "priority", "source"] {
            for direction in ["asc", "desc"] {
                let order = format!("sort_by={sort}&sort_direction={direction}");
                lists.push((format!("/feedbacks?{order}"), "feedbacks"));
                lists.push((format!("/customers/{customer}/feedbacks?{order}"), "feedbacks"));
                lists.push((format!("/spaces/{space}/feedbacks?{order}"), "feedbacks"));
            }
        }
        lists.push(("/feedbacks?feedback_types=SUPPORT_EXCHANGE&min_priority=1".to_owned(), "feedbacks"));
        lists.push(("/spaces?".to_owned(), "spaces"));
        lists.push((format!("/customers/{customer}/feedback_highlights?"), "highlights"));
        lists.push((format!("/customers/{customer}/insights?"), "insights"));
        lists.push((format!("/customers/{customer}/issues?"), "issues"));
        lists.push((format!("/feedbacks/{feedback}/highlights?"), "highlights"));
        for (path, key) in lists {
            let expected = org.numbered(&path, key).await;
            for size in [1, 3] {
                let walked = org.walked(&path, key, size).await;
                assert_eq!(walked, expected, "{backend:?} {path} by {size}");
            }
        }
    }
}

on_each_backend! {
    /// Rows inserted while a client walks the list: none already seen comes
    /// again, and every row that stayed is seen once.
    async fn a_cursor_walk_during_inserts_and_deletes_sees_each_remaining_row_once(backend) {
        let (app, organization_uuid, token) = seeded_app(backend, 30).await;
        let org = organization(&app, organization_uuid, token).await;
        let path = "/feedbacks?sort_by=created_at&sort_direction=asc";
        let before: Vec<String> = org.numbered(path, "feedbacks").await;
        let customer = uuids(&org.read("/customers?").await["customers"])[0].clone();
        let mut seen: Vec<String> = Vec::new();
        let mut deleted: Vec<String> = Vec::new();
        let mut page = org.read(&format!("{path}&page_size=10")).await;
        let mut round = 0;
        loop {
            seen.extend(uuids(&page["feedbacks"]));
            // Between pages: a new feedback (after every row, created now) and,
            // further on, an old one deleted before the walk reaches it.
            org.post("/feedbacks", json!({"customer_uuid": customer, "feedback_contents": format!("during the walk {round}")})).await;
            if let Some(ahead) = before.get(seen.len() + 5).filter(|_| round % 3 == 0) {
                let url = app.url(&format!("/api/v1/organizations/{}/feedbacks", org.organization));
                let response = app.client.delete(url).bearer_auth(&org.token).json(&json!({"feedback_uuids": [ahead]})).send().await.expect("send");
                assert_eq!(response.status(), StatusCode::OK);
                deleted.push(ahead.clone());
            }
            round += 1;
            match page["next_cursor"].as_str() {
                Some(cursor) => page = org.read(&format!("{path}&page_size=10&cursor={cursor}")).await,
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{backend:?}: a row came twice");
        for row in &before {
            assert_eq!(seen.contains(row), !deleted.contains(row), "{backend:?}: {row}");
        }
        assert!(seen.len() > before.len() - deleted.len(), "rows added ahead of the cursor are reached");
    }
}

on_each_backend! {
    /// A cursor is only good for its own list, order and organization; with
    /// a page number it is refused too; each refusal names `cursor`.
    async fn a_cursor_of_another_list_order_or_organization_is_refused_naming_it(backend) {
        let (app, organization_uuid, token) = seeded_app(backend, 5).await;
        let org = organization(&app, organization_uuid, token).await;
        let first = org.read("/customers?page_size=2&sort_by=full_name").await;
        let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
        let (other_organization, other_token) = app.organization_with_token().await;
        let other = Org { app: &app, organization: other_organization, token: other_token };
        let customer = uuids(&first["customers"])[0].clone();
        for (who, path, problem) in [
            (&org, format!("/customers?sort_by=email&cursor={cursor}"), "another sort order"),
            (&org, format!("/customers?sort_by=full_name&sort_direction=asc&cursor={cursor}"), "another sort order"),
            (&org, format!("/feedbacks?cursor={cursor}"), "another list"),
            (&org, format!("/customers/{customer}/feedbacks?cursor={cursor}"), "another list"),
            (&org, "/customers?cursor=not-a-cursor".to_owned(), "not a cursor"),
            (&org, "/customers?cursor=".to_owned(), "not a cursor"),
            (&org, format!("/customers?sort_by=full_name&cursor={}", &cursor[..cursor.len() - 2]), "not a cursor"),
            (&other, format!("/customers?sort_by=full_name&cursor={cursor}"), "another organization"),
            (&org, format!("/customers?sort_by=full_name&page_number=2&cursor={cursor}"), "page_number"),
        ] {
            let (status, body) = who.get(&path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?} {path}: {body}");
            assert_eq!(body["error"]["parameter"], "cursor", "{path}");
            let message = body["error"]["message"].as_str().expect("message");
            assert!(message.contains(problem), "{path}: {message}");
        }
        // The cursor is good for its own list, order and organization.
        let (status, next) = org.get(&format!("/customers?page_size=2&sort_by=full_name&cursor={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        assert_eq!(next["customers"].as_array().map(Vec::len), Some(2));
    }
}
