//! Case folding: the one rule by which text is compared without regard to
//! case, on every backend.
//!
//! SQL `LOWER()` folds ASCII only on SQLite and follows the cluster's locale
//! on PostgreSQL, so no comparison that ignores case is left to the database:
//! the application folds, once, with [`fold`], both what it stores in a
//! folded column and every term it compares with one.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// `text` under Unicode canonical caseless matching, in NFC: two texts are
/// equal ignoring case (in any alphabet) and composition exactly when their
/// folds are equal byte for byte, and a term is found in a text ignoring
/// case when the fold of the term is a substring of the fold of the text.
///
/// This is the one rule for every folded column (`customers.search_text`,
/// `customers.email_folded`, `feedbacks.search_text`) and every search term
/// compared with one; the server and the migrations both call it, so a
/// value written by either compares equal to a term folded by the other.
///
/// The rule: Unicode *full* case folding (CaseFolding.txt, statuses C and F:
/// "ß" and "ẞ" fold to "ss", a final "ς" to "σ", "İ" to "i" + U+0307, Cherokee
/// lowercase letters to their uppercase), applied to the canonical
/// decomposition of `text` (NFD), then recomposed to NFC. That is canonical
/// caseless matching, Unicode §3.13 definition D145, `NFD(toCasefold(NFD(X)))`,
/// stored in its NFC form (canonically equivalent, shorter). Folding is not
/// locale-dependent: the Turkic mappings (status T) are not applied, so "I"
/// folds to "i", and the dotless "ı" stays itself.
///
/// The mappings come from the `caseless` crate (its `UNICODE_VERSION` tells
/// which CaseFolding.txt); changing that version may change stored values,
/// and calls for a migration that refolds every folded column.
pub fn fold(text: &str) -> String {
    text.nfd().default_case_fold().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn greek_capitals_and_a_final_sigma_fold_alike() {
        assert_eq!(fold("ΚΩΣΤΑΣ"), fold("κωστας"));
        assert_eq!(fold("ΚΩΣΤΑΣ"), "κωστασ");
        assert!(fold("ΚΩΣΤΑΣ Test").contains(&fold("ΚΩΣ")));
        assert_eq!(fold("ΣΟΦΟΣ"), fold("σοφος"));
    }

    #[test]
    fn sharp_s_folds_to_double_s() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), "strasse");
        assert_eq!(fold("STRAẞE"), "strasse");
    }

    #[test]
    fn composed_and_decomposed_accents_fold_alike_and_to_nfc() {
        assert_eq!(fold("é"), fold("e\u{301}"));
        assert_eq!(fold("E\u{301}"), "\u{e9}");
        assert_eq!(fold("ÉCOLE"), fold("e\u{301}cole"));
        // U+1FC3 decomposes to η + U+0345, which folds to ι: the reason the
        // text is decomposed before it is folded (§3.13).
        assert_eq!(fold("\u{1fc3}"), fold("\u{397}\u{399}"));
    }

    #[test]
    fn turkish_dotted_capital_i_keeps_its_dot_and_dotless_i_stays() {
        assert_eq!(fold("İstanbul"), "i\u{307}stanbul");
        assert_eq!(fold("ISTANBUL"), "istanbul");
        assert_eq!(fold("ı"), "ı");
    }

    #[test]
    fn cherokee_folds_to_uppercase_not_lowercase() {
        assert_eq!(fold("\u{ab70}"), "\u{13a0}");
        assert_eq!(fold("\u{13a0}"), "\u{13a0}");
    }

    #[test]
    fn text_without_case_is_unchanged() {
        assert_eq!(fold(""), "");
        assert_eq!(fold("50% off_1\\2"), "50% off_1\\2");
        assert_eq!(fold("日本語"), "日本語");
    }
}
