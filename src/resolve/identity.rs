//! The identity of a name across the whole store: one key per name variant, so that
//! "Kilroy-Silk" and "Kilroy Silk", "WorldCom" and "Worldcom", "SOUTHAMPTON" and
//! "Southampton", "George W. Bush" and "George W Bush", "Société Générale" and
//! "Societe Generale", "the Hague" and "Hague" are one entity.

use unicode_normalization::UnicodeNormalization;

/// The identity key of a canonical name: case, diacritics, punctuation, hyphens and
/// spaces, and a leading "the" folded. Two names with the same key are the same entity.
/// Never empty for a name with a letter or digit; a name with neither keys as itself.
pub fn identity_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    // A separator is pending between two words; dots and apostrophes join ("U.S." ->
    // "us", "O'Brien" -> "obrien"), other punctuation and spaces separate.
    let mut pending = false;
    for c in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if pending && !key.is_empty() {
                key.push(' ');
            }
            pending = false;
            key.extend(c.to_lowercase());
        } else if !matches!(c, '.' | '\'' | '’' | '‘' | '`') {
            pending = true;
        }
    }
    if let Some(rest) = key.strip_prefix("the ") {
        key = rest.to_string();
    }
    if key.is_empty() {
        name.to_string()
    } else {
        key
    }
}

/// Whether a name is written the way a reader expects a name: mixed case, or a short
/// all-capital acronym ("BBC", "NATO"). Names set in capitals ("SOUTHAMPTON") or lower
/// case come from headlines and casual text.
pub fn well_cased(name: &str) -> bool {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    let lower = letters.iter().filter(|c| c.is_lowercase()).count();
    if letters.is_empty() {
        return true;
    }
    if lower == 0 {
        // An acronym is short: up to five capitals.
        return upper <= 5;
    }
    upper > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_one_name_share_a_key() {
        for group in [
            &["Kilroy-Silk", "Kilroy Silk", "KILROY-SILK", "kilroy  silk"][..],
            &["WorldCom", "Worldcom", "WORLDCOM"],
            &["SOUTHAMPTON", "Southampton"],
            &["George W. Bush", "George W Bush"],
            &["Société Générale", "Societe Generale"],
            &["The Hague", "the Hague", "Hague"],
            &["U.S.", "US"],
            &["O'Driscoll", "O’Driscoll", "ODriscoll"],
            &["Al-Qaeda", "al Qaeda"],
        ] {
            let keys: Vec<String> = group.iter().map(|n| identity_key(n)).collect();
            assert!(keys.iter().all(|k| *k == keys[0]), "{group:?} -> {keys:?}");
        }
    }

    #[test]
    fn different_names_keep_different_keys() {
        let names = [
            "Bush",
            "George Bush",
            "Georgia",
            "US Airways",
            "Thea",
            "Théâtre",
            "Hague Convention",
        ];
        let keys: std::collections::HashSet<String> =
            names.iter().map(|n| identity_key(n)).collect();
        assert_eq!(keys.len(), names.len(), "{keys:?}");
        assert_eq!(identity_key("The"), "the");
        assert_eq!(identity_key("!!"), "!!");
    }

    #[test]
    fn headline_capitals_and_lower_case_are_not_well_cased() {
        assert!(well_cased("Southampton"));
        assert!(well_cased("BBC"));
        assert!(well_cased("McDonald's"));
        assert!(!well_cased("SOUTHAMPTON"));
        assert!(!well_cased("southampton"));
    }
}
