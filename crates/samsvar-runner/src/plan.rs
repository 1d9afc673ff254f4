//! Flattens a suite's group tree into the list of tests to schedule, with the
//! requirement ids and EHDS mapping each test inherits.

use crate::Outcome;
use crate::record::{EhdsRecord, GroupRecord, ItemRecord, TestRecord};
use samsvar_suite::model::{EhdsMapping, Group, Item, Suite, Test};
use std::collections::HashMap;

pub struct PlannedTest<'s> {
    pub test: &'s Test,
    /// Effective requirement ids (suite + groups + test), without duplicates.
    pub verifies: Vec<String>,
    /// Nearest EHDS mapping (test, then groups inward-out, then suite).
    pub ehds: Option<EhdsRecord>,
}

pub fn plan(suite: &Suite) -> Vec<PlannedTest<'_>> {
    let mut out = Vec::new();
    let verifies: Vec<String> = suite
        .meta
        .verifies
        .iter()
        .map(|v| v.value.clone())
        .collect();
    walk(&suite.root, &verifies, suite.meta.ehds.as_ref(), &mut out);
    out
}

fn walk<'s>(
    group: &'s Group,
    verifies: &[String],
    ehds: Option<&'s EhdsMapping>,
    out: &mut Vec<PlannedTest<'s>>,
) {
    let verifies = extend(verifies, group.verifies.iter().map(|v| v.value.as_str()));
    let ehds = group.ehds.as_ref().or(ehds);
    for item in &group.items {
        match item {
            Item::Group(g) => walk(g, &verifies, ehds, out),
            Item::Test(t) => out.push(PlannedTest {
                test: t,
                verifies: extend(&verifies, t.verifies.iter().map(|v| v.value.as_str())),
                ehds: t.ehds.as_ref().or(ehds).map(ehds_record),
            }),
        }
    }
}

fn extend<'a>(base: &[String], more: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v = base.to_vec();
    for m in more {
        if !v.iter().any(|x| x == m) {
            v.push(m.to_string());
        }
    }
    v
}

pub fn ehds_record(m: &EhdsMapping) -> EhdsRecord {
    EhdsRecord {
        component: kebab(&m.component),
        category: m.category.as_ref().map(kebab),
    }
}

fn kebab<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Rebuilds the group tree with finished test records; a group's outcome is the worst
/// of its required children (optional tests and groups never fail their parent).
pub fn group_record(group: &Group, tests: &mut HashMap<String, TestRecord>) -> GroupRecord {
    let mut items = Vec::new();
    for item in &group.items {
        match item {
            Item::Group(g) => items.push(ItemRecord::Group(group_record(g, tests))),
            Item::Test(t) => {
                if let Some(r) = tests.remove(&t.id.value) {
                    items.push(ItemRecord::Test(r));
                }
            }
        }
    }
    let outcome = items
        .iter()
        .filter_map(|i| match i {
            ItemRecord::Group(g) if !g.optional => Some(g.outcome),
            ItemRecord::Test(t) if !t.optional => Some(t.outcome),
            _ => None,
        })
        .max()
        .unwrap_or(Outcome::Pass);
    GroupRecord {
        id: group.id.value.clone(),
        title: group.title.clone(),
        optional: group.optional,
        outcome,
        items,
    }
}
