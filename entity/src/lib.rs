//! SeaORM entities of customer-graph: one module per table, in the shape
//! `sea-orm-cli generate entity` writes. No business logic lives here; the
//! schema itself (constraints, indexes) is owned by the `migration` crate.
//! Beside the tables, [`folding`] holds the one rule for folded columns:
//! the server writes them and the migrations refold them, and both depend on
//! this crate. [`vocabulary`] declares the word lists (sort keys,
//! directions, issue statuses, feedback types, data sources) once for the store and both faces.

pub mod api_tokens;
pub mod customer_companies;
pub mod customers;
pub mod feedback_highlights;
pub mod feedback_spaces;
pub mod feedbacks;
pub mod folding;
pub mod insight_highlights;
pub mod insights;
pub mod issue_highlights;
pub mod issues;
pub mod organizations;
pub mod personas;
pub mod spaces;
pub mod vocabulary;

pub mod prelude;
