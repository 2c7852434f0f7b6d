//! How GraphQL loads related rows: a listed customer's company and persona
//! come with the list, a nested page of customers takes the same few
//! statements whatever its size and fetches no more child rows than it
//! returns, and the batched relation pages (`store::relations::pages`) give
//! every parent exactly its own page in large and small batches. Each
//! scenario runs once per backend (`…::on_sqlite`, `…::on_postgres`).

mod common;

use std::collections::HashMap;

use common::graph::app_with_fixture;
use common::{Backend, TestApp, seeded_app};
use customer_graph::store::relations::{self, Direction, FeedbackSort, Relation, Window};
use entity::{customers, feedback_highlights, feedbacks};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// A customer's company and persona, as the list scenarios select them.
const RELATED: &str = "company { uuid name domain } persona { uuid name description }";

/// The customers by name, each with [`RELATED`].
fn listed_with_related() -> String {
    format!(
        "query($o: UUID!) {{ customers(organizationUuid: $o, sortBy: FULL_NAME, sortDirection: ASC) {{ nodes {{ uuid {RELATED} }} }} }}"
    )
}

on_each_backend! {
    /// The list loads its customers' companies and personas with the
    /// customers, also through a fragment and an alias.
    async fn a_listed_customers_company_and_persona_add_no_statement_to_the_list(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let bare = "query($o: UUID!) { customers(organizationUuid: $o, sortBy: FULL_NAME, sortDirection: ASC) { nodes { uuid } } }";
        let statements = |query: String| {
            let app = &app;
            let token = fx.token.clone();
            async move {
                let before = app.metrics.statements();
                let answer = app
                    .graphql(&token, &query, json!({"o": fx.organization}))
                    .await
                    .ok();
                (answer, app.metrics.statements() - before)
            }
        };
        let (_, with_related) = statements(listed_with_related()).await;
        let (_, without) = statements(bare.to_owned()).await;
        assert_eq!(
            with_related, without,
            "{backend:?}: company and persona add no statement to a list"
        );
        // Through a fragment and an alias, the list still brings them along.
        let (answer, through_fragment) = statements(
            "query($o: UUID!) { customers(organizationUuid: $o, sortBy: FULL_NAME, sortDirection: ASC) { nodes { ...C } } } \
             fragment C on Customer { uuid employer: company { name } }"
                .to_owned(),
        )
        .await;
        assert_eq!(through_fragment, without, "{backend:?}");
        assert_eq!(answer.data("/customers/nodes/0/employer/name"), "Acme");
    }
}

on_each_backend! {
    async fn a_listed_customers_company_and_persona_match_what_the_customer_field_loads(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let answer = app
            .graphql(&fx.token, &listed_with_related(), json!({"o": fx.organization}))
            .await
            .ok();
        let nodes = answer
            .data("/customers/nodes")
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(nodes.len(), 4);
        // Alice has both, Bob and Dave neither, Carol only a persona.
        let by_name: Vec<(bool, bool)> = nodes
            .iter()
            .map(|node| (node["company"].is_null(), node["persona"].is_null()))
            .collect();
        assert_eq!(
            by_name,
            [(false, false), (true, true), (true, false), (true, true)],
            "{backend:?}"
        );
        assert_eq!(nodes[0]["company"]["uuid"], json!(fx.company));
        assert_eq!(nodes[0]["company"]["domain"], "acme.test");
        assert_eq!(nodes[2]["persona"]["uuid"], json!(fx.persona));
        assert_eq!(nodes[2]["persona"]["description"], "daily");
        for node in &nodes {
            let one = app
                .graphql(
                    &fx.token,
                    &format!("query($o: UUID!, $u: UUID!) {{ customer(organizationUuid: $o, uuid: $u) {{ uuid {RELATED} }} }}"),
                    json!({"o": fx.organization, "u": node["uuid"]}),
                )
                .await
                .ok();
            assert_eq!(
                one.data("/customer"),
                node,
                "{backend:?}: the loader says the same"
            );
        }
    }
}

/// A page of customers with four nested pages each.
const NESTED: &str =
    "query($o: UUID!, $n: Int) { customers(organizationUuid: $o, pageSize: $n) { nodes {
    uuid fullName company { name } persona { name }
    feedbacks(pageSize: 3) { totalCount nodes { uuid feedbackDate } }
    feedbackHighlights(pageSize: 2) { totalCount nodes { quote sentimentScore } }
    insights(pageSize: 2) { totalCount nodes { title } }
    issues(pageSize: 2) { totalCount nodes { title } }
} } }";

on_each_backend! {
    async fn a_nested_page_of_25_or_100_customers_takes_the_same_few_statements(backend) {
        let (app, organization, token) = seeded_app(backend, 120).await;
        let mut counts = Vec::new();
        for page_size in [25, 100] {
            let before = app.metrics.statements();
            let answer = app
                .graphql(&token, NESTED, json!({"o": organization, "n": page_size}))
                .await
                .ok();
            counts.push(app.metrics.statements() - before);
            let nodes = answer.data("/customers/nodes").as_array().expect("nodes");
            assert_eq!(nodes.len(), page_size as usize);
            assert!(
                nodes
                    .iter()
                    .all(|node| node["feedbacks"]["totalCount"] == 4)
            );
        }
        assert!(
            counts[0] <= 7,
            "{backend:?}: token, customers (with company and persona), 4 pages, 1 for the totals: {counts:?}"
        );
        assert_eq!(
            counts[0], counts[1],
            "{backend:?}: independent of the page size"
        );
    }
}

on_each_backend! {
    async fn no_more_child_rows_are_fetched_than_returned(backend) {
        let (app, organization, token) = seeded_app(backend, 30).await;
        let before = app.metrics.child_rows();
        let answer = app
            .graphql(&token, NESTED, json!({"o": organization, "n": 30}))
            .await
            .ok();
        let fetched = app.metrics.child_rows() - before;
        let returned: usize = answer
            .data("/customers/nodes")
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| {
                ["feedbacks", "feedbackHighlights", "insights", "issues"]
                    .iter()
                    .map(|field| node[field]["nodes"].as_array().map_or(0, Vec::len))
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(fetched, returned as u64, "{backend:?}");
        assert!(returned > 30 * 3, "the test exercises real pages");
    }
}

/// Every parent's page as [`relations::pages`] reads it, for all `parents` in
/// one batch and in batches of `batch`.
async fn pages_both_ways<M>(
    app: &TestApp,
    organization: Uuid,
    relation: Relation,
    parents: &[Uuid],
    window: Window,
    batch: usize,
) -> (HashMap<Uuid, Vec<M>>, HashMap<Uuid, Vec<M>>)
where
    M: sea_orm::FromQueryResult,
{
    let whole = relations::pages::<M, _>(&app.db, organization, relation, parents, window)
        .await
        .expect("one batch");
    let mut batched = HashMap::new();
    for chunk in parents.chunks(batch) {
        batched.extend(
            relations::pages::<M, _>(&app.db, organization, relation, chunk, window)
                .await
                .expect("a small batch"),
        );
    }
    (whole, batched)
}

/// An app seeded with 120 customers, its organization and the customers'
/// uuids: over the most SQLite joins as separate walks, so the whole batch is
/// numbered there and batches of 40 are walked.
async fn many_parents(backend: Backend) -> (TestApp, Uuid, Vec<Uuid>) {
    let (app, organization, _) = seeded_app(backend, 120).await;
    let customers = customers::Entity::find()
        .filter(customers::Column::OrganizationUuid.eq(organization))
        .all(&app.db)
        .await
        .expect("customers");
    let parents = customers.iter().map(|customer| customer.uuid).collect();
    (app, organization, parents)
}

/// The page the batch scenarios read: the second to the fourth child.
const WINDOW: Window = Window {
    limit: 3,
    offset: 1,
};

on_each_backend! {
    async fn large_and_small_batches_give_every_customer_exactly_its_own_feedback_page(backend) {
        let (app, organization, parents) = many_parents(backend).await;
        let window = WINDOW;
        let all_feedbacks = feedbacks::Entity::find()
            .filter(feedbacks::Column::OrganizationUuid.eq(organization))
            .all(&app.db)
            .await
            .expect("feedbacks");
        for (sort, direction) in [
            (FeedbackSort::FeedbackDate, Direction::Desc),
            (FeedbackSort::Source, Direction::Asc),
        ] {
            let relation = Relation::CustomerFeedbacks(sort, direction);
            let (whole, batched) = pages_both_ways::<feedbacks::Model>(
                &app,
                organization,
                relation,
                &parents,
                window,
                40,
            )
            .await;
            assert_eq!(whole, batched, "{backend:?} {relation:?}");
            for parent in &parents {
                let mut own: Vec<&feedbacks::Model> = all_feedbacks
                    .iter()
                    .filter(|feedback| feedback.customer_uuid == *parent)
                    .collect();
                own.sort_by(|a, b| {
                    let by_column = match sort {
                        FeedbackSort::Source => a.source.cmp(&b.source),
                        _ => b.feedback_date.cmp(&a.feedback_date),
                    };
                    by_column.then(a.uuid.cmp(&b.uuid))
                });
                let expected: Vec<feedbacks::Model> =
                    own.into_iter().skip(1).take(3).cloned().collect();
                assert_eq!(whole[parent], expected, "{backend:?} {relation:?}");
            }
        }
    }
}

on_each_backend! {
    /// A customer's highlights come newest feedback first, then by uuid.
    async fn large_and_small_batches_give_every_customer_exactly_its_own_highlight_page(backend) {
        let (app, organization, parents) = many_parents(backend).await;
        let window = WINDOW;
        let (whole, batched) = pages_both_ways::<feedback_highlights::Model>(
            &app,
            organization,
            Relation::CustomerHighlights,
            &parents,
            window,
            40,
        )
        .await;
        assert_eq!(whole, batched, "{backend:?} highlights");
        assert!(
            whole.values().any(|page| page.len() == 3),
            "{backend:?}: the seed gives some customers full pages"
        );
        for (parent, page) in &whole {
            assert!(
                page.iter()
                    .all(|highlight| highlight.customer_uuid == *parent)
            );
            assert!(
                page.windows(2)
                    .all(|pair| (pair[1].feedback_date, pair[1].uuid)
                        <= (pair[0].feedback_date, pair[0].uuid)),
                "{backend:?}: newest feedback first, then by uuid"
            );
        }
    }
}
