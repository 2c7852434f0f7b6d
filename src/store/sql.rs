//! Hand-written SQL that must run unchanged on SQLite and PostgreSQL.
//!
//! Statements are written with `?` placeholders and numbered for PostgreSQL
//! here; no client text is ever spliced into SQL, only bound.
//!
//! A set of uuids (`in_uuids`) is one array parameter on PostgreSQL
//! (`= ANY($n)`), so a statement's text, and with it the server's cached plan,
//! is the same whatever the number of values; SQLite gets `IN (?, ?, …)`.

use entity::folding::fold;
use sea_orm::sea_query::ArrayType;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use uuid::Uuid;

/// Stands in the text for an `in_uuids` set until the backend is known.
const UUID_SET: char = '\u{1}';
/// Stands before a column that SQLite must not look up by an index (see
/// [`Sql::unindexed`]).
const UNINDEXED: char = '\u{2}';

/// A statement under construction: SQL with `?` placeholders and their values.
#[derive(Debug, Default, Clone)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// Starts a statement.
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text (which must hold no `?`).
    pub fn push(&mut self, text: &str) -> &mut Sql {
        debug_assert!(
            !text.contains(['?', UUID_SET, UNINDEXED]),
            "BUG: bind values with `bind`, not text"
        );
        self.text.push_str(text);
        self
    }

    /// Appends one placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// Appends `column` (such as `p.organization_uuid`) so that SQLite does
    /// not pick an index for the condition it is in (`+column`, SQLite's
    /// documented way), and PostgreSQL reads it as written. For a tenancy
    /// test beside a primary-key lookup: statistics sampled before an
    /// organization grew can make SQLite's planner walk a covering
    /// `(organization_uuid, …, uuid)` index through all of the
    /// organization's rows rather than find the one row by its key.
    pub fn unindexed(&mut self, column: &str) -> &mut Sql {
        self.text.push(UNINDEXED);
        self.push(column)
    }

    /// Appends another statement's text and values.
    pub fn append(&mut self, other: Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.values.extend(other.values);
        self
    }

    /// Appends a membership test of the preceding expression in `uuids` (at
    /// least one): ` = ANY(?)` with one array on PostgreSQL, ` IN (?, …)` on
    /// SQLite.
    pub fn in_uuids(&mut self, uuids: impl IntoIterator<Item = Uuid>) -> &mut Sql {
        let set = uuid_array(uuids);
        debug_assert!(
            matches!(&set, Value::Array(_, Some(values)) if !values.is_empty()),
            "BUG: an empty uuid set"
        );
        self.text.push(UUID_SET);
        self.values.push(set);
        self
    }

    /// Runs this one-row query on `db` and reads the integer in `column`;
    /// no row reads as 0.
    pub async fn integer<C: ConnectionTrait>(self, db: &C, column: &str) -> Result<i64, DbErr> {
        match db
            .query_one_raw(self.build(db.get_database_backend()))
            .await?
        {
            Some(row) => row.try_get("", column),
            None => Ok(0),
        }
    }

    /// The statement for `backend`, placeholders numbered where it needs them.
    pub fn build(self, backend: DatabaseBackend) -> Statement {
        let postgres = backend == DatabaseBackend::Postgres;
        let mut text = String::with_capacity(self.text.len() + 16);
        let mut values = Vec::with_capacity(self.values.len());
        let mut bound = self.values.into_iter();
        for character in self.text.chars() {
            match character {
                UNINDEXED => {
                    if !postgres {
                        text.push('+');
                    }
                }
                '?' | UUID_SET => {
                    let value = bound.next().expect("BUG: a placeholder without a value");
                    match (character, postgres, value) {
                        (UUID_SET, false, Value::Array(_, Some(set))) => {
                            text.push_str(" IN (");
                            for (index, value) in set.into_iter().enumerate() {
                                if index > 0 {
                                    text.push_str(", ");
                                }
                                text.push('?');
                                values.push(value);
                            }
                            text.push(')');
                        }
                        (_, false, value) => {
                            text.push('?');
                            values.push(value);
                        }
                        (_, true, value) => {
                            values.push(value);
                            if character == UUID_SET {
                                text.push_str(" = ANY(");
                            }
                            text.push('$');
                            text.push_str(&values.len().to_string());
                            if character == UUID_SET {
                                text.push(')');
                            }
                        }
                    }
                }
                _ => text.push(character),
            }
        }
        Statement::from_sql_and_values(backend, text, values)
    }
}

/// `uuids` as one PostgreSQL `uuid[]` value.
pub fn uuid_array(uuids: impl IntoIterator<Item = Uuid>) -> Value {
    Value::Array(
        ArrayType::Uuid,
        Some(Box::new(uuids.into_iter().map(Value::from).collect())),
    )
}

/// A `LIKE` pattern matching `needle` anywhere in a folded column, with `%`,
/// `_` and the escape character itself taken literally (use with
/// `ESCAPE '\'`). The needle is folded by [`fold`], the rule every folded
/// column is written with, so the match ignores case in every alphabet on
/// both backends (and SQLite's ASCII-only case-insensitive `LIKE` never
/// matters: a folded text holds no ASCII capital).
pub fn contains_pattern(needle: &str) -> String {
    let needle = fold(needle);
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for character in needle.chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(1).push(" AND b = ").bind(2);
        let postgres = sql.clone().build(DatabaseBackend::Postgres);
        assert_eq!(postgres.sql, "SELECT 1 WHERE a = $1 AND b = $2");
        let sqlite = sql.build(DatabaseBackend::Sqlite);
        assert_eq!(sqlite.sql, "SELECT 1 WHERE a = ? AND b = ?");
    }

    #[test]
    fn an_unindexed_column_is_marked_for_sqlite_only() {
        let mut sql = Sql::new("SELECT 1 FROM t p WHERE p.uuid = ");
        sql.bind(1)
            .push(" AND ")
            .unindexed("p.organization_uuid")
            .push(" = ")
            .bind(2);
        let sqlite = sql.clone().build(DatabaseBackend::Sqlite).sql;
        assert_eq!(
            sqlite,
            "SELECT 1 FROM t p WHERE p.uuid = ? AND +p.organization_uuid = ?"
        );
        let postgres = sql.build(DatabaseBackend::Postgres).sql;
        assert_eq!(
            postgres,
            "SELECT 1 FROM t p WHERE p.uuid = $1 AND p.organization_uuid = $2"
        );
    }

    #[test]
    fn a_uuid_set_is_one_array_on_postgres_and_a_list_on_sqlite() {
        let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(1).push(" AND b").in_uuids([first, second]);
        sql.push(" LIMIT ").bind(3);
        let postgres = sql.clone().build(DatabaseBackend::Postgres);
        assert_eq!(
            postgres.sql,
            "SELECT 1 WHERE a = $1 AND b = ANY($2) LIMIT $3"
        );
        assert_eq!(
            postgres.values.as_ref().map(|values| values.0.len()),
            Some(3)
        );
        let sqlite = sql.build(DatabaseBackend::Sqlite);
        assert_eq!(sqlite.sql, "SELECT 1 WHERE a = ? AND b IN (?, ?) LIMIT ?");
        let values = sqlite.values.expect("values").0;
        assert_eq!(values[1], Value::from(first));
        assert_eq!(values[2], Value::from(second));
        assert_eq!(values[3], Value::from(3));
    }

    #[test]
    fn a_search_term_is_literal_and_folded_like_the_columns_it_is_matched_against() {
        for (term, pattern) in [
            ("50%_A\\b", "%50\\%\\_a\\\\b%"),
            ("ΚΩΣ", "%κωσ%"),
            ("STRAẞE", "%strasse%"),
            ("E\u{301}", "%\u{e9}%"),
        ] {
            assert_eq!(contains_pattern(term), pattern, "{term}");
        }
    }
}
