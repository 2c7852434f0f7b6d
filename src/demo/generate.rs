//! The rows themselves, made in memory from [`SeedRng`] and the
//! [vocabulary](super::vocabulary), before anything is written:
//! - [`company_names`]: every company name, in the order companies are made;
//! - [`generate_chunk`]: a chunk of customers with their feedbacks,
//!   highlights and highlight links, as [`ChunkRows`].
//!
//! Every row is a `Vec<Value>` in the column order of its table in
//! [`write`](super::write).

use std::collections::BTreeSet;
use std::ops::Range;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::Rng;
use sea_orm::Value;
use uuid::Uuid;

use super::rng::SeedRng;
use super::vocabulary::{
    COMPANY_SUFFIXES, COMPANY_WORDS, FEATURES, FIRST_NAMES, LAST_NAMES, ROLES, SENTENCES,
    SOURCE_KINDS, SOURCES,
};

/// A row for [`ChunkRows`]: each expression converted into a [`Value`], in
/// the column order of its table.
macro_rules! row {
    ($($value:expr),* $(,)?) => {
        vec![$(Value::from($value)),*]
    };
}

/// Seconds the feedback timeline spans (two years).
const TIMELINE_SECONDS: i64 = 2 * 365 * 24 * 3600;

/// The instant the synthetic timeline ends at. Fixed, so that the same seed
/// gives the same rows whenever it runs.
fn timeline_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .expect("BUG: the timeline end is a valid date")
}

/// Every "`<word> <suffix>`" company name, sorted; the seed cycles through them,
/// adding " 2", " 3", … on the later rounds.
pub fn company_names() -> Vec<String> {
    let names: BTreeSet<String> = COMPANY_WORDS
        .iter()
        .flat_map(|word| {
            COMPANY_SUFFIXES
                .iter()
                .map(move |suffix| format!("{word} {suffix}"))
        })
        .collect();
    names.into_iter().collect()
}

/// The organization's rows that new customers and highlights point at.
#[derive(Debug)]
pub struct Parents {
    /// Companies: uuid and e-mail domain.
    pub companies: Vec<(Uuid, String)>,
    /// Persona uuids.
    pub personas: Vec<Uuid>,
    /// Insight uuids.
    pub insights: Vec<Uuid>,
    /// Issue uuids.
    pub issues: Vec<Uuid>,
    /// Space uuids.
    pub spaces: Vec<Uuid>,
}

/// The rows of one chunk of customers, ready for multi-row INSERTs.
#[derive(Debug, Default)]
pub struct ChunkRows {
    /// `customers` rows.
    pub customers: Vec<Vec<Value>>,
    /// `feedbacks` rows, `feedbacks_per_customer` per customer.
    pub feedbacks: Vec<Vec<Value>>,
    /// `feedback_highlights` rows, one per sentence of a feedback.
    pub highlights: Vec<Vec<Value>>,
    /// `insight_highlights` rows (about half of the highlights).
    pub insight_links: Vec<Vec<Value>>,
    /// `issue_highlights` rows (only unhappy highlights).
    pub issue_links: Vec<Vec<Value>>,
    /// `feedback_spaces` rows (half of the feedbacks sit in one space or two).
    pub space_links: Vec<Vec<Value>>,
}

/// The customers numbered `indexes` in the organization (the number goes into
/// their e-mail, which keeps it unique), each with `feedbacks_per_customer`
/// feedbacks of one to three sentences, one highlight per sentence, and links
/// from highlights to insights and issues. `now` is every `created_at`.
pub fn generate_chunk(
    organization_uuid: Uuid,
    indexes: Range<u64>,
    feedbacks_per_customer: u32,
    parents: &Parents,
    rng: &mut SeedRng,
    now: DateTime<Utc>,
) -> ChunkRows {
    let count = (indexes.end - indexes.start) as usize;
    let mut rows = ChunkRows {
        customers: Vec::with_capacity(count),
        feedbacks: Vec::with_capacity(count * feedbacks_per_customer as usize),
        ..ChunkRows::default()
    };
    let end = timeline_end();
    for index in indexes {
        let customer_uuid = rng.uuid();
        let first = rng.pick(FIRST_NAMES);
        let last = rng.pick(LAST_NAMES);
        let company = rng
            .random_bool(0.95)
            .then(|| rng.pick(&parents.companies).clone());
        let domain = company
            .as_ref()
            .map_or("example.com".to_owned(), |(_, domain)| domain.clone());
        let email = format!(
            "{}.{}.{index}@{domain}",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let persona = rng.random_bool(0.9).then(|| *rng.pick(&parents.personas));
        let role = rng.random_bool(0.85).then(|| rng.pick(ROLES).to_string());

        let mut last_interacted: Option<DateTime<Utc>> = None;
        for _ in 0..feedbacks_per_customer {
            let feedback_uuid = rng.uuid();
            let date = end - TimeDelta::seconds(rng.random_range(0..TIMELINE_SECONDS));
            last_interacted = last_interacted.max(Some(date));
            let text = FeedbackText::new(rng);
            let source = *rng.pick(SOURCES);
            let kind = FeedbackKind::new(feedback_uuid, source);
            for space in kind.spaces(&parents.spaces) {
                rows.space_links.push(row![space, feedback_uuid]);
            }
            rows.feedbacks.push(row![
                feedback_uuid,
                organization_uuid,
                customer_uuid,
                text.contents,
                date,
                source.to_owned(),
                now,
                text.search,
                kind.feedback_type,
                kind.priority,
                kind.data_source_type,
                kind.data_source_id,
            ]);
            for (sentence, sentiment) in text.sentences {
                let highlight_uuid = rng.uuid();
                let jitter: f64 = rng.random_range(-0.1..=0.1);
                let score = ((sentiment + jitter).clamp(-1.0, 1.0) * 100.0).round() / 100.0;
                rows.highlights.push(row![
                    highlight_uuid,
                    organization_uuid,
                    feedback_uuid,
                    sentence,
                    score,
                    now,
                    customer_uuid,
                    date,
                ]);
                let link = |target: Uuid| row![target, highlight_uuid, customer_uuid];
                if rng.random_bool(0.5) {
                    rows.insight_links.push(link(*rng.pick(&parents.insights)));
                }
                // Issues are problems: only unhappy highlights point at them.
                if score < 0.0 && rng.random_bool(0.6) {
                    rows.issue_links.push(link(*rng.pick(&parents.issues)));
                }
            }
        }
        let full_name = format!("{first} {last}");
        let search = crate::store::customers::search_text(&full_name, &email);
        let email_folded = entity::folding::fold(&email);
        rows.customers.push(row![
            customer_uuid,
            organization_uuid,
            full_name,
            email,
            role,
            persona,
            company.map(|(uuid, _)| uuid),
            last_interacted,
            i64::from(feedbacks_per_customer),
            search,
            email_folded,
            now,
            now,
        ]);
    }
    rows
}

/// What a feedback is besides its words: its type, priority, data source
/// and spaces. Drawn from the random bytes of its uuid rather than from the
/// generator, so that every other seeded row is the same as before these
/// columns existed.
struct FeedbackKind {
    feedback_type: String,
    priority: i32,
    data_source_type: Option<String>,
    data_source_id: Option<String>,
    /// Random bytes left for choosing spaces.
    space_bytes: [u8; 2],
}

impl FeedbackKind {
    fn new(uuid: Uuid, source: &str) -> FeedbackKind {
        use sea_orm::ActiveEnum;
        let bytes = uuid.as_bytes();
        let (_, types, sources) = SOURCE_KINDS
            .iter()
            .find(|(known, _, _)| *known == source)
            .expect("BUG: every source has its kinds");
        let feedback_type = types[bytes[15] as usize % types.len()].to_value();
        // Most feedback has no priority; a few have the highest.
        let priority = match bytes[12] % 20 {
            0..=7 => 0,
            8..=11 => 1,
            12..=15 => 2,
            16..=18 => 3,
            _ => 4,
        };
        let imported = !bytes[13].is_multiple_of(4);
        let data_source = sources[bytes[14] as usize % sources.len()].to_value();
        let data_source_id = format!(
            "{}-{:05}",
            data_source.to_lowercase(),
            u16::from_be_bytes([bytes[10], bytes[11]])
        );
        FeedbackKind {
            feedback_type,
            priority,
            data_source_type: imported.then_some(data_source),
            data_source_id: imported.then_some(data_source_id),
            space_bytes: [bytes[8], bytes[9]],
        }
    }

    /// The spaces among `spaces` the feedback sits in: none for half of
    /// the feedbacks, two for a tenth, one for the rest.
    fn spaces(&self, spaces: &[Uuid]) -> Vec<Uuid> {
        if spaces.is_empty() {
            return Vec::new();
        }
        let [count, first] = self.space_bytes.map(usize::from);
        let first = first % spaces.len();
        match count % 10 {
            0..=4 => Vec::new(),
            9 if spaces.len() > 1 => vec![spaces[first], spaces[(first + 1) % spaces.len()]],
            _ => vec![spaces[first]],
        }
    }
}

/// What a feedback says.
struct FeedbackText {
    /// One to three sentences, each about a feature, capitalized, with the
    /// sentiment it carries; each becomes a highlight.
    sentences: Vec<(String, f64)>,
    /// The sentences, each ended by a full stop, joined by spaces.
    contents: String,
    /// `contents` folded for search (`feedbacks.search_text`).
    search: String,
}

impl FeedbackText {
    fn new(rng: &mut SeedRng) -> FeedbackText {
        let count: usize = rng.random_range(1..=3);
        let sentences: Vec<(String, f64)> = (0..count)
            .map(|_| {
                let (template, sentiment) = rng.pick(SENTENCES);
                let feature = rng.pick(FEATURES);
                let mut sentence = template.replace("{}", feature);
                if let Some(first_letter) = sentence.get_mut(0..1) {
                    first_letter.make_ascii_uppercase();
                }
                (sentence, *sentiment)
            })
            .collect();
        let contents = sentences
            .iter()
            .map(|(sentence, _)| format!("{sentence}."))
            .collect::<Vec<_>>()
            .join(" ");
        let search = entity::folding::fold(&contents);
        FeedbackText {
            sentences,
            contents,
            search,
        }
    }
}
