//! Which full-name person a lone surname of another article means, judged by context.
//!
//! An article that says only "Mr Howard" gives no full name to link to. The store
//! knows every "X Howard" it holds and, for each, the entities of the articles that
//! name that person in full. The lone surname goes to the candidate whose usual
//! company the article's own entities resemble most (Michael Howard keeps company
//! with Tony Blair and the Conservative Party, Ron Howard with films), and only when
//! the context says so clearly; otherwise it stays its own entity.
//!
//! The score is a naive-Bayes log-likelihood ratio over the article's entities,
//! counting only the entities a candidate has been seen with (an entity a candidate
//! was never seen with says little: the store is incomplete), each smoothed toward
//! its share of all articles, plus the log of the candidate's article count as the
//! prior. A candidate that the article itself names in full is scored without that
//! article (its profile would otherwise contain the very context it is judged on),
//! and when the article names one candidate in full, only that one competes (when
//! it names several, the surname stays ambiguous). The evidence counts half against
//! the prior: an article's entities are far from independent.

use std::collections::HashMap;
use std::hash::Hash;

/// Smoothing: a candidate's share of articles with an entity is pulled toward that
/// entity's share of all articles with the weight of this many articles, so a person
/// seen in two articles cannot outscore one seen in a hundred on two coincidences.
const SMOOTHING_ARTICLES: f64 = 10.0;
/// The least evidence (natural log of the likelihood ratio) the context must give the
/// chosen candidate.
const MIN_EVIDENCE: f64 = 3.0;
/// The weight of the context's evidence against the prior in the posterior: the
/// entities of an article are far from independent, so their summed evidence
/// overstates the certainty.
const EVIDENCE_WEIGHT: f64 = 0.5;
/// The least posterior probability of the chosen candidate among all candidates.
const MIN_POSTERIOR: f64 = 0.9;

/// What the store knows of one candidate person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile<E: Eq + Hash> {
    /// Articles that name the person in full.
    pub articles: u32,
    /// Per other entity, how many of those articles mention it too.
    pub shared: HashMap<E, u32>,
}

/// A candidate as seen from one article.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a, E: Eq + Hash> {
    /// The candidate's profile over the whole store.
    pub profile: &'a Profile<E>,
    /// How often this article itself names the candidate in full (0: not at all).
    pub in_article: u32,
}

/// One entity of the article: the entity and its share of all articles (0 to 1).
pub type ContextEntity<E> = (E, f64);

/// The index of the candidate the article's entities point to, or `None` when the
/// evidence is weak or split.
pub fn choose<E: Eq + Hash>(
    candidates: &[Candidate<'_, E>],
    context: &[ContextEntity<E>],
) -> Option<usize> {
    let competing = named_competitors(candidates);
    let named_here = competing
        .iter()
        .filter(|&&i| candidates[i].in_article > 0)
        .count();
    if named_here > 1 {
        // The article names several of them in full and still says only the surname:
        // its own text is ambiguous, and other articles cannot say which it meant.
        return None;
    }
    let mut scored: Vec<(usize, f64, f64)> = Vec::new();
    for i in competing {
        let c = &candidates[i];
        // Leave this article out of a profile that contains it.
        let own = u32::from(c.in_article > 0);
        let articles = c.profile.articles.saturating_sub(own);
        if articles == 0 {
            continue;
        }
        let n = f64::from(articles);
        let mut evidence = 0.0;
        for (entity, share) in context {
            let shared = c.profile.shared.get(entity).copied().unwrap_or(0);
            let shared = shared.saturating_sub(own);
            if shared == 0 || !(*share > 0.0 && *share <= 1.0) {
                continue;
            }
            let p = (f64::from(shared) + SMOOTHING_ARTICLES * share) / (n + SMOOTHING_ARTICLES);
            evidence += (p / share).ln();
        }
        scored.push((i, evidence, EVIDENCE_WEIGHT * evidence + n.ln()));
    }
    let best = scored
        .iter()
        .copied()
        .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)))?;
    if best.1 < MIN_EVIDENCE {
        return None;
    }
    let total: f64 = scored.iter().map(|s| (s.2 - best.2).exp()).sum();
    (1.0 / total >= MIN_POSTERIOR).then_some(best.0)
}

/// The candidates that compete: those the article names in full if it names any,
/// else all. A name the article gives in full but no other article ever gives ("Vote
/// Blair", "Euro-Sceptic Kilroy-Silk": a tagger's run-on) does not compete with one
/// the article names at least as often and other articles name too.
fn named_competitors<E: Eq + Hash>(candidates: &[Candidate<'_, E>]) -> Vec<usize> {
    if candidates.iter().all(|c| c.in_article == 0) {
        return (0..candidates.len()).collect();
    }
    let known_most = candidates
        .iter()
        .filter(|c| c.in_article > 0 && c.profile.articles > 1)
        .map(|c| c.in_article)
        .max()
        .unwrap_or(0);
    (0..candidates.len())
        .filter(|&i| {
            let c = &candidates[i];
            c.in_article > 0 && (c.profile.articles > 1 || c.in_article > known_most)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(articles: u32, shared: &[(&'static str, u32)]) -> Profile<&'static str> {
        Profile {
            articles,
            shared: shared.iter().copied().collect(),
        }
    }

    fn out_of<'a>(p: &'a Profile<&'static str>) -> Candidate<'a, &'static str> {
        Candidate {
            profile: p,
            in_article: 0,
        }
    }

    #[test]
    fn the_candidate_whose_company_the_article_keeps_wins() {
        let michael = profile(
            40,
            &[
                ("Tony Blair", 30),
                ("Conservative Party", 35),
                ("London", 10),
            ],
        );
        let ron = profile(
            4,
            &[
                ("Hollywood", 4),
                ("Oscars", 3),
                ("Academy", 3),
                ("Tom Hanks", 3),
                ("London", 1),
            ],
        );
        let politics = [
            ("Tony Blair", 0.07),
            ("Conservative Party", 0.05),
            ("London", 0.15),
        ];
        // The rarely seen candidate needs more evidence to beat the prior of the
        // often seen one.
        let films = [("Hollywood", 0.04), ("Oscars", 0.03)];
        assert_eq!(choose(&[out_of(&michael), out_of(&ron)], &films), None);
        let films = [
            ("Hollywood", 0.04),
            ("Oscars", 0.03),
            ("Academy", 0.02),
            ("Tom Hanks", 0.005),
        ];
        let both = [out_of(&michael), out_of(&ron)];
        assert_eq!(choose(&both, &politics), Some(0));
        assert_eq!(choose(&both, &films), Some(1));
    }

    #[test]
    fn weak_or_split_evidence_links_nothing() {
        let a = profile(50, &[("London", 10)]);
        let b = profile(50, &[("London", 10), ("Paris", 10)]);
        // Only a common entity in common: not enough.
        assert_eq!(choose(&[out_of(&a)], &[("London", 0.15)]), None);
        // Nothing in common at all.
        assert_eq!(choose(&[out_of(&a)], &[("Tokyo", 0.01)]), None);
        // Two candidates with the same company: split.
        let b2 = b.clone();
        let twins = [out_of(&b), out_of(&b2)];
        assert_eq!(choose(&twins, &[("Paris", 0.01), ("London", 0.15)]), None);
        assert_eq!(choose::<&str>(&[], &[("Paris", 0.01)]), None);
    }

    #[test]
    fn a_candidate_named_in_the_article_is_judged_without_it() {
        // Seen once, in this very article: no evidence left once it is left out.
        let only_here = profile(1, &[("Paris", 1), ("Tokyo", 1)]);
        let here = Candidate {
            profile: &only_here,
            in_article: 1,
        };
        assert_eq!(choose(&[here], &[("Paris", 0.01), ("Tokyo", 0.01)]), None);
        // Named here and elsewhere with the same company: chosen, and the candidates
        // the article does not name do not compete.
        let often = profile(20, &[("Paris", 15), ("Tokyo", 12), ("London", 5)]);
        let elsewhere = profile(40, &[("Paris", 30), ("Tokyo", 30)]);
        let cands = [
            out_of(&elsewhere),
            Candidate {
                profile: &often,
                in_article: 1,
            },
        ];
        assert_eq!(choose(&cands, &[("Paris", 0.01), ("Tokyo", 0.01)]), Some(1));
        // Named here twice, beside a run-on named here once and nowhere else: the
        // run-on does not compete. Beside a name also seen elsewhere: ambiguous.
        let run_on = profile(1, &[("Paris", 1), ("Tokyo", 1)]);
        let named = |profile, in_article| Candidate {
            profile,
            in_article,
        };
        let cands = [named(&often, 2), named(&run_on, 1)];
        assert_eq!(choose(&cands, &[("Paris", 0.01), ("Tokyo", 0.01)]), Some(0));
        let cands = [named(&often, 1), named(&run_on, 1)];
        assert_eq!(choose(&cands, &[("Paris", 0.01), ("Tokyo", 0.01)]), Some(0));
        // Named here more often than the known one: a person of this article only.
        let cands = [named(&often, 1), named(&run_on, 3)];
        assert_eq!(choose(&cands, &[("Paris", 0.01), ("Tokyo", 0.01)]), None);
        let cands = [named(&often, 2), named(&elsewhere, 1)];
        assert_eq!(choose(&cands, &[("Paris", 0.01), ("Tokyo", 0.01)]), None);
    }
}
