//! The entities under short names, as `sea-orm-cli` generates them.

pub use super::api_tokens::Entity as ApiTokens;
pub use super::customer_companies::Entity as CustomerCompanies;
pub use super::customers::Entity as Customers;
pub use super::feedback_highlights::Entity as FeedbackHighlights;
pub use super::feedback_spaces::Entity as FeedbackSpaces;
pub use super::feedbacks::Entity as Feedbacks;
pub use super::insight_highlights::Entity as InsightHighlights;
pub use super::insights::Entity as Insights;
pub use super::issue_highlights::Entity as IssueHighlights;
pub use super::issues::Entity as Issues;
pub use super::organizations::Entity as Organizations;
pub use super::personas::Entity as Personas;
pub use super::spaces::Entity as Spaces;
