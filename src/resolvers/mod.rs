//! The resolver layer: typed queries and commands per resource, which both
//! faces call. A resolver takes the organization a request may touch (already
//! checked against its token) and arguments parsed by the face into the
//! store's types, and returns models and pages; the face parsed its input in
//! its own words (`page_size` in REST, `pageSize` in GraphQL) and shapes the
//! output. Relations read through the same DataLoaders as the graph, so a
//! REST sub-list runs the statement a nested GraphQL page runs.
//!
//! - [`PageArgs`]: a page request, checked under the face's names.
//! - [`customers`]: listing, reading, creating and updating customers, and a
//!   customer's child pages.
//! - [`feedbacks`]: an organization's feedbacks, filtered and sorted, one
//!   feedback with its highlights and spaces, recording and deleting
//!   feedback, and spaces with their feedbacks.
//! - [`cursors`]: cursor pages (Relay connections) of any list: checking a
//!   client's `first`/`after`/`last`/`before`, cutting the page, making
//!   cursors.
//! - [`children`]: any parent's pages of children, totals, averages and rows
//!   by uuid, through a request's batching loaders.
//! - [`organizations`]: an organization's row, its organization-wide lists
//!   and feedbacks with their totals, and the graph's other writes.

pub mod children;
pub mod cursors;
pub mod customers;
pub mod feedbacks;
pub mod organizations;

use crate::error::AppError;
use crate::store::keyset::{Rows, Window};

/// Page size when a client gives none.
pub const DEFAULT_PAGE_SIZE: i32 = 25;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Highest page number accepted: any page number a GraphQL `Int` holds (the
/// REST contract sets no bound). A page past the last is empty, and costs
/// what reading to the end of the list costs.
pub const MAX_PAGE_NUMBER: i32 = i32::MAX;

/// Validated page arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageArgs {
    /// Items per page, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: i32,
    /// Page number, from 1 to [`MAX_PAGE_NUMBER`].
    pub page_number: i32,
}

impl PageArgs {
    /// Checks a client's page size and number (named `names.0` and `names.1`
    /// in its face), applying the defaults.
    pub fn checked(
        page_size: Option<i32>,
        page_number: Option<i32>,
        (size_name, number_name): (&str, &str),
    ) -> Result<PageArgs, AppError> {
        let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(AppError::bad_parameter(
                size_name,
                format!("{size_name} must be an integer from 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        let page_number = page_number.unwrap_or(1);
        if !(1..=MAX_PAGE_NUMBER).contains(&page_number) {
            return Err(AppError::bad_parameter(
                number_name,
                format!("{number_name} must be an integer from 1 to {MAX_PAGE_NUMBER}"),
            ));
        }
        Ok(PageArgs {
            page_size,
            page_number,
        })
    }

    /// The rows this page covers.
    pub fn window(self) -> Window {
        Window {
            limit: self.page_size as u64,
            offset: (self.page_number as u64 - 1) * self.page_size as u64,
        }
    }
}

impl From<PageArgs> for Rows {
    fn from(page: PageArgs) -> Rows {
        Rows::Numbered(page.window())
    }
}
