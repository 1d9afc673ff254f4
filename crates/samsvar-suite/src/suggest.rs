//! "Did you mean" suggestions: the shared edit-distance rule, plus swapped neighbours
//! (`titel` → `title`), the most common typo that plain edit distance counts twice.

use samsvar_diagnostics::did_you_mean;

pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    did_you_mean(word, candidates.clone())
        .or_else(|| candidates.into_iter().find(|c| one_swap(word, c)))
}

/// Whether `a` becomes `b` by swapping two neighbouring characters.
fn one_swap(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(diff.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_swapped_neighbours() {
        assert_eq!(closest("titel", ["id", "title", "steps"]), Some("title"));
        assert_eq!(closest("stauts", ["status"]), Some("status"));
        assert_eq!(closest("xyz", ["status"]), None);
    }
}
