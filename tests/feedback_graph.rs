//! The feedback API in GraphQL, on the organization of `common::feedback`:
//! recording feedback with its type, priority, data source and spaces; the
//! organization's feedback list under every filter and sort, checked
//! against the answer computed here from the whole list; spaces and their
//! feedbacks; deleting feedbacks (all or nothing) and customers (under a
//! version precondition); tenancy; and the statements a three-level list
//! costs. Each scenario runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`); the refusals of bad arguments, which the database
//! does not judge, on SQLite alone.

mod common;

use common::feedback::{
    CUSTOMER_STATE, FEEDBACK_LIST, FeedbackRow, JUNE, NEW_FEEDBACK, NEW_SPACE, all_feedbacks,
    app_with_feedback, customer_state, instant, links, listed, mutate, ordered, refused, totals,
    uuids,
};
use common::graph::uuid_of;
use common::{Backend, seeded_app_with, spawn_app};
use customer_graph::config::ServerConfig;
use entity::{feedback_spaces, feedbacks};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

on_each_backend! {
    async fn create_feedback_records_every_new_field_and_defaults_the_rest(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (o, token) = (json!(ff.fx.organization), &ff.fx.token);
        let full = json!({"customerUuid": ff.fx.dave, "feedbackContents": "Export please",
            "feedbackType": "TEAM_REQUEST", "priority": 3, "dataSourceType": "HUBSPOT",
            "dataSourceId": " deal-77 ", "spaceUuids": [ff.roadmap, ff.bugs, ff.roadmap]});
        let created = mutate(&app, token, NEW_FEEDBACK, json!({"o": o, "i": full})).await;
        assert_eq!(
            (&created["feedbackType"], &created["priority"], &created["dataSourceType"]),
            (&json!("TEAM_REQUEST"), &json!(3), &json!("HUBSPOT")),
            "{backend:?}: {created}"
        );
        assert_eq!(created["dataSourceId"], "deal-77", "trimmed");
        assert_eq!(created["source"], "hubspot", "the data source's word when no source");
        // Filed once into each space, listed by name.
        assert_eq!(created["spaceUuids"], json!([ff.bugs, ff.roadmap]));
        assert_eq!(created["spaces"]["totalCount"], 2);
        assert_eq!(created["spaces"]["nodes"][0]["name"], "Bugs");
        assert!(instant(created["createdAt"].as_str().expect("createdAt")) <= chrono::Utc::now());

        let bare = json!({"customerUuid": ff.fx.dave, "feedbackContents": "Just a note"});
        let created = mutate(&app, token, NEW_FEEDBACK, json!({"o": o, "i": bare})).await;
        assert_eq!(
            [&created["feedbackType"], &created["priority"], &created["dataSourceType"],
             &created["dataSourceId"], &created["source"], &created["spaceUuids"]],
            [&json!("FEEDBACK_RESPONSE"), &json!(0), &Value::Null, &Value::Null, &json!("api"), &json!([])],
            "{backend:?}: {created}"
        );
        assert_eq!(created["spaces"]["totalCount"], 0);
        // Read back through the organization, the same fields.
        let query = "query($u: UUID!) { viewer { feedback(uuid: $u) { uuid feedbackType } } }";
        let read = app.graphql(token, query, json!({"u": created["uuid"]})).await.ok();
        assert_eq!(read.data("/viewer/feedback/feedbackType"), "FEEDBACK_RESPONSE");
        assert_eq!(read.data("/viewer/feedback/uuid"), &created["uuid"]);
    }
}

on_each_backend! {
    async fn create_feedback_refuses_bad_fields_naming_them_and_records_nothing(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (o, token) = (json!(ff.fx.organization), &ff.fx.token);
        let before = all_feedbacks(&app, token).await.len();
        let base = |extra: Value| {
            let mut input = json!({"customerUuid": ff.fx.dave, "feedbackContents": "x"});
            for (key, value) in extra.as_object().expect("object") {
                input[key] = value.clone();
            }
            input
        };
        let many: Vec<Uuid> = (0..101).map(|_| Uuid::new_v4()).collect();
        for (extra, code, parameter) in [
            (json!({"priority": 5}), "BAD_USER_INPUT", "priority"),
            (json!({"priority": -1}), "BAD_USER_INPUT", "priority"),
            (json!({"dataSourceId": "i".repeat(201)}), "BAD_USER_INPUT", "dataSourceId"),
            (json!({"spaceUuids": many}), "BAD_USER_INPUT", "spaceUuids"),
            (json!({"spaceUuids": [ff.bugs, Uuid::new_v4()]}), "BAD_USER_INPUT", "spaceUuids"),
            (json!({"customerUuid": Uuid::new_v4()}), "NOT_FOUND", "customerUuid"),
        ] {
            let answer = app.graphql(token, NEW_FEEDBACK, json!({"o": o, "i": base(extra.clone())})).await;
            refused(&answer, code, parameter, &format!("{backend:?} {extra}"));
            assert_eq!(answer.body["data"], Value::Null);
        }
        assert_eq!(all_feedbacks(&app, token).await.len(), before, "{backend:?}: nothing recorded");
        let dave = customer_state(&app, token, ff.fx.dave).await;
        assert_eq!(dave["feedbackCount"], 1, "{backend:?}");
    }
}

on_each_backend! {
    async fn every_feedback_filter_gives_the_answer_computed_from_the_whole_list(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (fx, token) = (&ff.fx, &ff.fx.token);
        let rows = all_feedbacks(&app, token).await;
        assert_eq!(rows.len(), 10);
        let (march, february, june) = ("2025-03-01T10:00:00Z", "2025-02-01T10:00:00Z", instant(JUNE));
        type Case<'a> = (Value, Box<dyn Fn(&FeedbackRow) -> bool + 'a>);
        let cases: Vec<Case> = vec![
            (json!({"customerUuids": [fx.alice, fx.dave]}),
                Box::new(|r| [fx.alice, fx.dave].contains(&r.customer))),
            (json!({"companyUuids": [fx.company]}), Box::new(|r| r.company == Some(fx.company))),
            (json!({"spaceUuids": [ff.bugs]}), Box::new(|r| r.spaces.contains(&ff.bugs))),
            (json!({"spaceUuids": [ff.roadmap, ff.bugs]}), Box::new(|r| !r.spaces.is_empty())),
            (json!({"feedbackTypes": ["NPS_RESPONSE", "SALES_CALL"]}),
                Box::new(|r| ["NPS_RESPONSE", "SALES_CALL"].contains(&r.kind.as_str()))),
            // Both bounds are inclusive: a feedback given exactly then is listed.
            (json!({"from": march}), Box::new(|r| r.date >= instant(march))),
            (json!({"to": february}), Box::new(|r| r.date <= instant(february))),
            (json!({"from": JUNE, "to": JUNE}), Box::new(|r| r.date == june)),
            (json!({"search": "SLOW"}), Box::new(|r| r.contents.to_lowercase().contains("slow"))),
            (json!({"priority": 2}), Box::new(|r| r.priority == 2)),
            (json!({"minPriority": 2}), Box::new(|r| r.priority >= 2)),
            (json!({"minSentiment": 0.15}), Box::new(|r| r.sentiment.is_some_and(|mean| mean >= 0.15))),
            (json!({"maxSentiment": 0.0}), Box::new(|r| r.sentiment.is_some_and(|mean| mean <= 0.0))),
            (json!({"minPriority": 1, "feedbackTypes": ["NPS_RESPONSE"], "spaceUuids": [ff.roadmap]}),
                Box::new(|r| r.priority >= 1 && r.kind == "NPS_RESPONSE" && r.spaces.contains(&ff.roadmap))),
        ];
        for (filter, keep) in &cases {
            let kept: Vec<&FeedbackRow> = rows.iter().filter(|row| keep(row)).collect();
            assert!(
                !kept.is_empty() && kept.len() < rows.len(),
                "{filter}: the fixture makes the filter narrow the list"
            );
            let expected = ordered(&kept, |row| row.date, true);
            let (nodes, total) = listed(&app, token, json!({"f": filter})).await;
            assert_eq!(nodes, expected, "{backend:?} {filter}");
            assert_eq!(total, expected.len() as i64, "{backend:?} {filter}");
        }
        // The feedbacks exactly at a bound are in.
        let (from_june, _) = listed(&app, token, json!({"f": {"from": JUNE}})).await;
        let (to_june, _) = listed(&app, token, json!({"f": {"to": JUNE}})).await;
        for at_bound in [ff.alice_nps, ff.bob_support] {
            assert!(from_june.contains(&at_bound) && to_june.contains(&at_bound), "{backend:?}");
        }
        // An empty list matches nothing.
        assert_eq!(listed(&app, token, json!({"f": {"spaceUuids": []}})).await, (vec![], 0));
    }
}

on_each_backend! {
    async fn feedbacks_sort_by_priority_created_at_and_feedback_date_both_ways_ties_by_uuid(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let token = &ff.fx.token;
        let rows = all_feedbacks(&app, token).await;
        let rows: Vec<&FeedbackRow> = rows.iter().collect();
        for descending in [false, true] {
            let direction = if descending { "DESC" } else { "ASC" };
            for (sort, expected) in [
                ("PRIORITY", ordered(&rows, |row| row.priority, descending)),
                ("CREATED_AT", ordered(&rows, |row| row.created, descending)),
                ("FEEDBACK_DATE", ordered(&rows, |row| row.date, descending)),
            ] {
                let (nodes, _) = listed(&app, token, json!({"s": sort, "d": direction})).await;
                assert_eq!(nodes, expected, "{backend:?} {sort} {direction}");
            }
        }
        // The fixture has ties to break: six at priority 0, two at each shared date.
        assert!(rows.iter().filter(|row| row.priority == 0).count() >= 6);
        assert!(rows.iter().filter(|row| row.date == instant(JUNE)).count() == 2);
    }
}

/// Filter values the face refuses, named as the client wrote them.
#[tokio::test]
async fn bad_feedback_filter_values_are_bad_user_input_naming_the_field() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, token) = app.organization_with_token().await;
    let many: Vec<Uuid> = (0..101).map(|_| Uuid::new_v4()).collect();
    for (filter, parameter) in [
        (json!({"priority": 5}), "priority"),
        (json!({"priority": -1}), "priority"),
        (json!({"minPriority": 5}), "minPriority"),
        (json!({"minSentiment": 1.5}), "minSentiment"),
        (json!({"maxSentiment": -2}), "maxSentiment"),
        (json!({"search": "s".repeat(201)}), "search"),
        (json!({"customerUuids": many}), "customerUuids"),
        (json!({"companyUuids": many}), "companyUuids"),
        (json!({"spaceUuids": many}), "spaceUuids"),
        (
            json!({"from": "2025-02-01T00:00:00Z", "to": "2025-01-31T23:59:59Z"}),
            "to",
        ),
    ] {
        let answer = app
            .graphql(&token, FEEDBACK_LIST, json!({"f": filter}))
            .await;
        refused(&answer, "BAD_USER_INPUT", parameter, &filter.to_string());
    }
    // A bound equal to the other is a window of one instant, not an error.
    let same = json!({"f": {"from": JUNE, "to": JUNE}});
    assert_eq!(listed(&app, &token, same).await, (vec![], 0));
}

on_each_backend! {
    async fn spaces_list_their_feedbacks_and_feedbacks_their_spaces_with_totals(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (fx, token) = (&ff.fx, &ff.fx.token);
        let variables = json!({"o": fx.organization, "n": " Archive ", "d": null});
        let space = mutate(&app, token, NEW_SPACE, variables).await;
        assert_eq!(
            (&space["name"], &space["description"], &space["organizationUuid"]),
            (&json!("Archive"), &Value::Null, &json!(fx.organization)),
            "{backend:?}"
        );
        let rows = all_feedbacks(&app, token).await;
        let query = "query($s: UUID!) { viewer {
            spaces { totalCount nodes { name description feedbacks(pageSize: 1) { totalCount } } }
            second: spaces(pageSize: 1, pageNumber: 2) { totalCount hasNextPage nodes { name } }
            space(uuid: $s) { name createdAt feedbacks { totalCount nodes { uuid } }
                byPriority: feedbacks(sortBy: PRIORITY, sortDirection: ASC, pageSize: 1, pageNumber: 2) {
                    hasNextPage nodes { uuid } } }
        } }";
        let answer = app.graphql(token, query, json!({"s": ff.bugs})).await.ok();
        let spaces = answer.data("/viewer/spaces");
        assert_eq!(spaces["totalCount"], 3, "{backend:?}");
        let nodes = spaces["nodes"].as_array().expect("nodes");
        let names: Vec<&Value> = nodes.iter().map(|node| &node["name"]).collect();
        assert_eq!(names, [&json!("Archive"), &json!("Bugs"), &json!("Roadmap")], "by name");
        assert_eq!(nodes[1]["description"], "what is broken");
        let totals: Vec<&Value> = nodes.iter().map(|node| &node["feedbacks"]["totalCount"]).collect();
        assert_eq!(totals, [&json!(0), &json!(2), &json!(2)], "{backend:?}");
        let second = answer.data("/viewer/second");
        assert_eq!((&second["nodes"][0]["name"], &second["hasNextPage"]), (&json!("Bugs"), &json!(true)));

        let in_bugs: Vec<&FeedbackRow> =
            rows.iter().filter(|row| row.spaces.contains(&ff.bugs)).collect();
        let bugs = answer.data("/viewer/space");
        assert_eq!(bugs["name"], "Bugs");
        assert_eq!(uuids(&bugs["feedbacks"]["nodes"]), ordered(&in_bugs, |row| row.date, true));
        assert_eq!(bugs["feedbacks"]["totalCount"], in_bugs.len());
        let by_priority = ordered(&in_bugs, |row| row.priority, false);
        assert_eq!(uuids(&bugs["byPriority"]["nodes"]), by_priority[1..2], "{backend:?}");
        assert_eq!(bugs["byPriority"]["hasNextPage"], false);

        // A feedback's spaces, paged, and all their uuids, by name.
        let query = "query($u: UUID!) { viewer { feedback(uuid: $u) { spaceUuids
            spaces { totalCount nodes { uuid name } }
            last: spaces(pageSize: 1, pageNumber: 2) { hasNextPage nodes { name } } } } }";
        let answer = app.graphql(token, query, json!({"u": ff.alice_nps})).await.ok();
        let feedback = answer.data("/viewer/feedback");
        assert_eq!(feedback["spaceUuids"], json!([ff.bugs, ff.roadmap]), "{backend:?}");
        assert_eq!(uuids(&feedback["spaces"]["nodes"]), [ff.bugs, ff.roadmap]);
        assert_eq!(feedback["spaces"]["totalCount"], 2);
        assert_eq!(feedback["last"], json!({"hasNextPage": false, "nodes": [{"name": "Roadmap"}]}));
    }
}

on_each_backend! {
    async fn another_organizations_space_or_feedback_answers_like_a_missing_one(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let token = &ff.fx.token;
        let (other, other_token) = app.organization_with_token().await;
        let new_customer = "mutation($o: UUID!, $i: CreateCustomerInput!) {
            createCustomer(organizationUuid: $o, input: $i) { uuid } }";
        let eve = json!({"fullName": "Eve", "email": common::mail("eve", "example.net")});
        let customer = mutate(&app, &other_token, new_customer, json!({"o": other, "i": eve})).await;
        let space = mutate(&app, &other_token, NEW_SPACE, json!({"o": other, "n": "Theirs"})).await;
        let input = json!({"customerUuid": customer["uuid"], "feedbackContents": "theirs",
            "spaceUuids": [space["uuid"]]});
        let feedback = mutate(&app, &other_token, NEW_FEEDBACK, json!({"o": other, "i": input})).await;
        for field in ["space", "feedback"] {
            let query = format!("query($u: UUID!) {{ viewer {{ {field}(uuid: $u) {{ uuid }} }} }}");
            let theirs = match field {
                "space" => &space["uuid"],
                _ => &feedback["uuid"],
            };
            let foreign = app.graphql(token, &query, json!({"u": theirs})).await;
            let missing = app.graphql(token, &query, json!({"u": Uuid::new_v4()})).await;
            let case = format!("{backend:?} {field}: {}", foreign.body);
            assert_eq!(foreign.error_code(), Some("NOT_FOUND"), "{case}");
            assert_eq!(foreign.body, missing.body, "{backend:?} {field}: identical answers");
        }
        // Their space cannot be used, nor their feedback deleted.
        let o = ff.fx.organization;
        let mine = json!({"customerUuid": ff.fx.alice, "feedbackContents": "x",
            "spaceUuids": [space["uuid"]]});
        let answer = app.graphql(token, NEW_FEEDBACK, json!({"o": o, "i": mine})).await;
        refused(&answer, "BAD_USER_INPUT", "spaceUuids", "a foreign space");
        let theirs = json!({"o": o, "u": [feedback["uuid"]]});
        let answer = app.graphql(token, DELETE_FEEDBACKS, theirs).await;
        refused(&answer, "NOT_FOUND", "uuids", "a foreign feedback");
        assert_eq!(all_feedbacks(&app, &other_token).await.len(), 1, "{backend:?}: theirs stays");
    }
}

/// `deleteFeedbacks`.
const DELETE_FEEDBACKS: &str = "mutation($o: UUID!, $u: [UUID!]!) {
  deleteFeedbacks(organizationUuid: $o, uuids: $u) { deletedFeedbackCount } }";

on_each_backend! {
    async fn delete_feedbacks_is_all_or_nothing_naming_the_unknown_uuid(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (o, token) = (ff.fx.organization, &ff.fx.token);
        let before = all_feedbacks(&app, token).await.len();
        let alice = customer_state(&app, token, ff.fx.alice).await;
        let unknown = Uuid::new_v4();
        let three = json!({"o": o, "u": [ff.fx.feedback_a1, unknown, ff.alice_nps]});
        let answer = app.graphql(token, DELETE_FEEDBACKS, three).await;
        refused(&answer, "NOT_FOUND", "uuids", "one unknown uuid");
        let message = answer.body["errors"][0]["message"].as_str().expect("message");
        assert!(message.contains(&unknown.to_string()), "{backend:?}: {message}");
        assert_eq!(all_feedbacks(&app, token).await.len(), before, "{backend:?}: nothing deleted");
        let untouched = customer_state(&app, token, ff.fx.alice).await;
        assert_eq!(untouched, alice, "{backend:?}: counters untouched");
        assert_eq!(links(&app, &ff.fx.highlights[..2]).await, 3, "{backend:?}");
    }
}

on_each_backend! {
    async fn delete_feedbacks_recomputes_counters_and_takes_highlights_and_their_links(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (o, token, fx) = (ff.fx.organization, &ff.fx.token, &ff.fx);
        let before = customer_state(&app, token, fx.alice).await;
        let counters = |state: &Value| (state["feedbackCount"].clone(), state["lastInteractedDate"].clone());
        let version = before["version"].as_i64().expect("version");
        assert_eq!(counters(&before), (json!(3), json!("2025-06-01T12:00:00+00:00")));
        // Alice's latest: her count and last interaction step back.
        let latest = json!({"o": o, "u": [ff.alice_nps]});
        let answer = app.graphql(token, DELETE_FEEDBACKS, latest).await.ok();
        assert_eq!(answer.data("/deleteFeedbacks/deletedFeedbackCount"), 1);
        let after = customer_state(&app, token, fx.alice).await;
        assert_eq!(counters(&after), (json!(2), json!("2025-03-01T10:00:00+00:00")), "{backend:?}");
        assert_eq!(after["version"], version + 1);
        // Her other two (one given twice), with their three highlights and their links.
        let rows = all_feedbacks(&app, token).await;
        let rest: Vec<Uuid> =
            rows.iter().filter(|row| row.customer == fx.alice).map(|row| row.uuid).collect();
        assert_eq!(links(&app, &fx.highlights[..3]).await, 4, "{backend:?}: h0, h1 and h2 are linked");
        let twice = json!({"o": o, "u": [rest[0], rest[1], rest[0]]});
        let answer = app.graphql(token, DELETE_FEEDBACKS, twice).await.ok();
        let count = answer.data("/deleteFeedbacks/deletedFeedbackCount");
        assert_eq!(count, 2, "{backend:?}: repeats count once");
        let gone = customer_state(&app, token, fx.alice).await;
        assert_eq!(
            gone,
            json!({"feedbackCount": 0, "lastInteractedDate": null, "version": version + 2,
                   "feedbackHighlights": {"totalCount": 0}, "insights": {"totalCount": 0},
                   "issues": {"totalCount": 0}}),
            "{backend:?}"
        );
        assert_eq!(links(&app, &fx.highlights[..3]).await, 0, "{backend:?}");
        let query = "{ viewer { insights { nodes { title highlightCount } } } }";
        let insights = app.graphql(token, query, json!({})).await.ok();
        assert_eq!(
            insights.data("/viewer/insights/nodes"),
            &json!([{"title": "Onboarding", "highlightCount": 0}, {"title": "Speed", "highlightCount": 1}])
        );
        // Bob's feedback and its links are untouched.
        assert_eq!(links(&app, &fx.highlights[3..4]).await, 1, "{backend:?}");
    }
}

/// A delete takes 1 to 100 uuids.
#[tokio::test]
async fn delete_feedbacks_refuses_no_uuid_and_more_than_100() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    let many: Vec<Uuid> = (0..101).map(|_| Uuid::new_v4()).collect();
    for uuids in [vec![], many] {
        let answer = app
            .graphql(
                &token,
                DELETE_FEEDBACKS,
                json!({"o": organization, "u": uuids}),
            )
            .await;
        refused(
            &answer,
            "BAD_USER_INPUT",
            "uuids",
            &format!("{} uuids", uuids.len()),
        );
    }
}

/// `deleteCustomer`, with an optional expected version.
const DELETE_CUSTOMER: &str = "mutation($o: UUID!, $u: UUID!, $v: Int) {
  deleteCustomer(organizationUuid: $o, uuid: $u, expectedVersion: $v) { uuid deletedFeedbackCount } }";

on_each_backend! {
    async fn delete_customer_takes_its_feedbacks_and_highlights_unless_its_version_moved(backend) {
        let (app, ff) = app_with_feedback(backend).await;
        let (o, token, fx) = (ff.fx.organization, &ff.fx.token, &ff.fx);
        let (customers, feedbacks) = totals(&app, token).await;
        let version = customer_state(&app, token, fx.carol).await["version"].clone();
        let version = version.as_i64().expect("version");
        let rows = all_feedbacks(&app, token).await;
        let carols: Vec<Uuid> =
            rows.iter().filter(|row| row.customer == fx.carol).map(|row| row.uuid).collect();
        assert_eq!(carols.len(), 4);

        let stale = json!({"o": o, "u": fx.carol, "v": version - 1});
        let stale = app.graphql(token, DELETE_CUSTOMER, stale).await;
        refused(&stale, "PRECONDITION_FAILED", "expectedVersion", "a stale version");
        assert_eq!(stale.body["errors"][0]["extensions"]["currentVersion"], version, "{backend:?}");
        assert_eq!(stale.body["data"], Value::Null);
        assert_eq!(totals(&app, token).await, (customers, feedbacks), "{backend:?}: nothing deleted");
        let state = customer_state(&app, token, fx.carol).await;
        assert_eq!(state["version"], version, "{backend:?}");

        let current = json!({"o": o, "u": fx.carol, "v": version});
        let answer = app.graphql(token, DELETE_CUSTOMER, current).await.ok();
        let payload = json!({"uuid": fx.carol, "deletedFeedbackCount": 4});
        assert_eq!(answer.data("/deleteCustomer"), &payload, "{backend:?}");
        assert_eq!(totals(&app, token).await, (customers - 1, feedbacks - 4), "{backend:?}");
        let read = app.graphql(token, CUSTOMER_STATE, json!({"u": fx.carol})).await;
        assert_eq!(read.error_code(), Some("NOT_FOUND"), "{backend:?}: {}", read.body);
        let query = "query($u: UUID!) { viewer { feedback(uuid: $u) { uuid } } }";
        let feedback = app.graphql(token, query, json!({"u": carols[0]})).await;
        assert_eq!(feedback.error_code(), Some("NOT_FOUND"));
        // Carol's highlights (h4 to h6) and their links went with her.
        assert_eq!(links(&app, &fx.highlights[4..]).await, 0, "{backend:?}");
        let left = feedbacks::Entity::find()
            .filter(feedbacks::Column::CustomerUuid.eq(fx.carol))
            .count(&app.db);
        let filed = feedback_spaces::Entity::find()
            .filter(feedback_spaces::Column::FeedbackUuid.is_in(carols))
            .count(&app.db);
        let (left, filed) = (left.await.expect("count"), filed.await.expect("count"));
        assert_eq!((left, filed), (0, 0), "{backend:?}");

        // Without a version; a missing customer is NOT_FOUND.
        let answer = app.graphql(token, DELETE_CUSTOMER, json!({"o": o, "u": fx.dave})).await.ok();
        let payload = json!({"uuid": fx.dave, "deletedFeedbackCount": 1});
        assert_eq!(answer.data("/deleteCustomer"), &payload);
        assert_eq!(totals(&app, token).await, (customers - 2, feedbacks - 5), "{backend:?}");
        let again = app.graphql(token, DELETE_CUSTOMER, json!({"o": o, "u": fx.dave})).await;
        assert_eq!(again.error_code(), Some("NOT_FOUND"), "{backend:?}");
    }
}

/// A page of feedbacks three levels deep, with the customer and spaces of each.
const THREE_LEVELS: &str = "query($n: Int) { viewer { feedbacks(pageSize: $n) { nodes {
    uuid customer { fullName } spaces { nodes { name } }
    highlights { nodes { quote insights { nodes { title } } } }
} } } }";

on_each_backend! {
    async fn a_three_level_feedback_page_of_25_or_100_takes_the_same_statements(backend) {
        // At 100 feedbacks with nested pages of the default 25, the query's
        // complexity is 138,101, past the default limit of 50,000.
        let config =
            ServerConfig { graphql_max_complexity: 200_000, ..ServerConfig::default() };
        let (app, organization, token) = seeded_app_with(backend, 40, config).await;
        let mut spaces = Vec::new();
        for name in ["North", "South", "West"] {
            let space = mutate(&app, &token, NEW_SPACE, json!({"o": organization, "n": name})).await;
            spaces.push(uuid_of(&space["uuid"]));
        }
        let all = feedbacks::Entity::find()
            .filter(feedbacks::Column::OrganizationUuid.eq(organization))
            .all(&app.db)
            .await
            .expect("feedbacks");
        assert_eq!(all.len(), 160);
        // Every feedback in one space, every other one in a second.
        let filed = all.iter().enumerate().flat_map(|(index, feedback)| {
            let first = spaces[index % 3];
            let second = (index % 2 == 0).then(|| spaces[(index + 1) % 3]);
            [Some(first), second].into_iter().flatten().map(|space| feedback_spaces::ActiveModel {
                space_uuid: sea_orm::Set(space),
                feedback_uuid: sea_orm::Set(feedback.uuid),
            })
        });
        feedback_spaces::Entity::insert_many(filed).exec(&app.db).await.expect("file feedbacks");

        let mut counts = Vec::new();
        for page_size in [25, 100] {
            let before = app.metrics.statements();
            let answer = app.graphql(&token, THREE_LEVELS, json!({"n": page_size})).await.ok();
            counts.push(app.metrics.statements() - before);
            let nodes = answer.data("/viewer/feedbacks/nodes").as_array().expect("nodes");
            assert_eq!(nodes.len(), page_size, "{backend:?}");
            assert!(nodes.iter().all(|node| node["customer"]["fullName"].is_string()));
            let filled = |node: &Value, list: &str| {
                node[list]["nodes"].as_array().is_some_and(|nodes| !nodes.is_empty())
            };
            assert!(nodes.iter().all(|node| filled(node, "spaces")), "{backend:?}");
            let insights = nodes
                .iter()
                .flat_map(|node| node["highlights"]["nodes"].as_array().expect("highlights"))
                .filter(|highlight| filled(highlight, "insights"))
                .count();
            assert!(insights > 0, "{backend:?}: the seed links highlights to insights");
        }
        eprintln!("{backend:?}: a three-level feedback page of 25 and of 100 took {counts:?} statements");
        assert_eq!(counts[0], counts[1], "{backend:?}: independent of the page size");
        assert!(
            counts[0] <= 6,
            "{backend:?}: the token, the feedbacks, then one per relation \
             (customers, spaces, highlights, insights): {counts:?}"
        );
    }
}
