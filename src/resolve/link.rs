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

use foldhash::fast::RandomState as Fast;

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
#[derive(Debug, Clone, PartialEq)]
pub struct Profile<E: Ord> {
    /// Articles that name the person in full.
    pub articles: u32,
    /// Per other entity, how many of those articles mention it too, sorted by entity
    /// and each entity once: 8 bytes an entry for `u32` ids, where a hash map took
    /// about 27 (a store's profiles hold millions of entries).
    shared: Vec<(E, u32)>,
}

impl<E: Ord> Default for Profile<E> {
    fn default() -> Self {
        Profile {
            articles: 0,
            shared: Vec::new(),
        }
    }
}

impl<E: Ord> Profile<E> {
    /// A profile of `articles` articles from per-entity counts (any order; an entity
    /// given twice has its counts added).
    pub fn from_counts(articles: u32, counts: impl IntoIterator<Item = (E, u32)>) -> Self {
        let mut shared: Vec<(E, u32)> = counts.into_iter().collect();
        shared.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        shared.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        shared.shrink_to_fit();
        Profile { articles, shared }
    }

    /// How many of the candidate's articles mention `entity` too.
    pub fn shared_with(&self, entity: &E) -> u32 {
        self.shared
            .binary_search_by(|(e, _)| e.cmp(entity))
            .map_or(0, |i| self.shared[i].1)
    }

    /// The entities the candidate was seen with, in entity order.
    pub fn company(&self) -> impl Iterator<Item = &(E, u32)> {
        self.shared.iter()
    }

    /// The bytes the profile holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.shared.capacity() * std::mem::size_of::<(E, u32)>()
    }
}

/// Builds the profiles of many candidates from the articles of a store seen one at a
/// time, in memory bounded by the result: pair counts gather in a hash table, which is
/// folded into each candidate's sorted list once it holds
/// [`CompanyCounter::HOT_PAIRS`] pairs (checked after each candidate of an article, so
/// it may hold one article's worth more). The profiles equal those of counting every
/// article into a hash map per candidate.
#[derive(Debug)]
pub struct CompanyCounter {
    articles: HashMap<u32, u32>,
    /// (candidate << 32 | entity) -> articles since the last fold.
    hot: HashMap<u64, u32, Fast>,
    /// Pairs `hot` may hold before a fold.
    hot_pairs: usize,
    /// Per candidate, its folded counts, sorted by entity.
    folded: HashMap<u32, Vec<(u32, u32)>>,
}

impl Default for CompanyCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl CompanyCounter {
    /// Pairs the hash table holds before it is folded: its table then stays within
    /// 2^20 buckets (917,504 pairs, about 17 MB; a fold sorts the pairs in a list of
    /// up to 14 MB more).
    pub const HOT_PAIRS: usize = 900_000;

    /// An empty counter.
    pub fn new() -> Self {
        Self::with_hot_pairs(Self::HOT_PAIRS)
    }

    /// An empty counter that folds whenever its hash table holds `hot_pairs` pairs.
    fn with_hot_pairs(hot_pairs: usize) -> Self {
        CompanyCounter {
            articles: HashMap::new(),
            hot: HashMap::default(),
            hot_pairs,
            folded: HashMap::new(),
        }
    }

    /// Counts one article: `context` holds its entities, each once; every one of them
    /// that `is_candidate` gains an article and the others as company.
    pub fn add_article(&mut self, context: &[u32], is_candidate: impl Fn(u32) -> bool) {
        for &c in context {
            if !is_candidate(c) {
                continue;
            }
            *self.articles.entry(c).or_default() += 1;
            for &e in context {
                if e != c {
                    *self
                        .hot
                        .entry(u64::from(c) << 32 | u64::from(e))
                        .or_default() += 1;
                }
            }
            if self.hot.len() >= self.hot_pairs {
                self.fold();
            }
        }
    }

    /// Moves the hash table's counts into the sorted lists.
    fn fold(&mut self) {
        let mut pairs: Vec<(u64, u32)> = self.hot.drain().collect();
        pairs.sort_unstable_by_key(|&(k, _)| k);
        let mut start = 0;
        while start < pairs.len() {
            let c = (pairs[start].0 >> 32) as u32;
            let end = start + pairs[start..].partition_point(|&(k, _)| (k >> 32) as u32 == c);
            let run = pairs[start..end].iter().map(|&(k, n)| (k as u32, n));
            let list = self.folded.entry(c).or_default();
            *list = merge_counts(list, run);
            start = end;
        }
    }

    /// The profile of every candidate counted in at least one article.
    pub fn finish(mut self) -> HashMap<u32, Profile<u32>> {
        self.fold();
        self.hot = HashMap::default();
        let mut folded = self.folded;
        self.articles
            .into_iter()
            .map(|(c, articles)| {
                let mut shared = folded.remove(&c).unwrap_or_default();
                shared.shrink_to_fit();
                (c, Profile { articles, shared })
            })
            .collect()
    }
}

/// Two lists of counts sorted by entity, merged (counts of one entity added).
fn merge_counts(a: &[(u32, u32)], b: impl Iterator<Item = (u32, u32)>) -> Vec<(u32, u32)> {
    let mut b = b.peekable();
    let mut out = Vec::with_capacity(a.len() + b.size_hint().0);
    let mut a = a.iter().copied().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(&x), Some(&y)) if x.0 == y.0 => {
                a.next();
                b.next();
                (x.0, x.1 + y.1)
            }
            (Some(&x), Some(&y)) if x.0 < y.0 => {
                a.next();
                x
            }
            (_, Some(&y)) => {
                b.next();
                y
            }
            (Some(&x), None) => {
                a.next();
                x
            }
            (None, None) => return out,
        };
        out.push(next);
    }
}

/// A candidate as seen from one article.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a, E: Ord> {
    /// The candidate's profile over the whole store.
    pub profile: &'a Profile<E>,
    /// How often this article itself names the candidate in full (0: not at all).
    pub in_article: u32,
}

/// One entity of the article: the entity and its share of all articles (0 to 1).
pub type ContextEntity<E> = (E, f64);

/// The index of the candidate the article's entities point to, or `None` when the
/// evidence is weak or split.
pub fn choose<E: Ord>(
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
            let shared = c.profile.shared_with(entity);
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
fn named_competitors<E: Ord>(candidates: &[Candidate<'_, E>]) -> Vec<usize> {
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
        Profile::from_counts(articles, shared.iter().copied())
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
    fn folded_counts_equal_a_plain_count_per_candidate() {
        // Random articles over 40 entities, every third a candidate; the counter
        // folds every 7 pairs, so most counts pass through several merges.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as u32
        };
        let is_candidate = |c: u32| c % 3 == 0;
        let mut counter = CompanyCounter::with_hot_pairs(7);
        let mut plain: HashMap<u32, (u32, HashMap<u32, u32>)> = HashMap::new();
        for _ in 0..500 {
            let mut context: Vec<u32> = (0..next(12)).map(|_| next(40)).collect();
            context.sort_unstable();
            context.dedup();
            counter.add_article(&context, is_candidate);
            for &c in context.iter().filter(|&&c| is_candidate(c)) {
                let (articles, shared) = plain.entry(c).or_default();
                *articles += 1;
                for &e in context.iter().filter(|&&e| e != c) {
                    *shared.entry(e).or_default() += 1;
                }
            }
        }
        let profiles = counter.finish();
        assert_eq!(profiles.len(), plain.len());
        assert!(plain.len() > 5, "the articles name several candidates");
        for (c, (articles, shared)) in plain {
            let got = &profiles[&c];
            assert!(got.company().is_sorted_by_key(|(e, _)| *e));
            assert_eq!(
                *got,
                Profile::from_counts(articles, shared),
                "candidate {c}"
            );
        }
        let p = &profiles[&0];
        assert_eq!(p.shared_with(&41), 0, "an entity never seen has no count");
    }

    #[test]
    fn merged_counts_add_equal_entities_and_keep_the_order() {
        let merged = |a: &[(u32, u32)], b: &[(u32, u32)]| merge_counts(a, b.iter().copied());
        assert_eq!(merged(&[], &[]), []);
        assert_eq!(merged(&[(1, 2)], &[]), [(1, 2)]);
        assert_eq!(merged(&[], &[(1, 2)]), [(1, 2)]);
        assert_eq!(
            merged(&[(1, 2), (5, 1)], &[(1, 3), (5, 4)]),
            [(1, 5), (5, 5)]
        );
        assert_eq!(
            merged(&[(1, 1), (4, 1), (9, 1)], &[(0, 2), (4, 2), (10, 2)]),
            [(0, 2), (1, 1), (4, 3), (9, 1), (10, 2)]
        );
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
