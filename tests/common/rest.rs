//! A client for one organization's REST customer routes
//! (`/api/v1/organizations/{org}/customers…`), with GraphQL on the side for
//! what REST cannot write (personas, companies, feedback, highlights…): also
//! Alice Johnson and the feedback most REST scenarios start from.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{TestApp, mail};

/// An organization of a running app, the token that grants it, and requests
/// on its customer routes.
pub struct Tenant<'a> {
    pub app: &'a TestApp,
    pub organization: Uuid,
    pub token: String,
}

impl<'a> Tenant<'a> {
    /// A new organization of `app`, with a token.
    pub async fn new(app: &'a TestApp) -> Tenant<'a> {
        let (organization, token) = app.organization_with_token().await;
        Tenant {
            app,
            organization,
            token,
        }
    }

    /// The URL of `/api/v1/organizations/{org}/customers` + `path`.
    pub fn url(&self, path: &str) -> String {
        self.app.url(&format!(
            "/api/v1/organizations/{}/customers{path}",
            self.organization
        ))
    }

    /// `method` on the customers route + `path`, with this tenant's token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.app
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// Sends `method` on the customers route + `path`, with `body` as JSON if
    /// any: the status and the JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }

    /// `GET` the customers route + `path`: the status and the JSON body.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    /// `POST /customers` with `body`: the status and the JSON body.
    pub async fn post(&self, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, "", Some(body)).await
    }

    /// `PUT /customers/{customer}` with `body`: the status and the JSON body.
    pub async fn put(&self, customer: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, &format!("/{customer}"), Some(body))
            .await
    }

    /// Creates a customer through REST (asserting 201): the customer as
    /// answered.
    pub async fn create(&self, full_name: &str, email: &str) -> Value {
        let (status, body) = self
            .post(json!({"full_name": full_name, "email": email}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["customers"][0].clone()
    }

    /// [`Tenant::create`], and the new customer's uuid.
    pub async fn create_uuid(&self, full_name: &str, email: &str) -> String {
        self.create(full_name, email).await["uuid"]
            .as_str()
            .expect("uuid")
            .to_owned()
    }

    /// Runs a GraphQL operation with this tenant's token, asserting it has no
    /// error: its `data`.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.app
            .graphql(&self.token, query, variables)
            .await
            .ok()
            .body["data"]
            .clone()
    }
}

/// Creates Alice Johnson, a Marketing Manager: the status and body of the POST.
pub async fn post_alice(api: &Tenant<'_>) -> (StatusCode, Value) {
    api.post(json!({"full_name": "Alice Johnson", "email": mail("alice", "example.com"), "role": "Marketing Manager"}))
        .await
}

/// [`post_alice`], asserting it is created: her uuid.
pub async fn alice(api: &Tenant<'_>) -> String {
    let (status, body) = post_alice(api).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["customers"][0]["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned()
}

/// Adds two feedbacks (2025-03-01 scored 0.9, 2025-01-01 scored -0.7), a
/// highlight of each, an insight of both and an in-progress issue of the
/// older one to `customer`, through GraphQL.
pub async fn give_feedback(api: &Tenant<'_>, customer: &str) {
    let o = api.organization;
    let mut highlights = Vec::new();
    for (date, score) in [
        ("2025-03-01T10:00:00Z", 0.9),
        ("2025-01-01T10:00:00Z", -0.7),
    ] {
        let data = api
            .graphql(
                "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { uuid } }",
                json!({"o": o, "i": {"customerUuid": customer, "feedbackContents": "The product is great!", "feedbackDate": date, "source": "email"}}),
            )
            .await;
        let feedback = data["createFeedback"]["uuid"].clone();
        let data = api
            .graphql(
                "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"This feature really helped me\", sentimentScore: $s) { uuid } }",
                json!({"o": o, "f": feedback, "s": score}),
            )
            .await;
        highlights.push(data["createFeedbackHighlight"]["uuid"].clone());
    }
    api.graphql(
        "mutation($o: UUID!, $h: [UUID!]!) { createInsight(organizationUuid: $o, title: \"Feature X usage spike\", description: \"Customer frequently mentions Feature X.\", highlightUuids: $h) { uuid } }",
        json!({"o": o, "h": highlights}),
    )
    .await;
    api.graphql(
        "mutation($o: UUID!, $h: [UUID!]!) { createIssue(organizationUuid: $o, title: \"Bug in checkout flow\", status: IN_PROGRESS, highlightUuids: $h) { uuid } }",
        json!({"o": o, "h": [highlights[1]]}),
    )
    .await;
}

/// Sends `request`: the status and the JSON body.
pub async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}
