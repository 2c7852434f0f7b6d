//! Paginated child lists of many parents at once: one statement returns the
//! requested page of every parent (a `LATERAL` index walk per parent on
//! PostgreSQL; on SQLite, per-parent walks joined by `UNION ALL`, or
//! `ROW_NUMBER() OVER (PARTITION BY parent …)` where that is cheaper), and one
//! grouped statement counts the children of every parent. Only the rows of the
//! requested pages leave the database.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, FromQueryResult};
use uuid::Uuid;

use super::keyset::{Key, Nulls, Order, Position, Seek};

pub use super::keyset::Window;
use super::sql::Sql;

pub use entity::vocabulary::{Direction, FeedbackSort};

/// A parent → children list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// A customer's feedbacks, in the given order.
    CustomerFeedbacks(FeedbackSort, Direction),
    /// The highlights of a customer's feedbacks, newest feedback first.
    CustomerHighlights,
    /// The distinct insights linked to a customer's highlights, by title.
    CustomerInsights,
    /// The distinct issues linked to a customer's highlights, by title.
    CustomerIssues,
    /// A feedback's highlights, oldest first.
    FeedbackHighlights,
    /// The insights a highlight is linked to, by title.
    HighlightInsights,
    /// The issues a highlight is linked to, by title.
    HighlightIssues,
    /// The highlights linked to an insight, newest first.
    InsightHighlights,
    /// The highlights linked to an issue, newest first.
    IssueHighlights,
    /// A company's customers, most recent interaction first.
    CompanyCustomers,
    /// A persona's customers, most recent interaction first.
    PersonaCustomers,
    /// The spaces a feedback sits in, by name.
    FeedbackSpaces,
    /// A space's feedbacks, in the given order.
    SpaceFeedbacks(FeedbackSort, Direction),
}

impl Relation {
    /// The list's name in a cursor (with the parent beside it).
    pub fn name(self) -> &'static str {
        match self {
            Relation::CustomerFeedbacks(..) => "customer_feedbacks",
            Relation::CustomerHighlights => "customer_highlights",
            Relation::CustomerInsights => "customer_insights",
            Relation::CustomerIssues => "customer_issues",
            Relation::FeedbackHighlights => "feedback_highlights",
            Relation::HighlightInsights => "highlight_insights",
            Relation::HighlightIssues => "highlight_issues",
            Relation::InsightHighlights => "insight_highlights",
            Relation::IssueHighlights => "issue_highlights",
            Relation::CompanyCustomers => "company_customers",
            Relation::PersonaCustomers => "persona_customers",
            Relation::FeedbackSpaces => "feedback_spaces",
            Relation::SpaceFeedbacks(..) => "space_feedbacks",
        }
    }

    /// The order of children within a parent: a sort column, then the
    /// uuid, which is unique, so that pages never overlap or skip (ties go
    /// the sort's way, see [`Order::of`]).
    pub fn order_keys(self) -> Order {
        use Direction::{Asc, Desc};
        let (column, direction) = match self {
            Relation::CustomerFeedbacks(sort, direction)
            | Relation::SpaceFeedbacks(sort, direction) => (sort.column(), direction),
            Relation::CustomerHighlights => ("feedback_date", Desc),
            Relation::CustomerInsights
            | Relation::CustomerIssues
            | Relation::HighlightInsights
            | Relation::HighlightIssues => ("title", Asc),
            Relation::FeedbackHighlights => ("created_at", Asc),
            Relation::InsightHighlights | Relation::IssueHighlights => ("created_at", Desc),
            Relation::CompanyCustomers | Relation::PersonaCustomers => {
                let latest = Key {
                    column: "last_interacted_date",
                    direction: Desc,
                    nulls: Nulls::Last,
                };
                return Order::of(latest);
            }
            Relation::FeedbackSpaces => ("name", Asc),
        };
        Order::of(Key::new(column, direction))
    }

    /// The parents' table (alias `p`).
    fn parent_table(self) -> &'static str {
        match self {
            Relation::CustomerFeedbacks(..)
            | Relation::CustomerHighlights
            | Relation::CustomerInsights
            | Relation::CustomerIssues => "customers",
            Relation::FeedbackHighlights | Relation::FeedbackSpaces => "feedbacks",
            Relation::SpaceFeedbacks(..) => "spaces",
            Relation::HighlightInsights | Relation::HighlightIssues => "feedback_highlights",
            Relation::InsightHighlights => "insights",
            Relation::IssueHighlights => "issues",
            Relation::CompanyCustomers => "customer_companies",
            Relation::PersonaCustomers => "personas",
        }
    }

    /// The children (alias `c`, through a link table `l` where there is one)
    /// and the condition tying them to the parent `p`.
    ///
    /// Tenancy is checked on the parent rows, found by primary key; children
    /// are reached through their foreign keys (a customer's highlights and
    /// links carry the customer), so the planner walks the per-parent indexes
    /// whatever its statistics say. A child always belongs to its parent's
    /// organization: every write checks it.
    fn children(self) -> (&'static str, &'static str) {
        match self {
            Relation::CustomerFeedbacks(..) => ("feedbacks c", "c.customer_uuid = p.uuid"),
            Relation::CustomerHighlights => ("feedback_highlights c", "c.customer_uuid = p.uuid"),
            Relation::CustomerInsights => (
                "insights c",
                "c.organization_uuid = p.organization_uuid AND c.uuid IN \
                 (SELECT l.insight_uuid FROM insight_highlights l WHERE l.customer_uuid = p.uuid)",
            ),
            Relation::CustomerIssues => (
                "issues c",
                "c.organization_uuid = p.organization_uuid AND c.uuid IN \
                 (SELECT l.issue_uuid FROM issue_highlights l WHERE l.customer_uuid = p.uuid)",
            ),
            Relation::FeedbackHighlights => ("feedback_highlights c", "c.feedback_uuid = p.uuid"),
            Relation::HighlightInsights => (
                "insight_highlights l CROSS JOIN insights c",
                "l.highlight_uuid = p.uuid AND c.uuid = l.insight_uuid \
                 AND c.organization_uuid = p.organization_uuid",
            ),
            Relation::HighlightIssues => (
                "issue_highlights l CROSS JOIN issues c",
                "l.highlight_uuid = p.uuid AND c.uuid = l.issue_uuid \
                 AND c.organization_uuid = p.organization_uuid",
            ),
            Relation::InsightHighlights => (
                "insight_highlights l CROSS JOIN feedback_highlights c",
                "l.insight_uuid = p.uuid AND c.uuid = l.highlight_uuid \
                 AND c.organization_uuid = p.organization_uuid",
            ),
            Relation::IssueHighlights => (
                "issue_highlights l CROSS JOIN feedback_highlights c",
                "l.issue_uuid = p.uuid AND c.uuid = l.highlight_uuid \
                 AND c.organization_uuid = p.organization_uuid",
            ),
            Relation::CompanyCustomers => ("customers c", "c.customer_company_uuid = p.uuid"),
            Relation::PersonaCustomers => ("customers c", "c.persona_uuid = p.uuid"),
            Relation::FeedbackSpaces => (
                "feedback_spaces l CROSS JOIN spaces c",
                "l.feedback_uuid = p.uuid AND c.uuid = l.space_uuid \
                 AND c.organization_uuid = p.organization_uuid",
            ),
            Relation::SpaceFeedbacks(..) => (
                "feedback_spaces l CROSS JOIN feedbacks c",
                "l.space_uuid = p.uuid AND c.uuid = l.feedback_uuid \
                 AND c.organization_uuid = p.organization_uuid",
            ),
        }
    }

    /// A customer's insights or issues: the link table and its child column.
    fn customer_links(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            Relation::CustomerInsights => Some(("insight_highlights", "insight_uuid", "insights")),
            Relation::CustomerIssues => Some(("issue_highlights", "issue_uuid", "issues")),
            _ => None,
        }
    }

    /// The SQL expression naming each row's parent in the joined form.
    fn parent(self) -> &'static str {
        match self.customer_links() {
            Some(_) => "d.parent_uuid",
            None => "p.uuid",
        }
    }

    /// Writes `FROM … WHERE …` joining the parents `p` to all their children
    /// `c`, for counting, averaging and numbering them.
    fn write_joined(self, sql: &mut Sql, organization: Uuid, parents: &[Uuid]) {
        if let Some((links, child, table)) = self.customer_links() {
            // Distinct (customer, child) pairs first: several of a customer's
            // highlights may link to the same insight.
            sql.push(&format!(
                " FROM (SELECT DISTINCT p.uuid AS parent_uuid, l.{child} AS child_uuid \
                 FROM customers p, {links} l WHERE l.customer_uuid = p.uuid AND "
            ))
            .unindexed("p.organization_uuid")
            .push(" = ")
            .bind(organization)
            .push(" AND p.uuid")
            .in_uuids(parents.iter().copied())
            .push(&format!(
                ") d JOIN {table} c ON c.uuid = d.child_uuid WHERE c.organization_uuid = "
            ))
            .bind(organization);
            return;
        }
        let (children, link) = self.children();
        sql.push(&format!(
            " FROM {} p CROSS JOIN {children} WHERE {link} AND ",
            self.parent_table()
        ))
        .unindexed("p.organization_uuid")
        .push(" = ")
        .bind(organization)
        .push(" AND p.uuid")
        .in_uuids(parents.iter().copied());
    }
}

/// Which rows of each parent's children one statement reads: `limit` rows
/// in `order` (the relation's, or its reverse for a page before a
/// position), after skipping `offset`, and for a keyset page after each
/// parent's own position.
struct Slice<'a> {
    order: Order,
    limit: u64,
    offset: u64,
    /// Each parent, with the position its page starts after.
    parents: &'a [(Uuid, Option<Position>)],
}

impl Slice<'_> {
    /// The position every parent's page starts after, when they share one.
    fn common_seek(&self) -> Option<Seek> {
        let (_, first) = self.parents.first()?;
        self.parents
            .iter()
            .all(|(_, after)| after == first)
            .then(|| Seek {
                order: self.order,
                after: first.clone(),
            })
    }

    fn uuids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.parents.iter().map(|(parent, _)| *parent)
    }
}

/// Each parent's page through `LATERAL`: per parent, an index walk that stops
/// at the end of the page, so a page costs its own rows whatever the number of
/// children (PostgreSQL, when every parent's page starts at the same place).
fn lateral_pages(organization: Uuid, relation: Relation, slice: &Slice, seek: &Seek) -> Sql {
    let order = slice.order.order_by("c.");
    let (children, link) = relation.children();
    let mut sql = Sql::new(&format!(
        "SELECT c.*, p.uuid AS parent_uuid FROM {} p CROSS JOIN LATERAL \
         (SELECT c.* FROM {children} WHERE {link}",
        relation.parent_table()
    ));
    seek.write(&mut sql, "c.");
    sql.push(&format!(" ORDER BY {order} LIMIT "))
        .bind(slice.limit as i64)
        .push(" OFFSET ")
        .bind(slice.offset as i64)
        .push(") c WHERE p.organization_uuid = ")
        .bind(organization)
        .push(" AND p.uuid")
        .in_uuids(slice.uuids())
        // Sorted on the page's own order, not on a numbered window: a page
        // comes off its index already in that order.
        .push(&format!(" ORDER BY p.uuid, {order}"));
    sql
}

/// Most parents [`unioned_pages`] joins in one statement (SQLite takes up to
/// 500 members in a compound SELECT); a larger batch is numbered instead.
const MAX_UNIONED_PARENTS: usize = 100;

/// Each parent's page as its own index walk that stops at the end of the
/// page, after the parent's own position, the walks joined by `UNION ALL`
/// (SQLite, which has no `LATERAL`, and parents whose keyset pages start at
/// different places).
fn unioned_pages(organization: Uuid, relation: Relation, slice: &Slice) -> Sql {
    let order = slice.order.order_by("c.");
    let (children, link) = relation.children();
    let member = format!(
        "SELECT * FROM (SELECT c.*, p.uuid AS parent_uuid FROM {} p CROSS JOIN {children} WHERE p.uuid = ",
        relation.parent_table()
    );
    let mut sql = Sql::new("SELECT * FROM (");
    for (index, (parent, after)) in slice.parents.iter().enumerate() {
        if index > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&member)
            .bind(*parent)
            .push(" AND ")
            .unindexed("p.organization_uuid")
            .push(" = ")
            .bind(organization)
            .push(&format!(" AND {link}"));
        let seek = Seek {
            order: slice.order,
            after: after.clone(),
        };
        seek.write(&mut sql, "c.");
        sql.push(&format!(" ORDER BY {order} LIMIT "))
            .bind(slice.limit as i64)
            .push(" OFFSET ")
            .bind(slice.offset as i64)
            .push(")");
    }
    sql.push(&format!(
        ") ORDER BY parent_uuid, {}",
        slice.order.order_by("")
    ));
    sql
}

/// Each parent's page through `ROW_NUMBER() OVER (PARTITION BY parent …)` over
/// all the parents' children past the shared position (SQLite, for a
/// customer's insights and issues, whose distinct links are cheaper numbered
/// than walked, and for batches of over [`MAX_UNIONED_PARENTS`] parents).
fn numbered_pages(organization: Uuid, relation: Relation, slice: &Slice, seek: &Seek) -> Sql {
    let parent = relation.parent();
    let mut sql = Sql::new(&format!(
        "SELECT * FROM (SELECT c.*, {parent} AS parent_uuid, \
         ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY {}) AS rn",
        slice.order.order_by("c.")
    ));
    let parents: Vec<Uuid> = slice.uuids().collect();
    relation.write_joined(&mut sql, organization, &parents);
    seek.write(&mut sql, "c.");
    sql.push(") ranked WHERE rn > ")
        .bind(slice.offset as i64)
        .push(" AND rn <= ")
        .bind((slice.offset + slice.limit) as i64)
        .push(" ORDER BY parent_uuid, rn");
    sql
}

/// Reads `slice` of the children of each of its parents, in one statement
/// (or one per [`MAX_UNIONED_PARENTS`] parents whose keyset pages start at
/// different places). Every parent is in the answer, with an empty page
/// when it has no children there; each page is in `slice.order`.
async fn read_pages<M, C>(
    db: &C,
    organization: Uuid,
    relation: Relation,
    slice: Slice<'_>,
) -> Result<HashMap<Uuid, Vec<M>>, DbErr>
where
    M: FromQueryResult,
    C: ConnectionTrait,
{
    let mut pages: HashMap<Uuid, Vec<M>> =
        slice.uuids().map(|parent| (parent, Vec::new())).collect();
    if slice.parents.is_empty() || slice.limit == 0 {
        return Ok(pages);
    }
    let backend = db.get_database_backend();
    let statements = match (backend, slice.common_seek()) {
        (DatabaseBackend::Postgres, Some(seek)) => {
            vec![lateral_pages(organization, relation, &slice, &seek)]
        }
        (_, Some(seek))
            if relation.customer_links().is_some() || slice.parents.len() > MAX_UNIONED_PARENTS =>
        {
            vec![numbered_pages(organization, relation, &slice, &seek)]
        }
        _ => slice
            .parents
            .chunks(MAX_UNIONED_PARENTS)
            .map(|parents| unioned_pages(organization, relation, &Slice { parents, ..slice }))
            .collect(),
    };
    for sql in statements {
        for row in db.query_all_raw(sql.build(backend)).await? {
            let parent: Uuid = row.try_get("", "parent_uuid")?;
            let child = M::from_query_result(&row, "")?;
            pages.entry(parent).or_default().push(child);
        }
    }
    Ok(pages)
}

/// One page of the children of each of `parents`, in one statement. Every
/// parent is in the answer, with an empty page when it has no children there.
pub async fn pages<M, C>(
    db: &C,
    organization: Uuid,
    relation: Relation,
    parents: &[Uuid],
    window: Window,
) -> Result<HashMap<Uuid, Vec<M>>, DbErr>
where
    M: FromQueryResult,
    C: ConnectionTrait,
{
    let parents: Vec<(Uuid, Option<Position>)> =
        parents.iter().map(|parent| (*parent, None)).collect();
    let slice = Slice {
        order: relation.order_keys(),
        limit: window.limit,
        offset: window.offset,
        parents: &parents,
    };
    read_pages(db, organization, relation, slice).await
}

/// Up to `limit` children of each parent after the position it carries (the
/// first ones without), or with `backward` the `limit` children before it
/// (the last ones without), each page in the relation's order: a keyset
/// page, which reads no row it does not answer, in one statement.
pub async fn keyset_pages<M, C>(
    db: &C,
    organization: Uuid,
    relation: Relation,
    parents: &[(Uuid, Option<Position>)],
    limit: u64,
    backward: bool,
) -> Result<HashMap<Uuid, Vec<M>>, DbErr>
where
    M: FromQueryResult,
    C: ConnectionTrait,
{
    let order = relation.order_keys();
    let slice = Slice {
        order: if backward { order.reversed() } else { order },
        limit,
        offset: 0,
        parents,
    };
    let mut pages = read_pages(db, organization, relation, slice).await?;
    if backward {
        for page in pages.values_mut() {
            page.reverse();
        }
    }
    Ok(pages)
}

/// How many children each of `parents` has, in one grouped statement.
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    organization: Uuid,
    relation: Relation,
    parents: &[Uuid],
) -> Result<HashMap<Uuid, i64>, DbErr> {
    let mut counts: HashMap<Uuid, i64> = parents.iter().map(|parent| (*parent, 0)).collect();
    if parents.is_empty() {
        return Ok(counts);
    }
    let parent = relation.parent();
    let mut sql = Sql::new(&format!(
        "SELECT {parent} AS parent_uuid, COUNT(*) AS total"
    ));
    relation.write_joined(&mut sql, organization, parents);
    sql.push(&format!(" GROUP BY {parent}"));
    for row in db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?
    {
        counts.insert(row.try_get("", "parent_uuid")?, row.try_get("", "total")?);
    }
    Ok(counts)
}

/// How many highlights, distinct insights and distinct issues each customer
/// of `parents` has, in one grouped statement.
pub async fn customer_totals<C: ConnectionTrait>(
    db: &C,
    organization: Uuid,
    parents: &[Uuid],
) -> Result<HashMap<Uuid, [i64; 3]>, DbErr> {
    let mut totals: HashMap<Uuid, [i64; 3]> =
        parents.iter().map(|parent| (*parent, [0; 3])).collect();
    if parents.is_empty() {
        return Ok(totals);
    }
    let mut sql = Sql::new(
        "SELECT p.uuid AS parent_uuid, \
         (SELECT COUNT(*) FROM feedback_highlights h WHERE h.customer_uuid = p.uuid) AS highlights, \
         (SELECT COUNT(DISTINCT l.insight_uuid) FROM insight_highlights l \
         WHERE l.customer_uuid = p.uuid) AS insights, \
         (SELECT COUNT(DISTINCT l.issue_uuid) FROM issue_highlights l \
         WHERE l.customer_uuid = p.uuid) AS issues \
         FROM customers p WHERE ",
    );
    sql.unindexed("p.organization_uuid")
        .push(" = ")
        .bind(organization)
        .push(" AND p.uuid")
        .in_uuids(parents.iter().copied());
    for row in db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?
    {
        totals.insert(
            row.try_get("", "parent_uuid")?,
            [
                row.try_get("", "highlights")?,
                row.try_get("", "insights")?,
                row.try_get("", "issues")?,
            ],
        );
    }
    Ok(totals)
}

/// How far apart two means of sentiment may be and still compare equal:
/// SQLite and PostgreSQL sum in different orders, so the mean of 0.1, 0.2
/// and 0.3 is 0.19999999999999998 on one and 0.20000000000000004 on the
/// other. A bound on a mean (`min_sentiment`, `maxAverageSentiment`, …) holds
/// within it, so both backends keep the same rows.
pub const MEAN_TOLERANCE: f64 = 1e-9;

/// A mean of sentiment as both faces answer it: rounded to 12 decimal
/// places, so both backends answer the same number (see [`MEAN_TOLERANCE`]),
/// and 0 rather than -0 (PostgreSQL keeps the sign, SQLite does not).
pub fn mean(value: f64) -> f64 {
    (value * 1e12).round() / 1e12 + 0.0
}

/// Averages of highlight sentiment that a parent has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Average {
    /// Mean sentiment of all highlights of a customer's feedbacks.
    CustomerSentiment,
    /// Mean sentiment of the highlights linked to an issue.
    IssueSentiment,
    /// Mean sentiment of the highlights linked to an insight.
    InsightSentiment,
}

/// The average for each of `parents` (`None` when it has no highlights).
pub async fn averages<C: ConnectionTrait>(
    db: &C,
    organization: Uuid,
    average: Average,
    parents: &[Uuid],
) -> Result<HashMap<Uuid, Option<f64>>, DbErr> {
    let mut averages: HashMap<Uuid, Option<f64>> =
        parents.iter().map(|parent| (*parent, None)).collect();
    if parents.is_empty() {
        return Ok(averages);
    }
    let relation = match average {
        Average::CustomerSentiment => Relation::CustomerHighlights,
        Average::IssueSentiment => Relation::IssueHighlights,
        Average::InsightSentiment => Relation::InsightHighlights,
    };
    let parent = relation.parent();
    let mut sql = Sql::new(&format!(
        "SELECT {parent} AS parent_uuid, AVG(c.sentiment_score) AS average"
    ));
    relation.write_joined(&mut sql, organization, parents);
    sql.push(&format!(" GROUP BY {parent}"));
    for row in db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?
    {
        let average: Option<f64> = row.try_get("", "average")?;
        averages.insert(row.try_get("", "parent_uuid")?, average.map(mean));
    }
    Ok(averages)
}
