//! Paginated child lists of many parents at once: one statement returns the
//! requested page of every parent (`ROW_NUMBER() OVER (PARTITION BY parent …)`),
//! and one grouped statement counts the children of every parent. Only the
//! rows of the requested pages leave the database.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use super::sql::Sql;

/// Sort direction of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    #[default]
    Desc,
}

impl Direction {
    /// The SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// Columns a customer's feedbacks can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FeedbackSort {
    /// When the feedback was given (the default).
    #[default]
    FeedbackDate,
    /// When it was recorded.
    CreatedAt,
    /// Where it came from (`email`, `call`, …).
    Source,
}

impl FeedbackSort {
    /// The column, qualified with the child alias `c`.
    pub fn column(self) -> &'static str {
        match self {
            FeedbackSort::FeedbackDate => "c.feedback_date",
            FeedbackSort::CreatedAt => "c.created_at",
            FeedbackSort::Source => "c.source",
        }
    }
}

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
}

/// Which page of each parent's children to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Rows per page.
    pub limit: u64,
    /// Rows skipped before the page.
    pub offset: u64,
}

const CUSTOMER_ORDER: &str = "c.last_interacted_date DESC NULLS LAST, c.uuid";

impl Relation {
    /// The order of children within a parent; always ends on a unique key so
    /// that pages never overlap or skip.
    fn order(self) -> String {
        match self {
            Relation::CustomerFeedbacks(sort, direction) => {
                format!("{} {}, c.uuid", sort.column(), direction.sql())
            }
            Relation::CustomerHighlights => "f.feedback_date DESC, c.uuid".to_owned(),
            Relation::CustomerInsights
            | Relation::CustomerIssues
            | Relation::HighlightInsights
            | Relation::HighlightIssues => "c.title, c.uuid".to_owned(),
            Relation::FeedbackHighlights => "c.created_at, c.uuid".to_owned(),
            Relation::InsightHighlights | Relation::IssueHighlights => {
                "c.created_at DESC, c.uuid".to_owned()
            }
            Relation::CompanyCustomers | Relation::PersonaCustomers => CUSTOMER_ORDER.to_owned(),
        }
    }

    /// `FROM` the parents (alias `p`) joined to their children (alias `c`).
    ///
    /// Tenancy is checked on the parent rows, found by primary key; children
    /// are reached through their foreign keys, so the planner walks the
    /// per-parent indexes whatever its statistics say. A child always belongs
    /// to its parent's organization: every write checks it.
    fn joins(self) -> &'static str {
        match self {
            Relation::CustomerFeedbacks(..) => {
                " FROM customers p JOIN feedbacks c ON c.customer_uuid = p.uuid"
            }
            Relation::CustomerHighlights => {
                " FROM customers p JOIN feedbacks f ON f.customer_uuid = p.uuid \
                 JOIN feedback_highlights c ON c.feedback_uuid = f.uuid"
            }
            Relation::CustomerInsights => {
                " FROM (SELECT DISTINCT p.uuid AS parent_uuid, l.insight_uuid AS child_uuid \
                 FROM customers p JOIN feedbacks f ON f.customer_uuid = p.uuid \
                 JOIN feedback_highlights h ON h.feedback_uuid = f.uuid \
                 JOIN insight_highlights l ON l.highlight_uuid = h.uuid"
            }
            Relation::CustomerIssues => {
                " FROM (SELECT DISTINCT p.uuid AS parent_uuid, l.issue_uuid AS child_uuid \
                 FROM customers p JOIN feedbacks f ON f.customer_uuid = p.uuid \
                 JOIN feedback_highlights h ON h.feedback_uuid = f.uuid \
                 JOIN issue_highlights l ON l.highlight_uuid = h.uuid"
            }
            Relation::FeedbackHighlights => {
                " FROM feedbacks p JOIN feedback_highlights c ON c.feedback_uuid = p.uuid"
            }
            Relation::HighlightInsights => {
                " FROM feedback_highlights p JOIN insight_highlights l ON l.highlight_uuid = p.uuid \
                 JOIN insights c ON c.uuid = l.insight_uuid AND c.organization_uuid = p.organization_uuid"
            }
            Relation::HighlightIssues => {
                " FROM feedback_highlights p JOIN issue_highlights l ON l.highlight_uuid = p.uuid \
                 JOIN issues c ON c.uuid = l.issue_uuid AND c.organization_uuid = p.organization_uuid"
            }
            Relation::InsightHighlights => {
                " FROM insights p JOIN insight_highlights l ON l.insight_uuid = p.uuid \
                 JOIN feedback_highlights c ON c.uuid = l.highlight_uuid AND c.organization_uuid = p.organization_uuid"
            }
            Relation::IssueHighlights => {
                " FROM issues p JOIN issue_highlights l ON l.issue_uuid = p.uuid \
                 JOIN feedback_highlights c ON c.uuid = l.highlight_uuid AND c.organization_uuid = p.organization_uuid"
            }
            Relation::CompanyCustomers => {
                " FROM customer_companies p JOIN customers c ON c.customer_company_uuid = p.uuid"
            }
            Relation::PersonaCustomers => {
                " FROM personas p JOIN customers c ON c.persona_uuid = p.uuid"
            }
        }
    }

    /// The SQL expression naming each row's parent.
    fn parent(self) -> &'static str {
        match self {
            Relation::CustomerInsights | Relation::CustomerIssues => "d.parent_uuid",
            _ => "p.uuid",
        }
    }

    /// Writes `FROM … WHERE …` selecting the children (alias `c`) of `parents`
    /// within `organization`.
    fn write_from(self, sql: &mut Sql, organization: Uuid, parents: &[Uuid]) {
        sql.push(self.joins())
            .push(" WHERE p.organization_uuid = ")
            .bind(organization)
            .push(" AND p.uuid IN (")
            .bind_list(parents.iter().copied())
            .push(")");
        if let Relation::CustomerInsights | Relation::CustomerIssues = self {
            let table = if self == Relation::CustomerInsights {
                "insights"
            } else {
                "issues"
            };
            sql.push(&format!(
                ") d JOIN {table} c ON c.uuid = d.child_uuid WHERE c.organization_uuid = "
            ))
            .bind(organization);
        }
    }
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
    let mut pages: HashMap<Uuid, Vec<M>> =
        parents.iter().map(|parent| (*parent, Vec::new())).collect();
    if parents.is_empty() || window.limit == 0 {
        return Ok(pages);
    }
    let parent = relation.parent();
    let mut sql = Sql::new(&format!(
        "SELECT * FROM (SELECT c.*, {parent} AS parent_uuid, \
         ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY {}) AS rn",
        relation.order()
    ));
    relation.write_from(&mut sql, organization, parents);
    sql.push(") ranked WHERE rn > ")
        .bind(window.offset as i64)
        .push(" AND rn <= ")
        .bind((window.offset + window.limit) as i64)
        .push(" ORDER BY parent_uuid, rn");
    for row in db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?
    {
        let parent: Uuid = row.try_get("", "parent_uuid")?;
        let child = M::from_query_result(&row, "")?;
        pages.entry(parent).or_default().push(child);
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
    relation.write_from(&mut sql, organization, parents);
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
        "SELECT p.uuid AS parent_uuid, COUNT(DISTINCT h.uuid) AS highlights, \
         COUNT(DISTINCT li.insight_uuid) AS insights, COUNT(DISTINCT ls.issue_uuid) AS issues \
         FROM customers p \
         JOIN feedbacks f ON f.customer_uuid = p.uuid \
         JOIN feedback_highlights h ON h.feedback_uuid = f.uuid \
         LEFT JOIN insight_highlights li ON li.highlight_uuid = h.uuid \
         LEFT JOIN issue_highlights ls ON ls.highlight_uuid = h.uuid \
         WHERE p.organization_uuid = ",
    );
    sql.bind(organization)
        .push(" AND p.uuid IN (")
        .bind_list(parents.iter().copied())
        .push(") GROUP BY p.uuid");
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
    relation.write_from(&mut sql, organization, parents);
    sql.push(&format!(" GROUP BY {parent}"));
    for row in db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?
    {
        averages.insert(row.try_get("", "parent_uuid")?, row.try_get("", "average")?);
    }
    Ok(averages)
}
