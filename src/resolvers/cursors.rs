//! Cursor pages, as the Relay connection specification defines them
//! (<https://relay.dev/graphql/connections.htm>): `first` rows after a
//! cursor, or `last` rows before one, read as keyset pages
//! ([`crate::store::keyset`]). Both faces check a client's cursor arguments
//! here, under their own names, and make the cursors they answer here, so a
//! cursor one face answers is good on the other for the same list.
//!
//! A cursor is good only for the list it was made for (with its parent, for
//! a nested list), in the same order, in the same organization; anything
//! else is refused naming the argument, never answered with a wrong page.

use sea_orm::{EntityTrait, ModelTrait};
use std::str::FromStr;
use uuid::Uuid;

use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::AppError;
use crate::store::keyset::{
    CursorRefusal, CursorScope, KeysetPage, Order, Position, Rows, decode_cursor, encode_cursor,
    position_of,
};

/// A client's cursor arguments, as its face read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CursorArgs {
    /// Rows after `after` (1 to 100).
    pub first: Option<i32>,
    /// The cursor the page starts after.
    pub after: Option<String>,
    /// Rows before `before` (1 to 100).
    pub last: Option<i32>,
    /// The cursor the page ends before.
    pub before: Option<String>,
}

/// What a face calls the cursor arguments, so that a refusal names the one
/// the client wrote.
#[derive(Debug, Clone, Copy)]
pub struct CursorNames {
    /// `first` (GraphQL) or `page_size` (REST).
    pub first: &'static str,
    /// `after` (GraphQL) or `cursor` (REST).
    pub after: &'static str,
    /// `last`.
    pub last: &'static str,
    /// `before`.
    pub before: &'static str,
}

/// Which list a cursor belongs to: its name, the parent it hangs from (for
/// a nested list), the organization and the order.
#[derive(Debug, Clone)]
pub struct ListOf {
    /// The list's name, shared by both faces (`customers`, `customer_feedbacks`).
    pub name: &'static str,
    /// The parent of a nested list.
    pub parent: Option<Uuid>,
    /// The tenant.
    pub organization: Uuid,
    /// The list's order.
    pub order: Order,
}

impl ListOf {
    fn scope(&self) -> CursorScope {
        let list = match self.parent {
            Some(parent) => format!("{}:{}", self.name, parent.simple()),
            None => self.name.to_owned(),
        };
        CursorScope {
            list,
            order: self.order.name(),
            organization: self.organization,
        }
    }
}

/// A checked cursor request: how many rows, from which position, which way.
#[derive(Debug, Clone)]
pub struct CursorPage {
    list: ListOf,
    size: u64,
    after: Option<Position>,
    backward: bool,
}

/// One cursor page's rows and whether there are rows beyond it either way.
#[derive(Debug, Clone)]
pub struct Sliced<M> {
    /// The rows, in the list's order.
    pub rows: Vec<M>,
    /// Rows follow the last one.
    pub has_next_page: bool,
    /// Rows precede the first one (for a page read forward: it started
    /// after a cursor).
    pub has_previous_page: bool,
}

fn bad(name: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::bad_parameter(name, format!("{name} {problem}"))
}

impl CursorPage {
    /// Checks `args` for `list`: `first` or `last` from 1 to 100 (25 rows
    /// forward when neither is given), not both; `after` goes with `first`,
    /// `before` with `last`; each cursor must be one made for this list, in
    /// this order and organization. A refusal names the argument in `names`.
    pub fn checked(
        args: CursorArgs,
        names: &CursorNames,
        list: ListOf,
    ) -> Result<CursorPage, AppError> {
        let forward = args.first.is_some() || args.after.is_some();
        let backward = args.last.is_some() || args.before.is_some();
        if forward && backward {
            let name = if args.last.is_some() {
                names.last
            } else {
                names.before
            };
            return Err(bad(
                name,
                format!(
                    "cannot be used with {} or {}: page forward with {} and {}, or backward with {} and {}",
                    names.first, names.after, names.first, names.after, names.last, names.before
                ),
            ));
        }
        let (count, count_name, cursor, cursor_name) = match backward {
            true => (args.last, names.last, args.before, names.before),
            false => (args.first, names.first, args.after, names.after),
        };
        let size = count.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(bad(
                count_name,
                format!("must be an integer from 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        let after = cursor
            .map(|text| {
                let position = decode_cursor(&text, &list.scope())?;
                match list.order.admits(&position) {
                    true => Ok(position),
                    false => Err(CursorRefusal::Malformed),
                }
            })
            .transpose()
            .map_err(|refusal| bad(cursor_name, refusal.problem()))?;
        Ok(CursorPage {
            list,
            size: size as u64,
            after,
            backward,
        })
    }

    /// The rows to read: one more than the page holds, which tells whether
    /// more follow.
    pub fn rows(&self) -> Rows {
        Rows::Keyset(KeysetPage {
            limit: self.size + 1,
            after: self.after.clone(),
            backward: self.backward,
        })
    }

    /// The page of `rows` (read with [`CursorPage::rows`], in the list's
    /// order), and whether rows lie beyond it.
    pub fn cut<M>(&self, mut rows: Vec<M>) -> Sliced<M> {
        let more = rows.len() as u64 > self.size;
        let started_at_cursor = self.after.is_some();
        if more {
            match self.backward {
                // Read backward, the extra row is the farthest from the cursor.
                true => drop(rows.remove(0)),
                false => rows.truncate(self.size as usize),
            }
        }
        let (has_next_page, has_previous_page) = match self.backward {
            true => (started_at_cursor, more),
            false => (more, started_at_cursor),
        };
        Sliced {
            rows,
            has_next_page,
            has_previous_page,
        }
    }

    /// The list this page reads.
    pub fn list(&self) -> &ListOf {
        &self.list
    }
}

impl ListOf {
    /// The cursor of `model`, a row of this list.
    pub fn cursor<M>(&self, model: &M) -> String
    where
        M: ModelTrait,
        <M::Entity as EntityTrait>::Column: FromStr,
    {
        encode_cursor(&self.scope(), &position_of(model, self.order))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keyset::{Key, SortValue};
    use entity::vocabulary::Direction;

    const NAMES: CursorNames = CursorNames {
        first: "first",
        after: "after",
        last: "last",
        before: "before",
    };

    fn list(name: &'static str) -> ListOf {
        ListOf {
            name,
            parent: None,
            organization: Uuid::from_u128(1),
            order: Order::by(Key::new("title", Direction::Asc), Direction::Asc),
        }
    }

    fn cursor(list: &ListOf, uuid: u128) -> String {
        let position = Position {
            value: SortValue::Text("t".to_owned()),
            uuid: Uuid::from_u128(uuid),
        };
        encode_cursor(&list.scope(), &position)
    }

    fn refused(args: CursorArgs) -> Option<String> {
        CursorPage::checked(args, &NAMES, list("insights"))
            .err()
            .and_then(|error| error.parameter().map(str::to_owned))
    }

    #[test]
    fn cursor_arguments_are_refused_naming_the_argument() {
        let theirs = cursor(&list("issues"), 1);
        for (args, name) in [
            (
                CursorArgs {
                    first: Some(0),
                    ..Default::default()
                },
                "first",
            ),
            (
                CursorArgs {
                    last: Some(101),
                    ..Default::default()
                },
                "last",
            ),
            (
                CursorArgs {
                    first: Some(2),
                    last: Some(2),
                    ..Default::default()
                },
                "last",
            ),
            (
                CursorArgs {
                    after: Some(cursor(&list("insights"), 1)),
                    before: Some("x".into()),
                    ..Default::default()
                },
                "before",
            ),
            (
                CursorArgs {
                    after: Some("not a cursor".into()),
                    ..Default::default()
                },
                "after",
            ),
            (
                CursorArgs {
                    before: Some(theirs),
                    ..Default::default()
                },
                "before",
            ),
        ] {
            assert_eq!(refused(args.clone()).as_deref(), Some(name), "{args:?}");
        }
        assert_eq!(
            refused(CursorArgs::default()),
            None,
            "25 rows forward by default"
        );
    }

    #[test]
    fn a_page_is_cut_to_its_size_and_knows_what_lies_beyond() {
        let page =
            |args: CursorArgs| CursorPage::checked(args, &NAMES, list("insights")).expect("valid");
        let mine = cursor(&list("insights"), 9);
        let forward = page(CursorArgs {
            first: Some(2),
            after: Some(mine.clone()),
            ..Default::default()
        });
        let cut = forward.cut(vec![1, 2, 3]);
        assert_eq!(
            (cut.rows, cut.has_next_page, cut.has_previous_page),
            (vec![1, 2], true, true)
        );
        let last = page(CursorArgs {
            first: Some(2),
            ..Default::default()
        })
        .cut(vec![1, 2]);
        assert_eq!(
            (last.rows, last.has_next_page, last.has_previous_page),
            (vec![1, 2], false, false)
        );
        // Backward, the extra row is the first in the list's order.
        let backward = page(CursorArgs {
            last: Some(2),
            before: Some(mine),
            ..Default::default()
        });
        let cut = backward.cut(vec![1, 2, 3]);
        assert_eq!(
            (cut.rows, cut.has_next_page, cut.has_previous_page),
            (vec![2, 3], true, true)
        );
        assert!(matches!(
            backward.rows(),
            Rows::Keyset(KeysetPage {
                limit: 3,
                backward: true,
                ..
            })
        ));
    }
}
