//! The mutation root. Every write takes `organizationUuid`, which must be the
//! token's organization, and validates its input (see [`crate::validation`]).

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result};
use uuid::Uuid;

use super::context::{db, own_organization};
use super::feedback_types::Feedback;
use super::scalars::Instant;
use super::types::{
    Customer, CustomerCompany, FeedbackHighlight, Insight, Issue, IssueStatus, Persona,
};
use crate::error::AppError;
use crate::resolvers;
use crate::resolvers::customers::{CustomerChanges, NewCustomer, VersionTest};
use crate::resolvers::feedbacks::NewFeedback;
use crate::resolvers::organizations;
use crate::validation::{Email, LongText, Name, Sentiment, ShortText, Text, Timestamp};
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
    /// The customer who gave it.
    pub customer_uuid: Uuid,
    /// What they said.
    pub feedback_contents: String,
    /// When they said it (now when omitted).
    pub feedback_date: Option<Instant>,
    /// Where it came from (`api` when omitted).
    pub source: Option<String>,
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
        let created = resolvers::customers::create(db(ctx), organization, new).await?;
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
        let customer =
            resolvers::customers::update(db(ctx), organization, uuid, changes, precondition)
                .await?;
        Ok(Customer::new(customer))
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

    /// Records a feedback; the customer's `lastInteractedDate` and `feedbackCount` follow.
    async fn create_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The fields to write.")] input: CreateFeedbackInput,
    ) -> Result<Feedback> {
        let organization = own_organization(ctx, organization_uuid)?;
        let new = NewFeedback {
            customer_uuid: input.customer_uuid,
            feedback_contents: Text::parse("feedbackContents", &input.feedback_contents)?,
            source: Name::parse_optional("source", input.source.as_deref())?,
            feedback_date: Timestamp::parse_optional(
                "feedbackDate",
                input.feedback_date.map(|date| date.0),
            )?,
            feedback_type: None,
            priority: None,
            data_source_type: None,
            data_source_id: None,
            space_uuids: Vec::new(),
        };
        Ok(Feedback(
            resolvers::feedbacks::create_feedback(db(ctx), organization, new).await?,
        ))
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
