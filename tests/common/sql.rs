//! Rows written with raw SQL, past the entities: what a database held under
//! an older schema, before a migration under test runs.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};

/// Inserts `rows` into `table` in one statement. `columns` names the columns,
/// comma-separated, in the order of every row's values.
pub async fn insert(db: &DatabaseConnection, table: &str, columns: &str, rows: Vec<Vec<Value>>) {
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
    db.execute(&insert)
        .await
        .unwrap_or_else(|error| panic!("insert into {table}: {error}"));
}
