//! A client of one organization that sends REST and GraphQL bodies as raw
//! text (so JSON members may repeat) and reads the `ETag` of every answer:
//! what the safe-write scenarios (safe writes, input values, GraphQL error
//! shapes) send.

use reqwest::header::{ETAG, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Backend, TestApp, mail, spawn_app};

/// An organization, its token, and requests on its routes.
pub struct Client {
    pub app: TestApp,
    pub organization: Uuid,
    pub token: String,
}

/// A REST answer: status, `ETag`, and the body (`Null` when empty).
pub struct Answer {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub body: Value,
}

impl Client {
    /// A running app of `backend`, a new organization of it and its token.
    pub async fn new(backend: Backend) -> Client {
        let app = spawn_app(backend).await;
        let (organization, token) = app.organization_with_token().await;
        Client {
            app,
            organization,
            token,
        }
    }

    /// `method` on the organization's customers route + `path`, with the token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = self.app.url(&format!(
            "/api/v1/organizations/{}/customers{path}",
            self.organization
        ));
        self.app
            .client
            .request(method, url)
            .bearer_auth(&self.token)
    }

    /// Sends `request`: its status, `ETag` and body.
    pub async fn send(request: RequestBuilder) -> Answer {
        let response = request.send().await.expect("send");
        let status = response.status();
        let etag = response
            .headers()
            .get(ETAG)
            .map(|value| value.to_str().expect("ASCII ETag").to_owned());
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Answer { status, etag, body }
    }

    /// `POST /customers` with a raw JSON text (so members may repeat).
    pub async fn post_raw(&self, body: &str) -> Answer {
        let request = self
            .request(Method::POST, "")
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        Client::send(request).await
    }

    /// `PUT /customers/{customer}` with a raw JSON text, and `If-Match` if given.
    pub async fn put_raw(&self, customer: &str, body: &str, if_match: Option<&str>) -> Answer {
        let mut request = self
            .request(Method::PUT, &format!("/{customer}"))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(tag) = if_match {
            request = request.header(IF_MATCH, tag);
        }
        Client::send(request).await
    }

    /// `GET /customers/{customer}`, with `If-None-Match` if given.
    pub async fn get(&self, customer: &str, if_none_match: Option<&str>) -> Answer {
        let mut request = self.request(Method::GET, &format!("/{customer}"));
        if let Some(tag) = if_none_match {
            request = request.header(IF_NONE_MATCH, HeaderValue::from_str(tag).expect("tag"));
        }
        Client::send(request).await
    }

    /// Creates a customer through REST; its uuid.
    pub async fn create(&self, full_name: &str, local: &str, role: Option<&str>) -> String {
        let body =
            json!({"full_name": full_name, "email": mail(local, "example.com"), "role": role});
        let answer = self.post_raw(&body.to_string()).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(answer.etag.as_deref(), Some("\"1\""));
        answer.body["customers"][0]["uuid"]
            .as_str()
            .expect("uuid")
            .to_owned()
    }

    /// The customer as REST reads it.
    pub async fn customer(&self, customer: &str) -> Value {
        let answer = self.get(customer, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["customers"][0].clone()
    }

    /// The organization's `total_customer_count`, as REST lists it.
    pub async fn total(&self) -> i64 {
        let answer = Client::send(self.request(Method::GET, "")).await;
        answer.body["total_customer_count"].as_i64().expect("total")
    }

    /// POSTs a raw GraphQL request body.
    pub async fn graphql_raw(&self, body: &str) -> (StatusCode, Value) {
        let response = self
            .app
            .graphql_request(&self.token)
            .header("Content-Type", "application/json")
            .header("Accept", "application/graphql-response+json")
            .body(body.to_owned())
            .send()
            .await
            .expect("send");
        let status = response.status();
        (status, response.json().await.expect("JSON"))
    }

    /// Runs a GraphQL operation with the token: the whole answer body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.app.graphql(&self.token, query, variables).await.body
    }
}
