//! Searching bytes for every spelling of every secret at once.
//!
//! A run registers secrets as it goes (a DPoP proof per request), so the search set
//! grows by small batches. Rebuilding one automaton per batch would cost the whole set
//! every time; instead the patterns sit in levels whose sizes roughly double (a binary
//! counter): a batch becomes a new level, merged with the levels not larger than it.
//! Adding n patterns costs O(n log n) in all, a search one pass per level (a few).

use aho_corasick::AhoCorasick;
use std::sync::Arc;

#[derive(Default)]
pub(super) struct Levels {
    levels: Vec<Level>,
}

#[derive(Clone)]
struct Level {
    patterns: Arc<[String]>,
    /// `None` only if the automaton could not be built (a pattern set beyond its
    /// limits); the level is then searched pattern by pattern.
    finder: Option<AhoCorasick>,
}

impl Level {
    fn new(patterns: Vec<String>) -> Self {
        let finder = AhoCorasick::new(&patterns).ok();
        Level {
            patterns: patterns.into(),
            finder,
        }
    }

    fn is_match(&self, hay: &[u8]) -> bool {
        match &self.finder {
            Some(f) => f.is_match(hay),
            None => self
                .patterns
                .iter()
                .any(|p| find(hay, p.as_bytes(), 0).is_some()),
        }
    }

    /// Every match, overlapping ones included, as byte ranges.
    fn ranges(&self, hay: &[u8], out: &mut Vec<(usize, usize)>) {
        match &self.finder {
            Some(f) => out.extend(f.find_overlapping_iter(hay).map(|m| (m.start(), m.end()))),
            None => {
                for p in self.patterns.iter().map(String::as_bytes) {
                    let mut from = 0;
                    while let Some(i) = find(hay, p, from) {
                        out.push((i, i + p.len()));
                        from = i + 1;
                    }
                }
            }
        }
    }
}

impl Levels {
    /// These levels plus `added` patterns.
    pub(super) fn with(&self, added: Vec<String>) -> Levels {
        let mut levels = self.levels.clone();
        let mut carry = added;
        while let Some(last) = levels.last() {
            if last.patterns.len() > carry.len() {
                break;
            }
            carry.extend(last.patterns.iter().cloned());
            levels.pop();
        }
        levels.push(Level::new(carry));
        Levels { levels }
    }

    pub(super) fn is_match(&self, hay: &[u8]) -> bool {
        self.levels.iter().any(|l| l.is_match(hay))
    }

    /// `hay` with every match replaced by `marker` (overlapping matches by one marker),
    /// or `None` when nothing matched.
    pub(super) fn replace(&self, hay: &[u8], marker: &[u8]) -> Option<Vec<u8>> {
        if self.levels.is_empty() || !self.is_match(hay) {
            return None;
        }
        let mut ranges = Vec::new();
        for level in &self.levels {
            level.ranges(hay, &mut ranges);
        }
        ranges.sort_unstable();
        let mut out = Vec::with_capacity(hay.len());
        let mut copied = 0;
        let mut i = 0;
        while i < ranges.len() {
            let (start, mut end) = ranges[i];
            i += 1;
            while i < ranges.len() && ranges[i].0 < end {
                end = end.max(ranges[i].1);
                i += 1;
            }
            if start < copied {
                continue;
            }
            out.extend_from_slice(&hay[copied..start]);
            out.extend_from_slice(marker);
            copied = end;
        }
        out.extend_from_slice(&hay[copied..]);
        Some(out)
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= hay.len() || needle.len() > hay.len() - from {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_stay_logarithmic_and_find_everything() {
        let mut levels = Levels::default();
        for i in 0..100 {
            levels = levels.with(vec![format!("secret-{i:03}")]);
        }
        assert!(levels.levels.len() <= 8, "{} levels", levels.levels.len());
        let hay = b"a secret-007 b secret-099 c secret-100";
        let out = levels.replace(hay, b"#").unwrap();
        assert_eq!(out, b"a # b # c secret-100");
        assert!(levels.replace(b"nothing", b"#").is_none());
    }
}
