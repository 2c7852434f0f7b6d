//! A client for one organization's REST customer routes
//! (`/api/v1/organizations/{org}/customers…`), with GraphQL on the side for
//! what REST cannot write (personas, companies, feedback, highlights…).

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::TestApp;

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

/// Sends `request`: the status and the JSON body.
pub async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}
