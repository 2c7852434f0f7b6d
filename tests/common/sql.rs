//! Rows written with raw SQL, past the entities: what a database held under
//! an older schema, before a migration under test runs.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, ExecResult, Value};

/// Inserts `rows` into `table` in one statement, panicking if it fails.
/// `columns` names the columns, comma-separated, in the order of every row's
/// values.
pub async fn insert(db: &DatabaseConnection, table: &str, columns: &str, rows: Vec<Vec<Value>>) {
    try_insert(db, table, columns, rows)
        .await
        .unwrap_or_else(|error| panic!("insert into {table}: {error}"));
}

/// [`insert`], answering what the database says (for a row it should refuse).
pub async fn try_insert(
    db: &DatabaseConnection,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Value>>,
) -> Result<ExecResult, DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(sea_orm::sea_query::Alias::new(table))
        .columns(
            columns
                .split(',')
                .map(|column| sea_orm::sea_query::Alias::new(column.trim())),
        );
    for row in rows {
        insert.values_panic(row.into_iter().map(Expr::val));
    }
    db.execute(&insert).await
}
