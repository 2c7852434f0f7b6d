//! Hand-written SQL that must run unchanged on SQLite and PostgreSQL.
//!
//! Statements are written with `?` placeholders and numbered for PostgreSQL
//! here; no client text is ever spliced into SQL, only bound.

use sea_orm::{DatabaseBackend, Statement, Value};

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
            !text.contains('?'),
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

    /// Appends `?, ?, …` bound to `values` (at least one).
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Sql {
        let mut first = true;
        for value in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(value);
        }
        debug_assert!(!first, "BUG: an empty IN list");
        self
    }

    /// The statement for `backend`, placeholders numbered where it needs them.
    pub fn build(self, backend: DatabaseBackend) -> Statement {
        let text = match backend {
            DatabaseBackend::Postgres => {
                let mut numbered = String::with_capacity(self.text.len() + 16);
                let mut index = 0;
                for character in self.text.chars() {
                    if character == '?' {
                        index += 1;
                        numbered.push('$');
                        numbered.push_str(&index.to_string());
                    } else {
                        numbered.push(character);
                    }
                }
                numbered
            }
            _ => self.text,
        };
        Statement::from_sql_and_values(backend, text, self.values)
    }
}

/// A `LIKE` pattern matching `needle` anywhere, lowercased, with `%`, `_` and
/// the escape character itself taken literally (use with `ESCAPE '\'`).
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for character in needle.to_lowercase().chars() {
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
        sql.bind(1).push(" AND b IN (").bind_list([2, 3]).push(")");
        let postgres = sql.clone().build(DatabaseBackend::Postgres);
        assert_eq!(postgres.sql, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        let sqlite = sql.build(DatabaseBackend::Sqlite);
        assert_eq!(sqlite.sql, "SELECT 1 WHERE a = ? AND b IN (?, ?)");
    }

    #[test]
    fn like_wildcards_in_a_search_are_literal() {
        assert_eq!(contains_pattern("50%_A\\b"), "%50\\%\\_a\\\\b%");
    }
}
