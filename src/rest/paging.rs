//! How a REST list is paged: by `page_number` (the contract's way), or by
//! `cursor`, the `next_cursor` a previous page answered (a keyset page: rows
//! written meanwhile neither repeat nor vanish, and a deep page costs what
//! the first costs). Every list answer carries `next_cursor`, null on the
//! last page, whichever way it was asked for.

use sea_orm::{EntityTrait, ModelTrait};
use std::str::FromStr;

use super::RestError;
use super::params::integer;
use crate::error::AppError;
use crate::resolvers::cursors::{CursorArgs, CursorNames, CursorPage, ListOf};
use crate::resolvers::{MAX_PAGE_NUMBER, MAX_PAGE_SIZE, PageArgs};
use crate::store::keyset::Rows;

/// What REST calls the cursor arguments: a page of `page_size` rows after
/// `cursor` (REST pages forward only).
const REST_NAMES: CursorNames = CursorNames {
    first: "page_size",
    after: "cursor",
    last: "last",
    before: "before",
};

/// The page `page_size` and `page_number` ask for.
pub fn page_args(
    page_size: Option<&str>,
    page_number: Option<&str>,
) -> Result<PageArgs, RestError> {
    let page_size = integer("page_size", page_size, 1..=MAX_PAGE_SIZE)?;
    let page_number = integer("page_number", page_number, 1..=MAX_PAGE_NUMBER)?;
    Ok(PageArgs::checked(
        page_size,
        page_number,
        ("page_size", "page_number"),
    )?)
}

/// How a list route was asked to page.
#[derive(Debug, Clone)]
pub enum Paging {
    /// `page_size` and `page_number`.
    Numbered(PageArgs),
    /// `page_size` rows after `cursor`.
    Cursor {
        /// `page_size`, already checked.
        size: i32,
        /// `cursor`, as sent.
        cursor: String,
    },
}

impl Paging {
    /// Reads `page_size`, `page_number` and `cursor`: a cursor with a page
    /// number is a 400 naming `cursor`.
    pub fn read(
        page_size: Option<&str>,
        page_number: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Paging, RestError> {
        let page = page_args(page_size, page_number)?;
        match cursor {
            None => Ok(Paging::Numbered(page)),
            Some(_) if page_number.is_some() => Err(AppError::bad_parameter(
                "cursor",
                "cursor cannot be used with page_number: a cursor names where its page starts",
            )
            .into()),
            Some(cursor) => Ok(Paging::Cursor {
                size: page.page_size,
                cursor: cursor.to_owned(),
            }),
        }
    }

    /// The plan of reading `list` this way: a cursor is checked here (a 400
    /// naming `cursor` when it is not one of this list, order and
    /// organization).
    pub fn plan(self, list: ListOf) -> Result<Plan, RestError> {
        let way = match self {
            Paging::Numbered(page) => Way::Numbered(page),
            Paging::Cursor { size, cursor } => {
                let args = CursorArgs {
                    first: Some(size),
                    after: Some(cursor),
                    ..CursorArgs::default()
                };
                Way::Cursor(CursorPage::checked(args, &REST_NAMES, list.clone())?)
            }
        };
        Ok(Plan { list, way })
    }
}

#[derive(Debug, Clone)]
enum Way {
    Numbered(PageArgs),
    Cursor(CursorPage),
}

/// A list page to read: which rows, and how to answer them.
#[derive(Debug, Clone)]
pub struct Plan {
    list: ListOf,
    way: Way,
}

/// The rows of a page and the `next_cursor` that continues after them.
#[derive(Debug)]
pub struct Paged<M> {
    /// The page's rows, in the list's order.
    pub rows: Vec<M>,
    /// The cursor of the page's last row when rows follow it; `None` on the
    /// last page.
    pub next_cursor: Option<String>,
}

impl Plan {
    /// The rows to read.
    pub fn rows(&self) -> Rows {
        match &self.way {
            Way::Numbered(page) => (*page).into(),
            Way::Cursor(page) => page.rows(),
        }
    }

    /// The page of `rows` (read with [`Plan::rows`]) of a list of `total`
    /// rows, with its `next_cursor`.
    pub fn finish<M>(&self, rows: Vec<M>, total: i64) -> Paged<M>
    where
        M: ModelTrait,
        <M::Entity as EntityTrait>::Column: FromStr,
    {
        let (rows, more) = match &self.way {
            Way::Numbered(page) => {
                let seen = i64::from(page.page_number) * i64::from(page.page_size);
                (rows, seen < total)
            }
            Way::Cursor(page) => {
                let cut = page.cut(rows);
                (cut.rows, cut.has_next_page)
            }
        };
        let next_cursor = match rows.last() {
            Some(last) if more => Some(self.list.cursor(last)),
            _ => None,
        };
        Paged { rows, next_cursor }
    }
}
