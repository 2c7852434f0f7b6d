//! The node types of the graph and their relation fields (the feedback
//! side, `Feedback` and `Space`, is in [`super::feedback_types`]). Every
//! relation resolves through the request's DataLoader; paginated children
//! of a whole level are fetched with one windowed statement per field and
//! arguments. A customer list reads the company and persona it was asked
//! for along with its customers.

use async_graphql::{Context, Object, Result};
use entity::{
    customer_companies, customers, feedback_highlights, feedbacks, insights, issues, personas,
};
use uuid::Uuid;

use super::feedback_types::{Feedback, FeedbackPage, feedback_page};
use super::pagination::{page_cost, page_object};
use super::relations::{average, by_id, child_page, count, node};
use super::scalars::Instant;
use crate::loaders::{
    COMPANY_CUSTOMERS, CUSTOMER_HIGHLIGHTS, CUSTOMER_INSIGHTS, CUSTOMER_ISSUES, ChildList,
    HIGHLIGHT_INSIGHTS, HIGHLIGHT_ISSUES, INSIGHT_HIGHLIGHTS, ISSUE_HIGHLIGHTS, PERSONA_CUSTOMERS,
};
use crate::store::customers::Related;
use crate::store::relations::{Average, Relation};

pub use entity::vocabulary::{Direction as SortDirection, FeedbackSort as FeedbackSortBy};

pub use entity::vocabulary::IssueStatus;

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

/// A person who sends feedback, in one organization.
#[Object]
impl Customer {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization the customer belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Full name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// Email address, unique within the organization.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Job role.
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    /// The customer's persona, if any.
    async fn persona_uuid(&self) -> Option<Uuid> {
        self.0.persona_uuid
    }
    /// The customer's company, if any.
    async fn customer_company_uuid(&self) -> Option<Uuid> {
        self.0.customer_company_uuid
    }
    /// When the customer last gave feedback; null if never.
    async fn last_interacted_date(&self) -> Option<Instant> {
        self.0.last_interacted_date.map(Instant)
    }
    /// When the customer was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// When the customer was last changed.
    async fn updated_at(&self) -> Instant {
        Instant(self.0.updated_at)
    }
    /// The customer's persona.
    async fn persona(&self, ctx: &Context<'_>) -> Result<Option<Persona>> {
        let persona = match &self.1.persona {
            Some(read) => read.clone(),
            None => by_id::<personas::Entity>(ctx, self.0.persona_uuid).await?,
        };
        Ok(persona.map(Persona))
    }
    /// The customer's company.
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<CustomerCompany>> {
        let company = match &self.1.company {
            Some(read) => read.clone(),
            None => by_id::<customer_companies::Entity>(ctx, self.0.customer_company_uuid).await?,
        };
        Ok(company.map(CustomerCompany))
    }
    /// How many feedbacks the customer sent.
    async fn feedback_count(&self) -> i64 {
        self.0.feedback_count
    }
    /// Starts at 1 and goes up by 1 with every write to the customer (an
    /// update, or a feedback that moves its counters). Send it back as
    /// `updateCustomer(expectedVersion:)` so that a change made since you
    /// read it fails with `PRECONDITION_FAILED` instead of being overwritten;
    /// REST serves it as the strong `ETag` `"<version>"`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Mean sentiment of the highlights of the customer's feedbacks; null without any.
    async fn average_sentiment(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        average(ctx, Average::CustomerSentiment, self.0.uuid).await
    }
    /// The customer's feedbacks, newest first by default.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn feedbacks(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<FeedbackSortBy>,
        #[graphql(desc = "Sort direction (default DESC).")] sort_direction: Option<SortDirection>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackPage> {
        let (order, page) = ((sort_by, sort_direction), (page_size, page_number));
        let (list_in, known) = (ChildList::customer_feedbacks, Some(self.0.feedback_count));
        feedback_page(ctx, list_in, self.0.uuid, order, page, known).await
    }
    /// Highlights cut from the customer's feedbacks, newest feedback first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn feedback_highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, CUSTOMER_HIGHLIGHTS, self.0.uuid, page, None).await
    }
    /// Insights linked to the customer's highlights (each once), by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<InsightPage> {
        let page = (page_size, page_number);
        child_page(ctx, CUSTOMER_INSIGHTS, self.0.uuid, page, None).await
    }
    /// Issues linked to the customer's highlights (each once), by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<IssuePage> {
        let page = (page_size, page_number);
        child_page(ctx, CUSTOMER_ISSUES, self.0.uuid, page, None).await
    }
}

node!(
    /// A quote cut from one feedback, with its sentiment.
    FeedbackHighlight(feedback_highlights::Model)
);

/// A quote cut from one feedback, with its sentiment.
#[Object]
impl FeedbackHighlight {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// The feedback it was cut from.
    async fn feedback_uuid(&self) -> Uuid {
        self.0.feedback_uuid
    }
    /// The quoted words.
    async fn quote(&self) -> &str {
        &self.0.quote
    }
    /// Sentiment from -1 (negative) to 1 (positive).
    async fn sentiment_score(&self) -> f64 {
        self.0.sentiment_score
    }
    /// When it was cut.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// The feedback it was cut from.
    async fn feedback(&self, ctx: &Context<'_>) -> Result<Option<Feedback>> {
        Ok(by_id::<feedbacks::Entity>(ctx, Some(self.0.feedback_uuid))
            .await?
            .map(Feedback))
    }
    /// Insights it is linked to, by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<InsightPage> {
        let page = (page_size, page_number);
        child_page(ctx, HIGHLIGHT_INSIGHTS, self.0.uuid, page, None).await
    }
    /// Issues it is linked to, by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<IssuePage> {
        let page = (page_size, page_number);
        child_page(ctx, HIGHLIGHT_ISSUES, self.0.uuid, page, None).await
    }
}

node!(
    /// A theme that runs through highlights.
    Insight(insights::Model)
);

/// A theme that runs through highlights.
#[Object]
impl Insight {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Short title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// How many highlights are linked to it.
    async fn highlight_count(&self, ctx: &Context<'_>) -> Result<i64> {
        count(ctx, Relation::InsightHighlights, self.0.uuid).await
    }
    /// Mean sentiment of its linked highlights; null without any.
    async fn average_sentiment(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        average(ctx, Average::InsightSentiment, self.0.uuid).await
    }
    /// Highlights linked to it, newest first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, INSIGHT_HIGHLIGHTS, self.0.uuid, page, None).await
    }
}

node!(
    /// A problem that highlights point at.
    Issue(issues::Model)
);

/// A problem that highlights point at.
#[Object]
impl Issue {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Short title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where the issue stands.
    async fn status(&self) -> IssueStatus {
        self.0.status
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// Mean sentiment of its linked highlights; null without any.
    async fn average_sentiment(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        average(ctx, Average::IssueSentiment, self.0.uuid).await
    }
    /// How many highlights are linked to it.
    async fn highlight_count(&self, ctx: &Context<'_>) -> Result<i64> {
        count(ctx, Relation::IssueHighlights, self.0.uuid).await
    }
    /// Highlights linked to it, newest first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, ISSUE_HIGHLIGHTS, self.0.uuid, page, None).await
    }
}

node!(
    /// A company customers work for.
    CustomerCompany(customer_companies::Model)
);

/// A company customers work for.
#[Object]
impl CustomerCompany {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Company name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Web domain.
    async fn domain(&self) -> Option<&str> {
        self.0.domain.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// Its customers, most recent interaction first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerPage> {
        let page = (page_size, page_number);
        child_page(ctx, COMPANY_CUSTOMERS, self.0.uuid, page, None).await
    }
}

node!(
    /// A kind of customer an organization segments by.
    Persona(personas::Model)
);

/// A kind of customer an organization segments by.
#[Object]
impl Persona {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Persona name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What characterises it.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// Its customers, most recent interaction first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerPage> {
        let page = (page_size, page_number);
        child_page(ctx, PERSONA_CUSTOMERS, self.0.uuid, page, None).await
    }
}
