//! "Did you mean" suggestions by edit distance.

/// The closest candidate to `word`, for "did you mean" hints; `None` when nothing is
/// close enough to be a plausible typo (a third of the word's length, at least one edit).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    nearest(word, candidates, limit)
}

/// The candidate with the fewest edits from `word`, at most `max_edits` away; of equally
/// near candidates the first.
pub fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_edits: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= max_edits)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["status", "header", "fhirpath", "content_type"];
        assert_eq!(did_you_mean("stauts", keys), Some("status"));
        assert_eq!(did_you_mean("fhirpth", keys), Some("fhirpath"));
        assert_eq!(did_you_mean("xyz", keys), None);
    }

    #[test]
    fn nearest_prefers_the_first_of_equals() {
        assert_eq!(nearest("gven", ["given", "gvenx"], 2), Some("given"));
        assert_eq!(nearest("abc", ["xyz"], 2), None);
    }
}
