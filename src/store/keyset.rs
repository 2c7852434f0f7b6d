//! Keyset pagination (the "seek method"): a page after or before a row is
//! read with a condition on the list's sort values, never with `OFFSET`, so
//! it costs what the first page costs and rows written meanwhile neither
//! repeat nor vanish.
//!
//! Every list is ordered by one sort column (which may hold NULLs, placed
//! first or last) and then by `uuid`, which is unique: a row's [`Position`]
//! (its sort value and uuid) is a total order, and "the rows after this
//! position" is a lexicographic condition written as an index range:
//!
//! ```text
//! sort >= v AND (sort > v OR uuid > u)      (ascending; `<` descending)
//! ```
//!
//! On a column that holds NULLs, the rows after a position fall in two runs,
//! values and NULLs, each its own range ([`Rows::statements`]). A page
//! *before* a position is read in the reverse order ([`Key::reversed`]) and
//! turned back.
//!
//! A cursor ([`encode_cursor`], [`decode_cursor`]) carries a position to
//! the client and back, with what it was made for (the list, the order, the
//! organization), as opaque URL-safe base64 text with a checksum.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::vocabulary::Direction;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, ModelTrait, QueryResult, Value};
use std::str::FromStr;
use uuid::Uuid;

use super::sql::Sql;

/// Which numbered page of a list (or of each parent's children) to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Rows per page.
    pub limit: u64,
    /// Rows skipped before the page.
    pub offset: u64,
}

/// A keyset page: up to `limit` rows after a position (the first rows
/// without one), or with `backward` the `limit` rows before it (the last
/// rows without one); either way answered in the list's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeysetPage {
    /// Most rows to read.
    pub limit: u64,
    /// The position the page starts after (or, backward, ends before).
    pub after: Option<Position>,
    /// Read the rows before the position rather than after it.
    pub backward: bool,
}

/// Which rows of a list to read: a numbered page, or a keyset page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rows {
    /// `LIMIT`/`OFFSET`, for page numbers.
    Numbered(Window),
    /// A keyset condition, for cursors.
    Keyset(KeysetPage),
}

impl Rows {
    /// The statements of a list, in the order they are to run: `prefix`
    /// (`SELECT c.… FROM … WHERE …`, its `WHERE` open, the list's table under
    /// alias `c`), then the keyset condition, `ORDER BY` `order` and
    /// `LIMIT`/`OFFSET`. When the rows after a position fall in two runs
    /// (values and NULLs), each run is a statement of its own, an index
    /// range read on its own: the second is needed only when the first
    /// leaves the page short ([`Rows::read`]).
    pub fn statements(&self, prefix: Sql, order: Order) -> Vec<Sql> {
        let (order, limit, offset, after) = match self {
            Rows::Numbered(window) => (order, window.limit, window.offset, None),
            Rows::Keyset(page) => {
                let order = if page.backward {
                    order.reversed()
                } else {
                    order
                };
                (order, page.limit, 0, page.after.as_ref())
            }
        };
        let tail = |sql: &mut Sql| {
            sql.push(&format!(" ORDER BY {} LIMIT ", order.order_by("c.")))
                .bind(limit as i64)
                .push(" OFFSET ")
                .bind(offset as i64);
        };
        let Some(position) = after else {
            let mut sql = prefix;
            tail(&mut sql);
            return vec![sql];
        };
        order
            .segments(position)
            .into_iter()
            .map(|segment| {
                let mut sql = prefix.clone();
                sql.push(" AND (");
                order.write_segment(&mut sql, "c.", segment);
                sql.push(")");
                tail(&mut sql);
                sql
            })
            .collect()
    }

    /// Reads the rows of a list (see [`Rows::statements`]) on `db`, in the
    /// list's order: a run's statement runs only while the page is short.
    pub async fn read<C: ConnectionTrait>(
        &self,
        db: &C,
        prefix: Sql,
        order: Order,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let limit = match self {
            Rows::Numbered(window) => window.limit,
            Rows::Keyset(page) => page.limit,
        } as usize;
        let mut read = Vec::new();
        for sql in self.statements(prefix, order) {
            read.extend(
                db.query_all_raw(sql.build(db.get_database_backend()))
                    .await?,
            );
            if read.len() >= limit {
                break;
            }
        }
        read.truncate(limit);
        Ok(self.in_order(read))
    }

    /// The rows the statements of [`Rows::statements`] read, in the
    /// list's order.
    fn in_order<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if matches!(self, Rows::Keyset(KeysetPage { backward: true, .. })) {
            rows.reverse();
        }
        rows
    }
}

/// A value of the column a list is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortValue {
    /// No value (a customer who never gave feedback has no last interaction).
    Null,
    /// An instant.
    Instant(DateTime<Utc>),
    /// An integer.
    Integer(i64),
    /// A text.
    Text(String),
}

impl SortValue {
    fn sql_value(&self) -> Value {
        match self {
            SortValue::Null => Value::String(None),
            SortValue::Instant(instant) => Value::from(*instant),
            SortValue::Integer(integer) => Value::from(*integer),
            SortValue::Text(text) => Value::from(text.clone()),
        }
    }
}

/// Where a row stands in its list's order: its sort value, then its uuid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    /// The row's value in the sort column.
    pub value: SortValue,
    /// The row's uuid, which breaks ties.
    pub uuid: Uuid,
}

/// Where a column's NULLs go in an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// The column holds none: the order says nothing of them, so that it is
    /// the order of the column's index (PostgreSQL walks an index only for
    /// the NULLs placement it was built with).
    Never,
    /// Before every value.
    First,
    /// After every value.
    Last,
}

/// One column of an order: its SQL expression, its direction, and where
/// its NULLs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The column's name (`feedback_date`); each statement qualifies it
    /// with its own alias.
    pub column: &'static str,
    /// Smallest or largest first.
    pub direction: Direction,
    /// Where its NULLs go.
    pub nulls: Nulls,
}

impl Key {
    /// A column without NULLs, in `direction`.
    pub const fn new(column: &'static str, direction: Direction) -> Key {
        Key {
            column,
            direction,
            nulls: Nulls::Never,
        }
    }

    /// The same column in the reverse order (NULLs move to the other end).
    pub fn reversed(self) -> Key {
        Key {
            column: self.column,
            direction: match self.direction {
                Direction::Asc => Direction::Desc,
                Direction::Desc => Direction::Asc,
            },
            nulls: match self.nulls {
                Nulls::Never => Nulls::Never,
                Nulls::First => Nulls::Last,
                Nulls::Last => Nulls::First,
            },
        }
    }

    /// `{alias}column DIRECTION [NULLS LAST|FIRST]`, for an `ORDER BY`.
    pub fn order_by(self, alias: &str) -> String {
        let nulls = match self.nulls {
            Nulls::Never => "",
            Nulls::First => " NULLS FIRST",
            Nulls::Last => " NULLS LAST",
        };
        format!("{alias}{} {}{nulls}", self.column, self.direction.sql())
    }

    /// `>` or `<`: the comparison that holds for a value after another.
    fn after_operator(self) -> &'static str {
        match self.direction {
            Direction::Asc => ">",
            Direction::Desc => "<",
        }
    }
}

/// A run of a list's rows after a position that one index range serves:
/// the rows with values, or the rows with none. An order over a column
/// that holds NULLs splits the rows after a position into two such runs;
/// written as one `OR`, neither could be read as an index range.
#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    /// Rows with a value, after `(value, uuid)` when given.
    Values(Option<(&'a SortValue, Uuid)>),
    /// Rows without a value, after `uuid` when given.
    Nulls(Option<Uuid>),
}

impl Order {
    /// The runs of rows strictly after `position`, in this order.
    fn segments(self, position: &Position) -> Vec<Segment<'_>> {
        let at = Some((&position.value, position.uuid));
        match (&position.value, self.sort.nulls) {
            (_, Nulls::Never) => vec![Segment::Values(at)],
            (SortValue::Null, Nulls::Last) => vec![Segment::Nulls(Some(position.uuid))],
            (SortValue::Null, Nulls::First) => {
                vec![Segment::Nulls(Some(position.uuid)), Segment::Values(None)]
            }
            (_, Nulls::Last) => vec![Segment::Values(at), Segment::Nulls(None)],
            (_, Nulls::First) => vec![Segment::Values(at)],
        }
    }

    /// Writes the condition of one run, its columns qualified by `alias`:
    /// `col >= v AND (col > v OR uuid > u)` (the first part is the index
    /// range the run starts at), `col IS NULL AND uuid > u`, and so on.
    fn write_segment(self, sql: &mut Sql, alias: &str, segment: Segment) {
        let column = format!("{alias}{}", self.sort.column);
        let uuid = format!("{alias}{}", self.uuid.column);
        let (sort_op, uuid_op) = (self.sort.after_operator(), self.uuid.after_operator());
        match segment {
            Segment::Values(Some((value, after))) => {
                sql.push(&format!("{column} {sort_op}= "))
                    .bind(value.sql_value())
                    .push(&format!(" AND ({column} {sort_op} "))
                    .bind(value.sql_value())
                    .push(&format!(" OR {uuid} {uuid_op} "))
                    .bind(after)
                    .push(")");
            }
            Segment::Values(None) => {
                sql.push(&format!("{column} IS NOT NULL"));
            }
            Segment::Nulls(Some(after)) => {
                sql.push(&format!("{column} IS NULL AND {uuid} {uuid_op} "))
                    .bind(after);
            }
            Segment::Nulls(None) => {
                sql.push(&format!("{column} IS NULL"));
            }
        }
    }
}

/// A list's order: its sort column, then its uuid column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// The sort column.
    pub sort: Key,
    /// The uuid column, which breaks ties.
    pub uuid: Key,
}

impl Order {
    /// The reverse order, for reading a page before a position.
    pub fn reversed(self) -> Order {
        Order {
            sort: self.sort.reversed(),
            uuid: self.uuid.reversed(),
        }
    }

    /// The order of a list by `sort`, ties broken by `uuid` in the sort's
    /// direction, so that one index on `(…, column, uuid)` serves the order
    /// walked either way; on a column that holds NULLs (the last
    /// interaction), ties go by ascending uuid, the order its index was
    /// declared in (`DESC NULLS LAST, uuid`).
    pub const fn of(sort: Key) -> Order {
        let uuid = match sort.nulls {
            Nulls::Never => sort.direction,
            Nulls::First | Nulls::Last => Direction::Asc,
        };
        Order::by(sort, uuid)
    }

    /// The order by the sort column then `uuid` in `uuid`'s direction.
    pub const fn by(sort: Key, uuid: Direction) -> Order {
        Order {
            sort,
            uuid: Key::new("uuid", uuid),
        }
    }

    /// True when `position` can stand in this order: its value is of the
    /// sort column's kind (an instant for `…_date` and `…_at` columns, an
    /// integer for counts and priorities, text otherwise; NULL only where
    /// the column holds NULLs) and a text holds no NUL. A cursor is checked
    /// against it, so an edited one is refused rather than sent to the
    /// database as a value of the wrong type.
    pub fn admits(self, position: &Position) -> bool {
        let column = self.sort.column;
        let instant = column.ends_with("_date") || column.ends_with("_at");
        let integer = matches!(column, "priority" | "feedback_count");
        match &position.value {
            SortValue::Null => self.sort.nulls != Nulls::Never,
            SortValue::Instant(_) => instant,
            SortValue::Integer(_) => integer,
            SortValue::Text(text) => !text.contains('\0') && !instant && !integer,
        }
    }

    /// Its name in a cursor's scope (`last_interacted_date:desc`).
    pub fn name(self) -> String {
        let direction = match self.sort.direction {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        };
        format!("{}:{direction}", self.sort.column)
    }

    /// The `ORDER BY` list (without the keywords), its columns qualified by `alias`.
    pub fn order_by(self, alias: &str) -> String {
        format!(
            "{}, {}",
            self.sort.order_by(alias),
            self.uuid.order_by(alias)
        )
    }
}

/// Where `model` stands in `order`: its value in the sort column and its
/// uuid, read by column name. A column the entity lacks, or a value of a
/// kind no list sorts by, is a bug.
pub fn position_of<M>(model: &M, order: Order) -> Position
where
    M: ModelTrait,
    <M::Entity as EntityTrait>::Column: FromStr,
{
    let read = |name: &str| {
        let column = <M::Entity as EntityTrait>::Column::from_str(name)
            .unwrap_or_else(|_| panic!("BUG: no column {name} to sort by"));
        model.get(column)
    };
    let value = match read(order.sort.column) {
        Value::ChronoDateTimeUtc(Some(instant)) => SortValue::Instant(instant),
        Value::String(Some(text)) => SortValue::Text(text.to_string()),
        Value::BigInt(Some(integer)) => SortValue::Integer(integer),
        Value::Int(Some(integer)) => SortValue::Integer(integer.into()),
        Value::ChronoDateTimeUtc(None)
        | Value::String(None)
        | Value::BigInt(None)
        | Value::Int(None) => SortValue::Null,
        other => panic!("BUG: no list sorts by {other:?}"),
    };
    let uuid = match read(order.uuid.column) {
        Value::Uuid(Some(uuid)) => uuid,
        other => panic!("BUG: a uuid column holds {other:?}"),
    };
    Position { value, uuid }
}

/// Which rows of a list a keyset page starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct Seek {
    /// The order the page is read in (the list's, or its reverse for a page
    /// before a position).
    pub order: Order,
    /// The position the page starts strictly after, in that order; `None`
    /// for the first rows.
    pub after: Option<Position>,
}

impl Seek {
    /// Writes ` AND (…)`, the rows strictly after the position (columns
    /// qualified by `alias`), when there is one.
    pub fn write(&self, sql: &mut Sql, alias: &str) {
        let Some(position) = &self.after else { return };
        sql.push(" AND (");
        for (index, segment) in self.order.segments(position).into_iter().enumerate() {
            sql.push(if index == 0 { "(" } else { " OR (" });
            self.order.write_segment(sql, alias, segment);
            sql.push(")");
        }
        sql.push(")");
    }
}

/// What a cursor was made for: a cursor is only good for the same list of
/// the same parent, in the same order, in the same organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorScope {
    /// The list, with its parent where it has one (`Customer.feedbacks:<uuid>`).
    pub list: String,
    /// The order (`last_interacted_date:desc`).
    pub order: String,
    /// The organization.
    pub organization: Uuid,
}

/// Why a cursor text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorRefusal {
    /// Not a cursor this server made.
    Malformed,
    /// Made for another list (or another parent's list).
    OtherList,
    /// Made for another order of this list.
    OtherOrder,
    /// Made in another organization.
    OtherOrganization,
}

impl CursorRefusal {
    /// Words that follow the input's name.
    pub fn problem(self) -> &'static str {
        match self {
            CursorRefusal::Malformed => "is not a cursor this server made",
            CursorRefusal::OtherList => "is a cursor of another list",
            CursorRefusal::OtherOrder => {
                "is a cursor made for another sort order: ask again with the sort it was made for, or start over"
            }
            CursorRefusal::OtherOrganization => "is a cursor of another organization",
        }
    }
}

/// The text a cursor's version starts with.
const CURSOR_VERSION: &str = "k1";

/// A row's position, made for one scope, as opaque URL-safe base64 text.
pub fn encode_cursor(scope: &CursorScope, position: &Position) -> String {
    let value = match &position.value {
        SortValue::Null => "n".to_owned(),
        SortValue::Instant(instant) => format!("t{}", instant.timestamp_micros()),
        SortValue::Integer(integer) => format!("i{integer}"),
        SortValue::Text(text) => format!("s{text}"),
    };
    // The value goes last: a text value may hold any character.
    let plain = format!(
        "{CURSOR_VERSION}\n{}\n{}\n{}\n{}\n{value}",
        scope.list,
        scope.order,
        scope.organization.simple(),
        position.uuid.simple()
    );
    let mut bytes = checksum(plain.as_bytes()).to_vec();
    bytes.extend_from_slice(plain.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Bytes of a cursor's checksum.
const CHECKSUM_BYTES: usize = 6;

/// The first bytes of the SHA-256 of a cursor's text: a cursor cut short or
/// edited by hand is refused rather than read as another position. (It
/// guards against accidents, not forgery: a forged cursor names a position
/// in the client's own organization, which it may read anyway.)
fn checksum(plain: &[u8]) -> [u8; CHECKSUM_BYTES] {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(plain);
    let mut sum = [0; CHECKSUM_BYTES];
    sum.copy_from_slice(&digest[..CHECKSUM_BYTES]);
    sum
}

/// The position `text` carries, if it is a cursor made for `scope`.
pub fn decode_cursor(text: &str, scope: &CursorScope) -> Result<Position, CursorRefusal> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .map_err(|_| CursorRefusal::Malformed)?;
    let (sum, plain) = bytes
        .split_at_checked(CHECKSUM_BYTES)
        .ok_or(CursorRefusal::Malformed)?;
    if sum != checksum(plain) {
        return Err(CursorRefusal::Malformed);
    }
    let plain = std::str::from_utf8(plain).map_err(|_| CursorRefusal::Malformed)?;
    let mut parts = plain.splitn(6, '\n');
    let mut next = || parts.next().ok_or(CursorRefusal::Malformed);
    let (version, list, order, organization, uuid, value) =
        (next()?, next()?, next()?, next()?, next()?, next()?);
    if version != CURSOR_VERSION {
        return Err(CursorRefusal::Malformed);
    }
    let organization = Uuid::parse_str(organization).map_err(|_| CursorRefusal::Malformed)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| CursorRefusal::Malformed)?;
    let value = match value.split_at_checked(1) {
        Some(("n", "")) => SortValue::Null,
        Some(("t", micros)) => micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .map(SortValue::Instant)
            .ok_or(CursorRefusal::Malformed)?,
        Some(("i", integer)) => {
            SortValue::Integer(integer.parse().map_err(|_| CursorRefusal::Malformed)?)
        }
        Some(("s", text)) => SortValue::Text(text.to_owned()),
        _ => return Err(CursorRefusal::Malformed),
    };
    if organization != scope.organization {
        return Err(CursorRefusal::OtherOrganization);
    }
    if list != scope.list {
        return Err(CursorRefusal::OtherList);
    }
    if order != scope.order {
        return Err(CursorRefusal::OtherOrder);
    }
    Ok(Position { value, uuid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DatabaseBackend;

    fn scope() -> CursorScope {
        CursorScope {
            list: "customers".to_owned(),
            order: "last_interacted_date:desc".to_owned(),
            organization: Uuid::from_u128(7),
        }
    }

    #[test]
    fn a_cursor_carries_its_position_back_for_its_own_scope_only() {
        let when = DateTime::from_timestamp_micros(1_740_823_200_123_456).expect("instant");
        for value in [
            SortValue::Null,
            SortValue::Instant(when),
            SortValue::Integer(-4),
            SortValue::Text("Zoë\nwith a line".to_owned()),
        ] {
            let position = Position {
                value,
                uuid: Uuid::from_u128(42),
            };
            let cursor = encode_cursor(&scope(), &position);
            assert!(
                cursor
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
            );
            assert_eq!(decode_cursor(&cursor, &scope()), Ok(position.clone()));
            let other = |change: fn(&mut CursorScope)| {
                let mut scope = scope();
                change(&mut scope);
                decode_cursor(&cursor, &scope)
            };
            assert_eq!(
                other(|s| s.list = "feedbacks".into()),
                Err(CursorRefusal::OtherList)
            );
            assert_eq!(
                other(|s| s.order = "full_name:asc".into()),
                Err(CursorRefusal::OtherOrder)
            );
            assert_eq!(
                other(|s| s.organization = Uuid::from_u128(8)),
                Err(CursorRefusal::OtherOrganization)
            );
        }
        for junk in [
            "",
            "!!",
            "a2V5",
            &URL_SAFE_NO_PAD.encode("k1\nx\ny\nz\nw\nq"),
        ] {
            assert_eq!(
                decode_cursor(junk, &scope()),
                Err(CursorRefusal::Malformed),
                "{junk}"
            );
        }
    }

    #[test]
    fn the_rows_after_a_position_honour_direction_and_nulls() {
        let order = Order::by(
            Key {
                column: "last_interacted_date",
                direction: Direction::Desc,
                nulls: Nulls::Last,
            },
            Direction::Asc,
        );
        let at = |value: SortValue| Seek {
            order,
            after: Some(Position {
                value,
                uuid: Uuid::nil(),
            }),
        };
        let text = |seek: Seek| {
            let mut sql = Sql::new("");
            seek.write(&mut sql, "c.");
            sql.build(DatabaseBackend::Sqlite).sql
        };
        assert_eq!(
            text(at(SortValue::Integer(3))),
            " AND ((c.last_interacted_date <= ? AND (c.last_interacted_date < ? OR c.uuid > ?)) OR (c.last_interacted_date IS NULL))"
        );
        assert_eq!(
            text(at(SortValue::Null)),
            " AND ((c.last_interacted_date IS NULL AND c.uuid > ?))"
        );
        // Backwards from a NULL: every value, then the NULLs before it.
        let back = Seek {
            order: order.reversed(),
            after: Some(Position {
                value: SortValue::Null,
                uuid: Uuid::nil(),
            }),
        };
        assert_eq!(
            text(back),
            " AND ((c.last_interacted_date IS NULL AND c.uuid < ?) OR (c.last_interacted_date IS NOT NULL))"
        );
        // A root list reads each run as its own index range.
        let page = Rows::Keyset(KeysetPage {
            limit: 3,
            after: Some(Position {
                value: SortValue::Integer(3),
                uuid: Uuid::nil(),
            }),
            backward: false,
        });
        let statements: Vec<String> = page
            .statements(
                Sql::new("SELECT c.* FROM customers c WHERE c.organization_uuid = 1"),
                order,
            )
            .into_iter()
            .map(|sql| sql.build(DatabaseBackend::Sqlite).sql)
            .collect();
        assert_eq!(
            statements,
            [
                "SELECT c.* FROM customers c WHERE c.organization_uuid = 1 AND \
                 (c.last_interacted_date <= ? AND (c.last_interacted_date < ? OR c.uuid > ?)) \
                 ORDER BY c.last_interacted_date DESC NULLS LAST, c.uuid ASC LIMIT ? OFFSET ?",
                "SELECT c.* FROM customers c WHERE c.organization_uuid = 1 AND \
                 (c.last_interacted_date IS NULL) ORDER BY c.last_interacted_date DESC NULLS LAST, \
                 c.uuid ASC LIMIT ? OFFSET ?"
            ]
        );
        assert_eq!(
            order.reversed().order_by("c."),
            "c.last_interacted_date ASC NULLS FIRST, c.uuid DESC"
        );
    }
}
