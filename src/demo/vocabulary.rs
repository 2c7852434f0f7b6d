//! The fixed words the generator draws from: names, roles, company names,
//! feedback sentences and the features they mention, and the rows each
//! organization's small reference tables (personas, insights, issues,
//! spaces) start with, and what each source's feedback is. Changing any list changes the rows every seed gives.

use entity::vocabulary::{DataSourceType, FeedbackType};

/// First names of customers.
pub const FIRST_NAMES: &[&str] = &[
    "Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Nikolai", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Wei", "Xenia", "Yusuf", "Zoe", "Amara", "Boris", "Carmen", "Diego", "Emma",
    "Felix", "Greta", "Hugo", "Ivy", "Jakob", "Kira", "Leo", "Mina", "Noah",
];

/// Last names of customers.
pub const LAST_NAMES: &[&str] = &[
    "Johnson", "Silva", "Martin", "Ivanov", "Rossi", "Haddad", "Kim", "Tanaka", "Garcia", "Berg",
    "Sato", "Murphy", "Patel", "Petrov", "Brown", "Novak", "Lee", "Lopez", "Khan", "Singh", "Ali",
    "Fischer", "Chen", "Popova", "Demir", "Dubois", "Okafor", "Kowalski", "Ruiz", "Costa",
    "Moreau", "Weber", "Larsen", "Meyer", "Walsh", "Schmidt", "Nakamura", "Ortiz", "Yilmaz",
    "Hall",
];

/// Job titles of customers (the `role` column).
pub const ROLES: &[&str] = &[
    "Marketing Manager",
    "Product Manager",
    "Software Engineer",
    "Head of Support",
    "CTO",
    "Data Analyst",
    "Operations Lead",
    "Designer",
    "Sales Director",
    "Customer Success Manager",
];

/// First words of company names; each is paired with every suffix.
pub const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Aperture",
    "Massive",
    "Pied",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Nakatomi",
    "Virtucon",
];

/// Last words of company names.
pub const COMPANY_SUFFIXES: &[&str] = &[
    "Labs",
    "Systems",
    "Industries",
    "Analytics",
    "Cloud",
    "Works",
];

/// Where a feedback came from (the `source` column).
pub const SOURCES: &[&str] = &[
    "email",
    "support_ticket",
    "call",
    "survey",
    "chat",
    "review",
];

/// What a feedback from each of [`SOURCES`] is and which integrations
/// bring it in: (source, its feedback types, its data sources).
pub const SOURCE_KINDS: &[(&str, &[FeedbackType], &[DataSourceType])] = &[
    (
        "email",
        &[FeedbackType::FeedbackResponse, FeedbackType::TeamRequest],
        &[DataSourceType::IntercomInbox, DataSourceType::Hubspot],
    ),
    (
        "support_ticket",
        &[FeedbackType::SupportExchange],
        &[
            DataSourceType::Zendesk,
            DataSourceType::Intercom,
            DataSourceType::Jira,
            DataSourceType::GithubIssue,
        ],
    ),
    (
        "call",
        &[FeedbackType::SalesCall, FeedbackType::UserInterview],
        &[
            DataSourceType::GongConvo,
            DataSourceType::TldvTranscript,
            DataSourceType::FirefliesTranscript,
        ],
    ),
    (
        "survey",
        &[
            FeedbackType::NpsResponse,
            FeedbackType::CsatResponse,
            FeedbackType::FeedbackResponse,
        ],
        &[DataSourceType::ZapierForm, DataSourceType::UploadedSheet],
    ),
    (
        "chat",
        &[FeedbackType::AiChat, FeedbackType::SupportExchange],
        &[
            DataSourceType::SlackChannel,
            DataSourceType::DiscordChannel,
            DataSourceType::Intercom,
        ],
    ),
    (
        "review",
        &[FeedbackType::FeedbackResponse],
        &[
            DataSourceType::G2Review,
            DataSourceType::CapterraReview,
            DataSourceType::AppleAppstoreReview,
            DataSourceType::GooglePlayReview,
        ],
    ),
];

/// The spaces each organization starts with: name, description.
pub const SPACES: &[[&str; 2]] = &[
    ["Roadmap", "Requests that shape what we build next."],
    ["Bugs", "Reports of things that broke."],
    ["Onboarding", "How new customers get started."],
    ["Enterprise", "Feedback from the largest accounts."],
];

/// What a feedback sentence is about: fills the `{}` of [`SENTENCES`].
pub const FEATURES: &[&str] = &[
    "the dashboard",
    "search",
    "the export to CSV",
    "the mobile app",
    "notifications",
    "the reporting module",
    "single sign-on",
    "the API",
    "billing",
    "onboarding",
    "the integrations page",
    "team permissions",
];

/// Sentences with the sentiment they carry, from -1 to 1; `{}` is a feature.
pub const SENTENCES: &[(&str, f64)] = &[
    ("I love how fast {} is now", 0.9),
    ("{} saves our team hours every week", 0.8),
    ("{} works well for us", 0.5),
    ("{} is fine, nothing special", 0.1),
    ("{} is confusing for new people on the team", -0.4),
    ("{} keeps timing out when we need it most", -0.8),
    ("we lost data because of {}", -0.95),
    ("{} is missing a few options we expected", -0.2),
    ("support helped us get {} working quickly", 0.7),
    ("the latest change to {} broke our workflow", -0.7),
];

/// The personas each organization starts with: name, description.
pub const PERSONAS: &[[&str; 2]] = &[
    [
        "Power User",
        "Uses the product daily and pushes its limits.",
    ],
    ["Decision Maker", "Owns the budget and the renewal."],
    ["Administrator", "Sets the product up for a team."],
    ["Casual User", "Comes back now and then for one task."],
    ["Developer", "Integrates the product through its API."],
    ["Evaluator", "Is trying the product before buying."],
];

/// The insights each organization starts with: title, description.
pub const INSIGHTS: &[[&str; 2]] = &[
    [
        "Performance praised",
        "Customers notice and value speed improvements.",
    ],
    [
        "Onboarding friction",
        "New users struggle in their first week.",
    ],
    [
        "Export demand",
        "Customers want to take their data elsewhere.",
    ],
    [
        "Mobile usage growing",
        "More feedback mentions the mobile app.",
    ],
    [
        "Integrations drive retention",
        "Teams that connect tools stay longer.",
    ],
    [
        "Support quality",
        "Customers credit support for quick fixes.",
    ],
    [
        "Permissions complexity",
        "Admins find team permissions hard to reason about.",
    ],
    [
        "Reporting gaps",
        "Reports lack the breakdowns managers ask for.",
    ],
];

/// The issues each organization starts with: title, description, status.
pub const ISSUES: &[[&str; 3]] = &[
    [
        "Dashboard timeouts",
        "The dashboard times out under load.",
        "open",
    ],
    [
        "Data loss on sync",
        "Edits are lost when two devices sync.",
        "in_progress",
    ],
    [
        "Confusing onboarding",
        "The first-run flow skips key steps.",
        "open",
    ],
    [
        "Broken CSV export",
        "Exports truncate long fields.",
        "resolved",
    ],
    [
        "SSO login loop",
        "Single sign-on redirects forever for some tenants.",
        "open",
    ],
    [
        "Slow search",
        "Search takes seconds on large accounts.",
        "in_progress",
    ],
    [
        "Missing notification settings",
        "Users cannot mute channels.",
        "closed",
    ],
    [
        "Billing address bug",
        "Invoices show an outdated address.",
        "resolved",
    ],
];
