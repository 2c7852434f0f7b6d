//! Customers: filtered, sorted, paginated listing and the writes, each
//! confined to one organization.

use entity::folding::fold;
use entity::{customer_companies, customers, personas};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter, QueryResult, TransactionTrait,
};
use uuid::Uuid;

use super::keyset::{Key, Nulls, Order, Rows};
use super::relations::Direction;
use super::sql::{Sql, contains_pattern};
use crate::error::Reference;
use crate::error::{AppError, is_unique_violation};
use crate::validation::{Email, Name, ShortText};

pub use entity::vocabulary::CustomerSort;

/// Which customers to list; every given condition must hold.
// Declared once: GraphQL reads it as the `CustomerFilter` input, REST from
// its query parameters (`uuids`, `company_uuids`, `personas`, …); the limits
// of each part are checked by `resolvers::customers::check_filter`.
#[derive(Debug, Clone, Default, PartialEq, async_graphql::InputObject)]
pub struct CustomerFilter {
    /// Only these customers.
    pub uuids: Option<Vec<Uuid>>,
    /// Only customers of these companies.
    pub company_uuids: Option<Vec<Uuid>>,
    /// Only customers of these personas.
    pub persona_uuids: Option<Vec<Uuid>>,
    /// Substring of the full name or email, ignoring case in every alphabet (Unicode case folding; `%` and `_` are literal).
    // Both sides are folded by [`fold`], composed or decomposed alike.
    pub search: Option<String>,
    /// At least this many feedbacks.
    pub min_feedback_count: Option<i32>,
    /// Mean highlight sentiment at least this (-1 to 1).
    pub min_average_sentiment: Option<f64>,
    /// Mean highlight sentiment at most this (-1 to 1).
    pub max_average_sentiment: Option<f64>,
}

impl CustomerFilter {
    /// True when a list condition is present but empty, so nothing can match.
    fn matches_nothing(&self) -> bool {
        [&self.uuids, &self.company_uuids, &self.persona_uuids]
            .iter()
            .any(|list| list.as_ref().is_some_and(Vec::is_empty))
    }

    /// True when no condition is present: every customer matches.
    fn matches_everyone(&self) -> bool {
        let Self {
            uuids,
            company_uuids,
            persona_uuids,
            search,
            min_feedback_count,
            min_average_sentiment,
            max_average_sentiment,
        } = self;
        uuids.is_none()
            && company_uuids.is_none()
            && persona_uuids.is_none()
            && search.as_deref().is_none_or(str::is_empty)
            && min_feedback_count.is_none()
            && min_average_sentiment.is_none()
            && max_average_sentiment.is_none()
    }

    fn write_where(&self, sql: &mut Sql, organization: Uuid) {
        self.write_where_joined(sql, organization, "");
    }

    /// [`Self::write_where`] with `joins` after the customers table.
    fn write_where_joined(&self, sql: &mut Sql, organization: Uuid, joins: &str) {
        sql.push(&format!(
            " FROM customers c{joins} WHERE c.organization_uuid = "
        ))
        .bind(organization);
        for (column, list) in [
            ("c.uuid", &self.uuids),
            ("c.customer_company_uuid", &self.company_uuids),
            ("c.persona_uuid", &self.persona_uuids),
        ] {
            if let Some(list) = list {
                sql.push(&format!(" AND {column}"))
                    .in_uuids(list.iter().copied());
            }
        }
        if let Some(search) = self.search.as_deref().filter(|search| !search.is_empty()) {
            let pattern = contains_pattern(search);
            sql.push(" AND c.search_text LIKE ")
                .bind(pattern)
                .push(" ESCAPE '\\'");
        }
        if let Some(minimum) = self.min_feedback_count {
            sql.push(" AND c.feedback_count >= ")
                .bind(i64::from(minimum));
        }
        if self.min_average_sentiment.is_some() || self.max_average_sentiment.is_some() {
            sql.push(
                " AND c.uuid IN (SELECT h.customer_uuid FROM feedback_highlights h \
                 WHERE h.organization_uuid = ",
            )
            .bind(organization)
            .push(" GROUP BY h.customer_uuid HAVING 1 = 1");
            if let Some(minimum) = self.min_average_sentiment {
                sql.push(" AND AVG(h.sentiment_score) >= ")
                    .bind(minimum - super::relations::MEAN_TOLERANCE);
            }
            if let Some(maximum) = self.max_average_sentiment {
                sql.push(" AND AVG(h.sentiment_score) <= ")
                    .bind(maximum + super::relations::MEAN_TOLERANCE);
            }
            sql.push(")");
        }
    }
}

/// What a listed customer brings along when the client asked for it: its
/// company and persona, read in the listing statement itself rather than in
/// one more statement each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Along {
    /// Read the customer's company.
    pub company: bool,
    /// Read the customer's persona.
    pub persona: bool,
}

/// A customer of a list, with what was read along with it: `None` when it
/// was not asked for, `Some(None)` when the customer has none.
#[derive(Debug, Clone, Default)]
pub struct Related {
    /// The customer's company.
    pub company: Option<Option<customer_companies::Model>>,
    /// The customer's persona.
    pub persona: Option<Option<personas::Model>>,
}

/// Writes `, alias.column AS alias_column` for every column of `E`.
fn write_prefixed<E: EntityTrait>(sql: &mut Sql, alias: &str) {
    for column in E::Column::iter() {
        let name = column.as_str();
        sql.push(&format!(", {alias}.{name} AS {alias}_{name}"));
    }
}

/// The row of `E` read under `alias`, if the join found one.
fn read_prefixed<M: FromQueryResult>(
    row: &QueryResult,
    alias: &str,
    read: bool,
) -> Result<Option<Option<M>>, AppError> {
    if !read {
        return Ok(None);
    }
    Ok(Some(M::from_query_result_optional(
        row,
        &format!("{alias}_"),
    )?))
}

/// The order of a customer list: by `sort` in `direction`, ties broken by
/// uuid ([`Order::of`]). Customers who never gave feedback come last in
/// either direction of `last_interacted_date`.
pub fn order(sort: CustomerSort, direction: Direction) -> Order {
    let nulls = match sort {
        CustomerSort::LastInteractedDate => Nulls::Last,
        _ => Nulls::Never,
    };
    let key = Key {
        column: sort.column(),
        direction,
        nulls,
    };
    Order::of(key)
}

/// The organization's customers matching `filter` that `rows` asks for, in
/// the order of `sort` and `direction`, with what `along` asks for.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &CustomerFilter,
    sort: CustomerSort,
    direction: Direction,
    rows: &Rows,
    along: Along,
) -> Result<Vec<(customers::Model, Related)>, AppError> {
    if filter.matches_nothing() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT c.*");
    let mut joins = String::new();
    // Joined on the customer's organization too: a customer never points
    // elsewhere (writes check it), and a join must not be the first place
    // where that would show.
    if along.company {
        write_prefixed::<customer_companies::Entity>(&mut sql, "co");
        joins.push_str(
            " LEFT JOIN customer_companies co ON co.uuid = c.customer_company_uuid \
             AND co.organization_uuid = c.organization_uuid",
        );
    }
    if along.persona {
        write_prefixed::<personas::Entity>(&mut sql, "pe");
        joins.push_str(
            " LEFT JOIN personas pe ON pe.uuid = c.persona_uuid \
             AND pe.organization_uuid = c.organization_uuid",
        );
    }
    filter.write_where_joined(&mut sql, organization, &joins);
    let read = rows.read(db, sql, order(sort, direction)).await?;
    read.iter()
        .map(|row| {
            let customer = customers::Model::from_query_result(row, "")?;
            let related = Related {
                company: read_prefixed(row, "co", along.company)?,
                persona: read_prefixed(row, "pe", along.persona)?,
            };
            Ok((customer, related))
        })
        .collect()
}

/// How many customers match `filter`.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn count(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &CustomerFilter,
) -> Result<i64, AppError> {
    if filter.matches_nothing() {
        return Ok(0);
    }
    if filter.matches_everyone() {
        // The stored total: one row, however many customers there are.
        return Ok(super::organizations::customer_count(db, organization).await?);
    }
    let mut sql = Sql::new("SELECT COUNT(*) AS total");
    filter.write_where(&mut sql, organization);
    Ok(sql.integer(db, "total").await?)
}

/// The customer, if it exists in this organization.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn find(
    db: &DatabaseConnection,
    organization: Uuid,
    uuid: Uuid,
) -> Result<Option<customers::Model>, AppError> {
    Ok(customers::Entity::find_by_id(uuid)
        .filter(customers::Column::OrganizationUuid.eq(organization))
        .one(db)
        .await?)
}

/// A customer to create.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// Full name (required).
    pub full_name: Name,
    /// Email, unique in the organization (required).
    pub email: Email,
    /// Job role.
    pub role: Option<ShortText>,
    /// A persona of the same organization.
    pub persona_uuid: Option<Uuid>,
    /// A company of the same organization.
    pub customer_company_uuid: Option<Uuid>,
}

/// What customer search matches against: the full name and the email,
/// folded by [`fold`] (Unicode full case folding, in Rust) rather than by
/// SQL, whose `LOWER()` folds ASCII only on SQLite and follows the locale on
/// PostgreSQL. Search terms are folded by the same rule
/// ([`contains_pattern`]).
pub fn search_text(full_name: &str, email: &str) -> String {
    fold(&format!("{full_name} {email}"))
}

/// Changes to a customer: `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    /// New full name.
    pub full_name: Option<Name>,
    /// New email.
    pub email: Option<Email>,
    /// New or cleared role.
    pub role: Option<Option<ShortText>>,
    /// New or cleared persona.
    pub persona_uuid: Option<Option<Uuid>>,
    /// New or cleared company.
    pub customer_company_uuid: Option<Option<Uuid>>,
}

async fn check_references<C: ConnectionTrait>(
    db: &C,
    organization: Uuid,
    persona: Option<Uuid>,
    company: Option<Uuid>,
) -> Result<(), AppError> {
    check_reference(db, organization, Reference::Persona, persona).await?;
    check_reference(db, organization, Reference::CustomerCompany, company).await
}

/// Fails with [`AppError::UnknownReference`] unless the organization has
/// the row `uuid` names (when it names one).
pub(super) async fn check_reference<C: ConnectionTrait>(
    db: &C,
    organization: Uuid,
    reference: Reference,
    uuid: Option<Uuid>,
) -> Result<(), AppError> {
    let Some(uuid) = uuid else { return Ok(()) };
    let table = match reference {
        Reference::Persona => "personas",
        Reference::CustomerCompany => "customer_companies",
        Reference::Highlight => "feedback_highlights",
        Reference::Customer => "customers",
        Reference::Feedback => "feedbacks",
        Reference::Space => "spaces",
    };
    let mut sql = Sql::new(&format!(
        "SELECT COUNT(*) AS found FROM {table} WHERE uuid = "
    ));
    sql.bind(uuid)
        .push(" AND organization_uuid = ")
        .bind(organization);
    match sql.integer(db, "found").await? {
        0 => Err(AppError::UnknownReference { reference, uuid }),
        _ => Ok(()),
    }
}

fn duplicate_email(error: sea_orm::DbErr, email: &str) -> AppError {
    if is_unique_violation(&error) {
        AppError::Conflict(format!(
            "a customer with email {email} already exists in this organization"
        ))
    } else {
        error.into()
    }
}

/// Creates a customer after validating every field.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn create(
    db: &DatabaseConnection,
    organization: Uuid,
    new: NewCustomer,
) -> Result<customers::Model, AppError> {
    let full_name = new.full_name.into_inner();
    let email = new.email.into_inner();
    let role = new.role.map(ShortText::into_inner);
    check_references(
        db,
        organization,
        new.persona_uuid,
        new.customer_company_uuid,
    )
    .await?;
    let now = super::now();
    let search = search_text(&full_name, &email);
    let txn = db.begin().await?;
    let customer = customers::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        full_name: Set(full_name),
        email: Set(email.clone()),
        role: Set(role),
        persona_uuid: Set(new.persona_uuid),
        customer_company_uuid: Set(new.customer_company_uuid),
        last_interacted_date: Set(None),
        feedback_count: Set(0),
        search_text: Set(search),
        email_folded: Set(fold(&email)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await
    .map_err(|error| duplicate_email(error, &email))?;
    super::organizations::add_customers(&txn, organization, 1).await?;
    txn.commit().await?;
    Ok(customer)
}

/// What an update requires of the customer's version before it writes: the
/// test gets the version the customer has when the update holds it (no
/// other write can land in between). `None` requires nothing.
pub type Precondition<'a> = Option<&'a VersionTest<'a>>;

/// A test of a customer's version (true: the update may go ahead).
pub type VersionTest<'a> = dyn Fn(i32) -> bool + Send + Sync + 'a;

/// Applies `changes` to a customer of this organization and adds 1 to its
/// version, if `precondition` holds for the version it has; otherwise
/// answers [`AppError::PreconditionFailed`] with that version and writes
/// nothing. Changes that change nothing write nothing either (the version
/// and `updated_at` stay), but the precondition is still checked. Answers
/// the customer as it now is, and whether anything changed.
///
/// One transaction on both backends: its first statement bumps the version
/// of the row, which takes the row's write lock (PostgreSQL) or the
/// database's (SQLite, where a transaction that writes first never has to
/// upgrade a read lock); the row is then read, checked and written under that
/// lock. So concurrent updates queue instead of overwriting each other: every
/// update without a precondition lands, with only its own fields, and of 50
/// concurrent updates expecting the same version exactly one wins.
#[tracing::instrument(level = "debug", skip(db, precondition))]
pub async fn update(
    db: &DatabaseConnection,
    organization: Uuid,
    uuid: Uuid,
    changes: CustomerChanges,
    precondition: Precondition<'_>,
) -> Result<(customers::Model, bool), AppError> {
    let full_name = changes.full_name.map(Name::into_inner);
    let email = changes.email.map(Email::into_inner);
    let role = changes.role.map(|role| role.map(ShortText::into_inner));
    check_references(
        db,
        organization,
        changes.persona_uuid.flatten(),
        changes.customer_company_uuid.flatten(),
    )
    .await?;
    let txn = db.begin().await?;
    let locked = customers::Entity::update_many()
        .col_expr(
            customers::Column::Version,
            Expr::col(customers::Column::Version).add(1),
        )
        .filter(customers::Column::Uuid.eq(uuid))
        .filter(customers::Column::OrganizationUuid.eq(organization))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(AppError::NotFound("customer"));
    }
    let mut current = customers::Entity::find_by_id(uuid)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("customer"))?;
    current.version -= 1;
    if precondition.is_some_and(|holds| !holds(current.version)) {
        return Err(AppError::PreconditionFailed {
            current_version: current.version,
        });
    }
    let mut next = current.clone();
    if let Some(full_name) = full_name {
        next.full_name = full_name;
    }
    if let Some(email) = email {
        next.email = email;
    }
    if let Some(role) = role {
        next.role = role;
    }
    if let Some(persona) = changes.persona_uuid {
        next.persona_uuid = persona;
    }
    if let Some(company) = changes.customer_company_uuid {
        next.customer_company_uuid = company;
    }
    if next == current {
        // Dropping the transaction rolls the version back.
        return Ok((current, false));
    }
    next.search_text = search_text(&next.full_name, &next.email);
    next.email_folded = fold(&next.email);
    next.updated_at = super::now();
    next.version = current.version + 1;
    customers::Entity::update_many()
        .set(customers::ActiveModel {
            full_name: Set(next.full_name.clone()),
            email: Set(next.email.clone()),
            role: Set(next.role.clone()),
            persona_uuid: Set(next.persona_uuid),
            customer_company_uuid: Set(next.customer_company_uuid),
            search_text: Set(next.search_text.clone()),
            email_folded: Set(next.email_folded.clone()),
            updated_at: Set(next.updated_at),
            ..Default::default()
        })
        .filter(customers::Column::Uuid.eq(uuid))
        .exec(&txn)
        .await
        .map_err(|error| duplicate_email(error, &next.email))?;
    txn.commit().await?;
    Ok((next, true))
}

/// What deleting a customer removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDeleted {
    /// The customer.
    pub uuid: Uuid,
    /// Its feedbacks, deleted with it.
    pub feedbacks: Vec<Uuid>,
}

/// Deletes a customer of this organization with its feedbacks, their
/// highlights, the highlights' links to insights and issues and the
/// feedbacks' places in spaces, in one transaction, if `precondition` holds
/// for the version the customer has (otherwise
/// [`AppError::PreconditionFailed`] with that version, and nothing is
/// deleted). Like [`update`], its first statement takes the customer's row
/// (PostgreSQL) or the database's (SQLite) write lock, so a concurrent
/// update or feedback waits for it and then finds nothing.
#[tracing::instrument(level = "debug", skip(db, precondition))]
pub async fn delete(
    db: &DatabaseConnection,
    organization: Uuid,
    uuid: Uuid,
    precondition: Precondition<'_>,
) -> Result<CustomerDeleted, AppError> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let locked = customers::Entity::update_many()
        .col_expr(
            customers::Column::Version,
            Expr::col(customers::Column::Version).add(1),
        )
        .filter(customers::Column::Uuid.eq(uuid))
        .filter(customers::Column::OrganizationUuid.eq(organization))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(AppError::NotFound("customer"));
    }
    let current = customers::Entity::find_by_id(uuid)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("customer"))?
        .version
        - 1;
    if precondition.is_some_and(|holds| !holds(current)) {
        return Err(AppError::PreconditionFailed {
            current_version: current,
        });
    }
    // Children first: the foreign keys cascade too, but the statements do
    // not depend on SQLite's `foreign_keys` setting.
    let children = [
        ("DELETE FROM insight_highlights WHERE customer_uuid = ", ""),
        ("DELETE FROM issue_highlights WHERE customer_uuid = ", ""),
        ("DELETE FROM feedback_highlights WHERE customer_uuid = ", ""),
        (
            "DELETE FROM feedback_spaces WHERE feedback_uuid IN \
             (SELECT f.uuid FROM feedbacks f WHERE f.customer_uuid = ",
            ")",
        ),
    ];
    let delete = |(prefix, suffix): (&str, &str)| {
        let mut sql = Sql::new(prefix);
        sql.bind(uuid).push(suffix);
        sql.build(backend)
    };
    for statement in children {
        txn.execute_raw(delete(statement)).await?;
    }
    let mut feedbacks = Vec::new();
    let deleted = delete((
        "DELETE FROM feedbacks WHERE customer_uuid = ",
        " RETURNING uuid",
    ));
    for row in txn.query_all_raw(deleted).await? {
        feedbacks.push(row.try_get::<Uuid>("", "uuid")?);
    }
    txn.execute_raw(delete(("DELETE FROM customers WHERE uuid = ", "")))
        .await?;
    super::organizations::add_customers(&txn, organization, -1).await?;
    txn.commit().await?;
    Ok(CustomerDeleted { uuid, feedbacks })
}
