//! Relay connections in the graph: every `…Connection` field, root and
//! nested, walked forward (`first`/`after`) and backward (`last`/`before`)
//! gives each row once in the order of its numbered page field, for every
//! sort key and direction; a nested connection costs the same statements
//! whatever `first` is; cursors of another list, parent, order or
//! organization, and mixed arguments, are `BAD_USER_INPUT` naming the
//! argument. Each scenario runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`).

mod common;

use common::{TestApp, mail, seeded_app};
use serde_json::{Value, json};
use uuid::Uuid;

/// A seeded organization (30 customers, 120 feedbacks) and its token, with
/// four customers who never gave feedback (two pairs of equal names).
async fn organization(backend: common::Backend) -> (TestApp, Uuid, String) {
    let (app, organization, token) = seeded_app(backend, 30).await;
    for index in 0..4 {
        let name = if index < 2 { "Same Name" } else { "Zed Twin" };
        app.graphql(
            &token,
            "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid } }",
            json!({"o": organization, "i": {"fullName": name, "email": mail(&format!("twin{index}"), "example.com")}}),
        )
        .await
        .ok();
    }
    (app, organization, token)
}

/// A list to walk: the query's field chain down to the list, written once
/// for its numbered page field (`{page}`) and once for its connection
/// (`{connection}`), each completed with the arguments given.
struct Walk<'a> {
    app: &'a TestApp,
    token: &'a str,
    /// `viewer { customer(uuid: "…") { FIELD } }` with `FIELD` where the list goes.
    path: String,
    /// The JSON pointer of the object that holds the list in `data`.
    pointer: &'a str,
    /// The list field's name (`feedbacks`).
    field: &'a str,
    /// Its other arguments (`sortBy: PRIORITY`), or empty.
    arguments: String,
}

impl Walk<'_> {
    async fn run(&self, field: &str, arguments: &str, selection: &str) -> Value {
        let separator = if self.arguments.is_empty() || arguments.is_empty() {
            ""
        } else {
            ", "
        };
        let list = format!(
            "{field}({}{separator}{arguments}) {{ {selection} }}",
            self.arguments
        );
        let query = format!("{{ {} }}", self.path.replace("FIELD", &list));
        let answer = self.app.graphql(self.token, &query, json!({})).await.ok();
        answer.data(self.pointer)[field].clone()
    }

    /// Every row, by numbered pages of 100.
    async fn numbered(&self) -> Vec<String> {
        let mut all = Vec::new();
        for number in 1.. {
            let page = self
                .run(
                    self.field,
                    &format!("pageSize: 100, pageNumber: {number}"),
                    "nodes { uuid }",
                )
                .await;
            let rows = uuids(&page["nodes"]);
            let done = rows.len() < 100;
            all.extend(rows);
            if done {
                break;
            }
        }
        all
    }

    /// Every row, by cursor, `size` at a time, forward or backward.
    async fn walked(&self, size: usize, backward: bool) -> Vec<String> {
        let connection = format!("{}Connection", self.field);
        let selection = "edges { cursor node { uuid } } nodes { uuid } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";
        let mut all: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let arguments = match (&cursor, backward) {
                (None, false) => format!("first: {size}"),
                (Some(after), false) => format!("first: {size}, after: \"{after}\""),
                (None, true) => format!("last: {size}"),
                (Some(before), true) => format!("last: {size}, before: \"{before}\""),
            };
            let page = self.run(&connection, &arguments, selection).await;
            let rows = uuids(&page["nodes"]);
            let edges: Vec<String> = page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|edge| edge["node"]["uuid"].as_str().expect("uuid").to_owned())
                .collect();
            assert_eq!(rows, edges, "nodes are the edges' nodes");
            assert!(rows.len() <= size);
            let info = &page["pageInfo"];
            if let Some(first) = page["edges"].get(0) {
                assert_eq!(info["startCursor"], first["cursor"]);
            }
            let (more, next) = match backward {
                false => (info["hasNextPage"].as_bool(), info["endCursor"].as_str()),
                true => (
                    info["hasPreviousPage"].as_bool(),
                    info["startCursor"].as_str(),
                ),
            };
            match backward {
                false => all.extend(rows),
                true => all.splice(0..0, rows).for_each(drop),
            }
            match (more, next) {
                (Some(true), Some(next)) => cursor = Some(next.to_owned()),
                _ => break,
            }
        }
        all
    }

    /// Walks forward and backward and compares with the numbered order.
    async fn check(&self, label: &str) {
        let expected = self.numbered().await;
        for (size, backward) in [(7, false), (3, true)] {
            assert_eq!(
                self.walked(size, backward).await,
                expected,
                "{label} by {size}, backward {backward}"
            );
        }
    }
}

fn uuids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["uuid"].as_str().expect("uuid").to_owned())
        .collect()
}

on_each_backend! {
    /// The organization's customers and feedbacks, every sort key and direction.
    async fn root_connections_walk_every_row_once_both_ways_for_every_sort(backend) {
        let (app, _, token) = organization(backend).await;
        let walk = |field: &'static str, arguments: String| Walk { app: &app, token: &token, path: "viewer { FIELD }".to_owned(), pointer: "/viewer", field, arguments };
        for sort in ["LAST_INTERACTED_DATE", "FULL_NAME", "EMAIL", "CREATED_AT", "UPDATED_AT", "FEEDBACK_COUNT"] {
            for direction in ["ASC", "DESC"] {
                walk("customers", format!("sortBy: {sort}, sortDirection: {direction}")).check(&format!("{backend:?} customers {sort} {direction}")).await;
            }
        }
        for sort in ["FEEDBACK_DATE", "CREATED_AT", "PRIORITY", "SOURCE"] {
            for direction in ["ASC", "DESC"] {
                walk("feedbacks", format!("sortBy: {sort}, sortDirection: {direction}")).check(&format!("{backend:?} feedbacks {sort} {direction}")).await;
            }
        }
        walk("feedbacks", "filter: {minPriority: 1, feedbackTypes: [SUPPORT_EXCHANGE, FEEDBACK_RESPONSE]}".to_owned()).check("filtered feedbacks").await;
        walk("customers", "filter: {search: \"twin\"}".to_owned()).check("searched customers").await;
        for field in ["customerCompanies", "personas", "insights", "issues", "spaces"] {
            walk(field, String::new()).check(&format!("{backend:?} {field}")).await;
        }
    }
}

on_each_backend! {
    /// Every nested connection, under the first parent of its level.
    async fn nested_connections_walk_every_row_once_both_ways(backend) {
        let (app, _, token) = organization(backend).await;
        let customer = "viewer { customers(sortBy: FEEDBACK_COUNT, pageSize: 1) { nodes { FIELD } } }";
        let walk = |path: &str, field: &'static str, arguments: &str| {
            // The list's parent: the first node of each list on the way.
            let pointer: String = path
                .split_whitespace()
                .filter_map(|word| word.split('(').next())
                .filter(|word| word.chars().all(|c| c.is_ascii_alphabetic()) && !word.is_empty() && *word != "FIELD")
                .map(|word| if word == "nodes" { "/nodes/0".to_owned() } else { format!("/{word}") })
                .collect();
            Walk { app: &app, token: &token, path: path.to_owned(), pointer: Box::leak(pointer.into_boxed_str()), field, arguments: arguments.to_owned() }
        };
        for sort in ["FEEDBACK_DATE", "CREATED_AT", "PRIORITY", "SOURCE"] {
            for direction in ["ASC", "DESC"] {
                let order = format!("sortBy: {sort}, sortDirection: {direction}");
                walk(customer, "feedbacks", &order).check(&format!("{backend:?} Customer.feedbacks {order}")).await;
                walk("viewer { spaces(pageSize: 1) { nodes { FIELD } } }", "feedbacks", &order).check(&format!("{backend:?} Space.feedbacks {order}")).await;
            }
        }
        for (path, field) in [
            (customer, "feedbackHighlights"),
            (customer, "insights"),
            (customer, "issues"),
            ("viewer { feedbacks(sortBy: PRIORITY, pageSize: 1) { nodes { FIELD } } }", "highlights"),
            ("viewer { spaces(pageSize: 1) { nodes { feedbacks(pageSize: 1) { nodes { FIELD } } } } }", "spaces"),
            ("viewer { insights(pageSize: 1) { nodes { FIELD } } }", "highlights"),
            ("viewer { issues(pageSize: 1) { nodes { FIELD } } }", "highlights"),
            ("viewer { customerCompanies(pageSize: 1) { nodes { FIELD } } }", "customers"),
            ("viewer { personas(pageSize: 1) { nodes { FIELD } } }", "customers"),
            ("viewer { insights(pageSize: 1) { nodes { highlights(pageSize: 1) { nodes { FIELD } } } } }", "insights"),
            ("viewer { issues(pageSize: 1) { nodes { highlights(pageSize: 1) { nodes { FIELD } } } } }", "issues"),
        ] {
            walk(path, field, "").check(&format!("{backend:?} {path} {field}")).await;
        }
    }
}

on_each_backend! {
    /// A level of nested connections is one statement per relation, at
    /// `first` 25 as at 100, and each parent's page is its own.
    async fn a_nested_connection_costs_the_same_statements_at_first_25_and_100(backend) {
        let (app, organization, token) = organization(backend).await;
        let query = |first: u32| format!(
            "{{ viewer {{ customersConnection(first: {first}) {{ edges {{ cursor node {{ uuid feedbacksConnection(first: 2) {{ totalCount edges {{ cursor node {{ uuid highlightsConnection(first: 2) {{ nodes {{ quote }} }} }} }} pageInfo {{ hasNextPage endCursor }} }} insightsConnection(first: 3) {{ nodes {{ title }} }} }} }} }} }} }}"
        );
        let mut counts = Vec::new();
        for first in [25, 100] {
            let before = app.metrics.statements();
            let answer = app.graphql(&token, &query(first), json!({})).await.ok();
            counts.push(app.metrics.statements() - before);
            let edges = answer.data("/viewer/customersConnection/edges").as_array().expect("edges").clone();
            assert_eq!(edges.len(), (first as usize).min(34));
            // Each customer's page is its own: its feedbacks are its own.
            for edge in edges.iter().take(5) {
                let customer = edge["node"]["uuid"].as_str().expect("uuid");
                let own = app.graphql(&token, "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { feedbacks(pageSize: 2) { totalCount nodes { uuid } } } }", json!({"o": organization, "u": customer})).await.ok();
                let nested: Vec<String> = edge["node"]["feedbacksConnection"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["uuid"].as_str().expect("uuid").to_owned()).collect();
                assert_eq!(nested, uuids(own.data("/customer/feedbacks/nodes")), "{backend:?}");
                assert_eq!(edge["node"]["feedbacksConnection"]["totalCount"], *own.data("/customer/feedbacks/totalCount"));
            }
        }
        eprintln!("{backend:?}: a nested cursor query (customers → feedbacks → highlights, insights) took {} statements at first 25 and {} at first 100", counts[0], counts[1]);
        assert_eq!(counts[0], counts[1], "{backend:?}");
    }
}

on_each_backend! {
    /// Bad cursor arguments are `BAD_USER_INPUT` naming the argument.
    async fn bad_cursor_arguments_are_refused_naming_the_argument(backend) {
        let (app, organization, token) = organization(backend).await;
        let first = app.graphql(&token, "{ viewer { customersConnection(first: 2, sortBy: FULL_NAME) { pageInfo { endCursor } nodes { uuid } } } }", json!({})).await.ok();
        let cursor = first.data("/viewer/customersConnection/pageInfo/endCursor").as_str().expect("cursor").to_owned();
        let busiest = app.graphql(&token, "{ viewer { customers(sortBy: FEEDBACK_COUNT, pageSize: 2) { nodes { uuid } } } }", json!({})).await.ok();
        let customers = uuids(busiest.data("/viewer/customers/nodes"));
        let feedback = |customer: &str| format!("query($a: String) {{ customer(organizationUuid: \"{organization}\", uuid: \"{customer}\") {{ feedbacksConnection(first: 1, after: $a) {{ pageInfo {{ endCursor }} }} }} }}");
        let theirs = app.graphql(&token, &feedback(&customers[0]), json!({})).await.ok();
        let their_cursor = theirs.data("/customer/feedbacksConnection/pageInfo/endCursor").clone();
        let (other, other_token) = app.organization_with_token().await;
        let mut cases: Vec<(String, String, Value, &str)> = vec![
            (token.clone(), "query($a: String) { viewer { customersConnection(first: 2, after: $a, sortBy: EMAIL) { nodes { uuid } } } }".into(), json!(cursor), "after"),
            (token.clone(), "query($a: String) { viewer { customersConnection(first: 2, after: $a, sortBy: FULL_NAME, sortDirection: ASC) { nodes { uuid } } } }".into(), json!(cursor), "after"),
            (token.clone(), "query($a: String) { viewer { feedbacksConnection(first: 2, after: $a) { nodes { uuid } } } }".into(), json!(cursor), "after"),
            (token.clone(), "query($a: String) { viewer { customersConnection(last: 2, before: $a, sortBy: FULL_NAME) { nodes { uuid } } } }".into(), json!("bm90IGEgY3Vyc29y"), "before"),
            (token.clone(), "query($a: String) { viewer { customersConnection(first: 2, last: 2, after: $a) { nodes { uuid } } } }".into(), Value::Null, "last"),
            (token.clone(), "query($a: String) { viewer { customersConnection(after: $a, before: $a, sortBy: FULL_NAME) { nodes { uuid } } } }".into(), json!(cursor), "before"),
            (token.clone(), "query($a: String) { viewer { customersConnection(first: 0, after: $a) { nodes { uuid } } } }".into(), Value::Null, "first"),
            (token.clone(), "query($a: String) { viewer { customersConnection(last: 101, before: $a) { nodes { uuid } } } }".into(), Value::Null, "last"),
            (token.clone(), feedback(&customers[1]), their_cursor, "after"),
        ];
        cases.push((other_token, format!("query($a: String) {{ organization(uuid: \"{other}\") {{ customersConnection(first: 2, after: $a, sortBy: FULL_NAME) {{ nodes {{ uuid }} }} }} }}"), json!(cursor), "after"));
        for (token, query, after, argument) in cases {
            let answer = app.graphql(&token, &query, json!({"a": after})).await;
            assert_eq!(answer.error_code(), Some("BAD_USER_INPUT"), "{backend:?} {query}: {}", answer.body);
            assert_eq!(answer.body["errors"][0]["extensions"]["parameter"], argument, "{query}");
        }
        // A REST cursor of the same list is good here, and the other way round.
        let rest = app.client.get(app.url(&format!("/api/v1/organizations/{organization}/customers?sort_by=full_name&page_size=2"))).bearer_auth(&token).send().await.expect("send").json::<Value>().await.expect("JSON");
        let next = rest["next_cursor"].as_str().expect("next_cursor");
        let graph = app.graphql(&token, "query($a: String) { viewer { customersConnection(first: 2, after: $a, sortBy: FULL_NAME) { nodes { uuid } } } }", json!({"a": next})).await.ok();
        let rest_next = app.client.get(app.url(&format!("/api/v1/organizations/{organization}/customers?sort_by=full_name&page_size=2&cursor={next}"))).bearer_auth(&token).send().await.expect("send").json::<Value>().await.expect("JSON");
        assert_eq!(uuids(graph.data("/viewer/customersConnection/nodes")), uuids(&rest_next["customers"]), "{backend:?}");
    }
}
