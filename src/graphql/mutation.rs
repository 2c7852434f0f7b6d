//! The mutation root. Every write takes `organizationUuid`, which must be the
//! token's organization, and validates its input (see [`crate::validation`]).

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use uuid::Uuid;

use super::context::{db, live, own_organization};
use super::nodes::{
    Customer, CustomerCompany, Feedback, FeedbackHighlight, Insight, Issue, IssueStatus, Persona,
    Space,
};
use super::scalars::Instant;
use crate::error::AppError;
use crate::resolvers;
use crate::resolvers::customers::{CustomerChanges, NewCustomer, VersionTest};
use crate::resolvers::feedbacks::{
    DataSourceType, FeedbackType, MAX_DELETED_FEEDBACKS, MAX_SPACES_PER_FEEDBACK, NewFeedback,
    distinct_uuids,
};
use crate::resolvers::organizations;
use crate::validation::{Email, LongText, Name, Priority, Sentiment, ShortText, Text, Timestamp};
use entity::{insights, issues};

/// A new customer.
#[derive(InputObject, Debug, Clone)]
pub struct CreateCustomerInput {
    /// Full name (1 to 200 characters).
    pub full_name: String,
    /// Email address, unique within the organization.
    pub email: String,
    /// Job role.
    pub role: Option<String>,
    /// A persona of the same organization.
    pub persona_uuid: Option<Uuid>,
    /// A company of the same organization.
    pub customer_company_uuid: Option<Uuid>,
}

/// Changes to a customer: a field left out (or fed by a variable the request
/// did not provide) is kept, `null` clears an optional one. No field has a
/// default: absent and `null` are different things here.
#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateCustomerInput {
    /// New full name (cannot be null).
    pub full_name: MaybeUndefined<String>,
    /// New email (cannot be null).
    pub email: MaybeUndefined<String>,
    /// New role, or null to clear it.
    pub role: MaybeUndefined<String>,
    /// New persona, or null to clear it.
    pub persona_uuid: MaybeUndefined<Uuid>,
    /// New company, or null to clear it.
    pub customer_company_uuid: MaybeUndefined<Uuid>,
}

fn required<T>(field: &str, value: MaybeUndefined<T>) -> Result<Option<T>, AppError> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Err(AppError::bad_parameter(
            field,
            format!("{field} cannot be null"),
        )),
        MaybeUndefined::Value(value) => Ok(Some(value)),
    }
}

fn optional<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

impl UpdateCustomerInput {
    /// The store's form of these changes.
    pub fn into_changes(self) -> Result<CustomerChanges, AppError> {
        let full_name = required("fullName", self.full_name)?;
        let email = required("email", self.email)?;
        Ok(CustomerChanges {
            full_name: Name::parse_optional("fullName", full_name.as_deref())?,
            email: Email::parse_optional("email", email.as_deref())?,
            role: optional(self.role)
                .map(|role| ShortText::parse_optional("role", role.as_deref()))
                .transpose()?,
            persona_uuid: optional(self.persona_uuid),
            customer_company_uuid: optional(self.customer_company_uuid),
        })
    }
}

/// A new feedback.
#[derive(InputObject, Debug, Clone)]
pub struct CreateFeedbackInput {
    /// The customer who gave it (of the same organization; an unknown one answers `NOT_FOUND`).
    pub customer_uuid: Uuid,
    /// What they said.
    pub feedback_contents: String,
    /// When they said it (now when omitted).
    pub feedback_date: Option<Instant>,
    /// Where it came from, as free text (when omitted: the `dataSourceType` in lower case, else `api`).
    pub source: Option<String>,
    /// What kind of feedback it is (FEEDBACK_RESPONSE when omitted).
    pub feedback_type: Option<FeedbackType>,
    /// How pressing it is: an integer from 0 (none; the default) to 4 (the highest).
    pub priority: Option<i32>,
    /// The integration it came through.
    pub data_source_type: Option<DataSourceType>,
    /// Its identifier in that integration (at most 200 characters).
    pub data_source_id: Option<String>,
    /// Spaces of the same organization to file it into (at most 100 uuids; repeats count once).
    pub space_uuids: Option<Vec<Uuid>>,
}

impl CreateFeedbackInput {
    /// The resolver's form of this input, each field checked under its GraphQL name.
    fn into_new(self) -> Result<NewFeedback, AppError> {
        let spaces = self.space_uuids.unwrap_or_default();
        let space_uuids = distinct_uuids("spaceUuids", spaces, (0, MAX_SPACES_PER_FEEDBACK))?;
        let feedback_date = self.feedback_date.map(|date| date.0);
        Ok(NewFeedback {
            customer_uuid: self.customer_uuid,
            feedback_contents: Text::parse("feedbackContents", &self.feedback_contents)?,
            source: Name::parse_optional("source", self.source.as_deref())?,
            feedback_date: Timestamp::parse_optional("feedbackDate", feedback_date)?,
            feedback_type: self.feedback_type,
            priority: Priority::parse_optional("priority", self.priority)?,
            data_source_type: self.data_source_type,
            data_source_id: ShortText::parse_optional(
                "dataSourceId",
                self.data_source_id.as_deref(),
            )?,
            space_uuids,
        })
    }
}

/// What `deleteFeedbacks` removed.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct DeleteFeedbacksPayload {
    /// How many feedbacks were deleted (a uuid given twice counts once),
    /// each with its highlights, their links to insights and issues, and its
    /// places in spaces.
    pub deleted_feedback_count: i64,
}

/// What `deleteCustomer` removed.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct DeleteCustomerPayload {
    /// The deleted customer.
    pub uuid: Uuid,
    /// How many of its feedbacks were deleted with it (with their
    /// highlights, links and places in spaces).
    pub deleted_feedback_count: i64,
}

/// A count of deleted rows as a GraphQL `Int`.
fn deleted(rows: u64) -> i64 {
    i64::try_from(rows).expect("BUG: a count of deleted rows fits an i64")
}

/// The writes.
pub struct MutationRoot;

/// The writes.
#[Object]
impl MutationRoot {
    /// Creates a customer. A duplicate email in the organization answers `CONFLICT`.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The fields to write.")] input: CreateCustomerInput,
    ) -> Result<Customer> {
        let organization = own_organization(ctx, organization_uuid)?;
        let new = NewCustomer {
            full_name: Name::parse("fullName", &input.full_name)?,
            email: Email::parse("email", &input.email)?,
            role: ShortText::parse_optional("role", input.role.as_deref())?,
            persona_uuid: input.persona_uuid,
            customer_company_uuid: input.customer_company_uuid,
        };
        let created = resolvers::customers::create(db(ctx), live(ctx), organization, new).await?;
        Ok(Customer::new(created))
    }

    /// Changes a customer: omitted fields are kept, `null` clears an optional
    /// field, and the customer's `version` goes up by 1. With
    /// `expectedVersion`, the change is made only if the customer is still at
    /// that version; otherwise the answer is a `PRECONDITION_FAILED` error
    /// with `extensions.currentVersion`, and nothing is written.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
        #[graphql(desc = "The fields to write.")] input: UpdateCustomerInput,
        #[graphql(
            desc = "The `version` you read: the write happens only if the customer is still at it (optimistic concurrency). Leave it out to write whatever the version."
        )]
        expected_version: Option<i32>,
    ) -> Result<Customer> {
        let organization = own_organization(ctx, organization_uuid)?;
        let changes = input.into_changes()?;
        let expected = expected_version.map(|expected| move |version| version == expected);
        let precondition = expected.as_ref().map(|holds| holds as &VersionTest<'_>);
        let customer = resolvers::customers::update(
            db(ctx),
            live(ctx),
            organization,
            uuid,
            changes,
            precondition,
        )
        .await?;
        Ok(Customer::new(customer))
    }

    /// Deletes a customer with its feedbacks, their highlights, the
    /// highlights' links to insights and issues and the feedbacks' places in
    /// spaces, in one transaction; the organization's customer total drops
    /// by 1. With `expectedVersion`, only if the customer is still at that
    /// version; otherwise the answer is a `PRECONDITION_FAILED` error with
    /// `extensions.currentVersion`, and nothing is deleted. A missing
    /// customer (or another organization's) answers `NOT_FOUND`.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
        #[graphql(
            desc = "The `version` you read: the delete happens only if the customer is still at it (optimistic concurrency). Leave it out to delete whatever the version."
        )]
        expected_version: Option<i32>,
    ) -> Result<DeleteCustomerPayload> {
        let organization = own_organization(ctx, organization_uuid)?;
        let expected = expected_version.map(|expected| move |version| version == expected);
        let precondition = expected.as_ref().map(|holds| holds as &VersionTest<'_>);
        let gone =
            resolvers::customers::delete(db(ctx), live(ctx), organization, uuid, precondition)
                .await?;
        Ok(DeleteCustomerPayload {
            uuid: gone.uuid,
            deleted_feedback_count: deleted(gone.feedbacks.len() as u64),
        })
    }

    /// Creates a company.
    async fn create_customer_company(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "Display name (1 to 200 characters).")] name: String,
        #[graphql(desc = "Web domain.")] domain: Option<String>,
    ) -> Result<CustomerCompany> {
        let organization = own_organization(ctx, organization_uuid)?;
        let name = Name::parse("name", &name)?;
        let domain = ShortText::parse_optional("domain", domain.as_deref())?;
        let company = organizations::create_company(db(ctx), organization, name, domain).await?;
        Ok(CustomerCompany(company))
    }

    /// Creates a persona.
    async fn create_persona(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "Display name (1 to 200 characters).")] name: String,
        #[graphql(desc = "Longer description.")] description: Option<String>,
    ) -> Result<Persona> {
        let organization = own_organization(ctx, organization_uuid)?;
        let name = Name::parse("name", &name)?;
        let description = LongText::parse_optional("description", description.as_deref())?;
        let persona =
            organizations::create_persona(db(ctx), organization, name, description).await?;
        Ok(Persona(persona))
    }

    /// Records a feedback and files it into its spaces; the customer's
    /// `lastInteractedDate`, `feedbackCount` and `version` follow. An
    /// unknown customer answers `NOT_FOUND` (`extensions.parameter`
    /// `customerUuid`), an unknown space `BAD_USER_INPUT` naming
    /// `spaceUuids`, a value out of its range `BAD_USER_INPUT` naming its
    /// field; nothing is written then.
    async fn create_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The fields to write.")] input: CreateFeedbackInput,
    ) -> Result<Feedback> {
        let organization = own_organization(ctx, organization_uuid)?;
        let new = input.into_new()?;
        Ok(Feedback(
            resolvers::feedbacks::create_feedback(db(ctx), live(ctx), organization, new).await?,
        ))
    }

    /// Deletes feedbacks, all or nothing: each with its highlights, their
    /// links to insights and issues and its places in spaces; each customer's
    /// `feedbackCount` and `lastInteractedDate` are recomputed and its
    /// `version` goes up by 1. `uuids` holds 1 to 100 uuids (otherwise
    /// `BAD_USER_INPUT` naming `uuids`); when one of them is not a feedback
    /// of the organization, the answer is `NOT_FOUND` naming that uuid
    /// (`extensions.parameter` is `uuids`) and nothing is deleted.
    async fn delete_feedbacks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The feedbacks to delete: 1 to 100 uuids (repeats count once).")]
        uuids: Vec<Uuid>,
    ) -> Result<DeleteFeedbacksPayload> {
        let organization = own_organization(ctx, organization_uuid)?;
        let uuids = distinct_uuids("uuids", uuids, (1, MAX_DELETED_FEEDBACKS))?;
        let count =
            resolvers::feedbacks::delete_feedbacks(db(ctx), live(ctx), organization, &uuids)
                .await?;
        Ok(DeleteFeedbacksPayload {
            deleted_feedback_count: deleted(count),
        })
    }

    /// Creates a space to file feedback into.
    async fn create_space(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "Display name (1 to 200 characters).")] name: String,
        #[graphql(desc = "What it collects.")] description: Option<String>,
    ) -> Result<Space> {
        let organization = own_organization(ctx, organization_uuid)?;
        let name = Name::parse("name", &name)?;
        let description = LongText::parse_optional("description", description.as_deref())?;
        let space =
            resolvers::feedbacks::create_space(db(ctx), organization, name, description).await?;
        Ok(Space(space))
    }

    /// Cuts a highlight from a feedback; `sentimentScore` is between -1 and 1.
    async fn create_feedback_highlight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The feedback the highlight is cut from.")] feedback_uuid: Uuid,
        #[graphql(desc = "The quoted words.")] quote: String,
        #[graphql(desc = "From -1 (negative) to 1 (positive).")] sentiment_score: f64,
    ) -> Result<FeedbackHighlight> {
        let organization = own_organization(ctx, organization_uuid)?;
        let quote = Text::parse("quote", &quote)?;
        let sentiment_score = Sentiment::parse("sentimentScore", sentiment_score)?;
        let highlight = resolvers::feedbacks::create_highlight(
            db(ctx),
            live(ctx),
            organization,
            feedback_uuid,
            quote,
            sentiment_score,
        )
        .await?;
        Ok(FeedbackHighlight(highlight))
    }

    /// Creates an insight linked to the given highlights.
    async fn create_insight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "Short title (1 to 200 characters).")] title: String,
        #[graphql(desc = "Longer description.")] description: Option<String>,
        #[graphql(desc = "Highlights to link (same organization).")] highlight_uuids: Option<
            Vec<Uuid>,
        >,
    ) -> Result<Insight> {
        let organization = own_organization(ctx, organization_uuid)?;
        let title = Name::parse("title", &title)?;
        let description = LongText::parse_optional("description", description.as_deref())?;
        let highlights = highlight_uuids.unwrap_or_default();
        let insight =
            organizations::create_insight(db(ctx), organization, title, description, &highlights)
                .await?;
        Ok(Insight(insight))
    }

    /// Creates an issue linked to the given highlights.
    async fn create_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "Short title (1 to 200 characters).")] title: String,
        #[graphql(desc = "Longer description.")] description: Option<String>,
        #[graphql(desc = "Where the issue stands (default OPEN).")] status: Option<IssueStatus>,
        #[graphql(desc = "Highlights to link (same organization).")] highlight_uuids: Option<
            Vec<Uuid>,
        >,
    ) -> Result<Issue> {
        let organization = own_organization(ctx, organization_uuid)?;
        let title = Name::parse("title", &title)?;
        let description = LongText::parse_optional("description", description.as_deref())?;
        let (status, highlights) = (
            status.unwrap_or_default(),
            highlight_uuids.unwrap_or_default(),
        );
        let issue = organizations::create_issue(
            db(ctx),
            organization,
            title,
            description,
            status,
            &highlights,
        )
        .await?;
        Ok(Issue(issue))
    }

    /// Links a highlight to an insight (linking twice changes nothing).
    async fn link_highlight_to_insight(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The insight to link to.")] insight_uuid: Uuid,
        #[graphql(desc = "The highlight to link.")] highlight_uuid: Uuid,
    ) -> Result<Insight> {
        let organization = own_organization(ctx, organization_uuid)?;
        let (owner, highlight) = (insight_uuid, highlight_uuid);
        let insight = organizations::link_highlight::<insights::Entity>(
            db(ctx),
            organization,
            owner,
            highlight,
        )
        .await?;
        Ok(Insight(insight))
    }

    /// Links a highlight to an issue (linking twice changes nothing).
    async fn link_highlight_to_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The issue to link to.")] issue_uuid: Uuid,
        #[graphql(desc = "The highlight to link.")] highlight_uuid: Uuid,
    ) -> Result<Issue> {
        let organization = own_organization(ctx, organization_uuid)?;
        let (owner, highlight) = (issue_uuid, highlight_uuid);
        let issue = organizations::link_highlight::<issues::Entity>(
            db(ctx),
            organization,
            owner,
            highlight,
        )
        .await?;
        Ok(Issue(issue))
    }
}
