//! `samsvar run --test`: limit loaded suites to the tests some patterns name, plus the
//! tests those need, and say what was left out.
//!
//! A pattern is `TEST` or `SUITE/TEST`, where each part is a glob (`*`, `?`, `[…]`) and
//! `TEST` may also name a group (all of its tests). A test that is selected brings every
//! test it needs, explicitly or through a capture it uses (the loader has already added
//! those to `needs`), so a subset never skips a test only because its producer was cut.

use crate::Loaded;
use crate::model::{Group, Item, Test};
use globset::{Glob, GlobMatcher};
use samsvar_record::Selection;
use std::collections::{BTreeSet, HashSet};

/// A `--test` pattern that cannot be used; the run does not start (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("--test `{pattern}` is not a valid pattern: {reason}")]
    Invalid { pattern: String, reason: String },
    #[error("--test `{pattern}` matches no test or group of the suites{hint}")]
    NoMatch { pattern: String, hint: String },
}

/// One compiled pattern.
struct Pattern {
    text: String,
    suite: Option<GlobMatcher>,
    item: GlobMatcher,
}

impl Pattern {
    fn parse(text: &str) -> Result<Self, SelectError> {
        let compile = |part: &str| {
            Glob::new(part)
                .map(|g| g.compile_matcher())
                .map_err(|e| SelectError::Invalid {
                    pattern: text.to_string(),
                    reason: e.kind().to_string(),
                })
        };
        let (suite, item) = match text.split_once('/') {
            Some((s, i)) => (Some(compile(s)?), compile(i)?),
            None => (None, compile(text)?),
        };
        Ok(Pattern {
            text: text.to_string(),
            suite,
            item,
        })
    }

    fn matches_suite(&self, suite_id: &str) -> bool {
        self.suite.as_ref().is_none_or(|m| m.is_match(suite_id))
    }
}

/// Keeps, in every suite, the tests the patterns select and the tests they need; drops
/// suites left with no test. `None` when no pattern was given (the whole run).
pub fn select(
    suites: &mut Vec<Loaded>,
    patterns: &[String],
) -> Result<Option<Selection>, SelectError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let compiled = patterns
        .iter()
        .map(|p| Pattern::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Every name before anything is cut, for the "did you mean" of a pattern that misses.
    let mut names = BTreeSet::new();
    for l in suites.iter() {
        collect_names(&l.suite.root, &mut names);
    }
    let mut used = vec![false; compiled.len()];
    let mut total = 0;
    let mut selected = 0;
    let mut left_out = Vec::new();
    for loaded in suites.iter_mut() {
        let suite_id = loaded.suite.meta.id.value.clone();
        let tests: Vec<&Test> = loaded.suite.root.tests();
        total += tests.len();
        let mut chosen: HashSet<String> = HashSet::new();
        for (i, p) in compiled.iter().enumerate() {
            if !p.matches_suite(&suite_id) {
                continue;
            }
            used[i] |= chosen_by(&loaded.suite.root, p, false, &mut chosen);
        }
        close_over_needs(&tests, &mut chosen);
        for t in &tests {
            if chosen.contains(&t.id.value) {
                selected += 1;
            } else {
                left_out.push(format!("{suite_id}/{}", t.id.value));
            }
        }
        retain(&mut loaded.suite.root, &chosen);
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(no_match(&compiled[i].text, &names));
    }
    suites.retain(|l| !l.suite.root.tests().is_empty());
    Ok(Some(Selection {
        patterns: patterns.to_vec(),
        selected,
        total,
        left_out,
    }))
}

/// Adds the tests of `group` that `p` names, directly or through an enclosing group;
/// `true` when `p` names a test or group here.
fn chosen_by(group: &Group, p: &Pattern, inside: bool, out: &mut HashSet<String>) -> bool {
    let mut named = false;
    for item in &group.items {
        match item {
            Item::Test(t) => {
                let hit = p.item.is_match(&t.id.value);
                named |= hit;
                if inside || hit {
                    out.insert(t.id.value.clone());
                }
            }
            Item::Group(g) => {
                let hit = p.item.is_match(&g.id.value);
                named |= hit;
                named |= chosen_by(g, p, inside || hit, out);
            }
        }
    }
    named
}

/// Adds every test a chosen test needs, transitively.
fn close_over_needs(tests: &[&Test], chosen: &mut HashSet<String>) {
    let mut work: Vec<String> = chosen.iter().cloned().collect();
    while let Some(id) = work.pop() {
        let Some(test) = tests.iter().find(|t| t.id.value == id) else {
            continue;
        };
        for need in &test.needs {
            if chosen.insert(need.value.clone()) {
                work.push(need.value.clone());
            }
        }
    }
}

/// Removes the tests not chosen, and the groups that are left empty.
fn retain(group: &mut Group, chosen: &HashSet<String>) {
    group.items.retain_mut(|item| match item {
        Item::Test(t) => chosen.contains(&t.id.value),
        Item::Group(g) => {
            retain(g, chosen);
            !g.items.is_empty()
        }
    });
}

fn no_match(pattern: &str, names: &BTreeSet<String>) -> SelectError {
    let wanted = pattern.rsplit('/').next().unwrap_or(pattern);
    let hint = samsvar_diagnostics::did_you_mean(wanted, names.iter().map(String::as_str))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    SelectError::NoMatch {
        pattern: pattern.to_string(),
        hint,
    }
}

fn collect_names(group: &Group, out: &mut BTreeSet<String>) {
    for item in &group.items {
        match item {
            Item::Test(t) => {
                out.insert(t.id.value.clone());
            }
            Item::Group(g) => {
                out.insert(g.id.value.clone());
                collect_names(g, out);
            }
        }
    }
}
