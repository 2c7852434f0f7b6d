//! The node types of the graph and the lists they come in: each node is a
//! wrapper of a model row (`Customer` also carries the rows its list read
//! along with it), and each list of nodes is a numbered page object
//! (`CustomerPage`) and a Relay connection (`CustomerConnection`,
//! `CustomerEdge`). Their fields are resolved in the rooms of each side of the
//! graph: [`super::types`] (customers and highlights), [`super::feedback_types`]
//! (feedbacks and spaces) and [`super::catalog_types`] (insights, issues,
//! companies, personas); declaring the types apart from their fields keeps
//! those rooms from importing each other, though the schema's types refer to
//! one another.

use entity::{
    customer_companies, customers, feedback_highlights, feedbacks, insights, issues, personas,
    spaces,
};

use super::connections::connection_object;
use super::pagination::page_object;
use crate::store::customers::Related;

pub use entity::vocabulary::IssueStatus;
pub use entity::vocabulary::{Direction as SortDirection, FeedbackSort as FeedbackSortBy};

/// Declares the GraphQL wrapper of a model row and its conversion from it.
macro_rules! node {
    ($(#[$doc:meta])* $node:ident($model:ty)) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $node(pub $model);

        impl From<$model> for $node {
            fn from(model: $model) -> Self {
                $node(model)
            }
        }
    };
}

page_object!(CustomerPage, Customer, "customers");
page_object!(
    FeedbackHighlightPage,
    FeedbackHighlight,
    "feedback highlights"
);
page_object!(InsightPage, Insight, "insights");
page_object!(IssuePage, Issue, "issues");
page_object!(CustomerCompanyPage, CustomerCompany, "customer companies");
page_object!(PersonaPage, Persona, "personas");

connection_object!(CustomerConnection, CustomerEdge, Customer, "customers");
connection_object!(
    FeedbackHighlightConnection,
    FeedbackHighlightEdge,
    FeedbackHighlight,
    "feedback highlights"
);
connection_object!(InsightConnection, InsightEdge, Insight, "insights");
connection_object!(IssueConnection, IssueEdge, Issue, "issues");
connection_object!(
    CustomerCompanyConnection,
    CustomerCompanyEdge,
    CustomerCompany,
    "customer companies"
);
connection_object!(PersonaConnection, PersonaEdge, Persona, "personas");
page_object!(FeedbackPage, Feedback, "feedbacks");
page_object!(SpacePage, Space, "spaces");
connection_object!(FeedbackConnection, FeedbackEdge, Feedback, "feedbacks");
connection_object!(SpaceConnection, SpaceEdge, Space, "spaces");

/// A person who sends feedback, in one organization, with the rows its list
/// read along with it.
#[derive(Clone)]
pub struct Customer(pub customers::Model, pub Related);

impl Customer {
    /// A customer whose relations are all read through the loader.
    pub fn new(model: customers::Model) -> Customer {
        Customer(model, Related::default())
    }
}

impl From<customers::Model> for Customer {
    fn from(model: customers::Model) -> Customer {
        Customer::new(model)
    }
}

node!(
    /// A quote cut from one feedback, with its sentiment.
    FeedbackHighlight(feedback_highlights::Model)
);

node!(
    /// A message, ticket or call note from a customer.
    Feedback(feedbacks::Model)
);

node!(
    /// A named collection an organization files feedback into; a feedback
    /// may sit in several.
    Space(spaces::Model)
);

node!(
    /// A theme that runs through highlights.
    Insight(insights::Model)
);

node!(
    /// A problem that highlights point at.
    Issue(issues::Model)
);

node!(
    /// A company customers work for.
    CustomerCompany(customer_companies::Model)
);

node!(
    /// A kind of customer an organization segments by.
    Persona(personas::Model)
);
