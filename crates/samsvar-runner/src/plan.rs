//! The plan of a suite as the record announces it: digests of the suite file (as
//! loaded) and its fixtures, computed once here, and its tree of groups and tests with
//! the requirement ids and EHDS mapping each test inherits.

use crate::context::line_location;
use samsvar_diagnostics::SourceMap;
use samsvar_record::{
    EhdsRecord, FileDigest, GroupPlan, PlanItem, SuitePlan, TestPlan, sha256_hex,
};
use samsvar_suite::Loaded;
use samsvar_suite::model::{EhdsMapping, Group, Item, Suite, Test};

/// The plan of a loaded suite.
pub fn suite_plan(loaded: &Loaded) -> SuitePlan {
    let suite = &loaded.suite;
    let verifies: Vec<String> = suite
        .meta
        .verifies
        .iter()
        .map(|v| v.value.clone())
        .collect();
    let root = group_plan(
        &loaded.sources,
        &suite.root,
        &verifies,
        suite.meta.ehds.as_ref(),
    );
    SuitePlan {
        id: suite.meta.id.value.clone(),
        version: suite.meta.version.clone(),
        title: suite.meta.title.clone(),
        path: suite.path.display().to_string(),
        sha256: suite_digest(loaded),
        fixtures: suite
            .fixtures
            .iter()
            .map(|f| FileDigest {
                path: f
                    .strip_prefix(&suite.base_dir)
                    .unwrap_or(f)
                    .display()
                    .to_string(),
                sha256: std::fs::read(f).map(|b| sha256_hex(&b)).unwrap_or_default(),
            })
            .collect(),
        ehds: suite.meta.ehds.as_ref().map(ehds_record),
        verifies,
        root,
    }
}

/// sha256 of the suite file's text exactly as it was loaded and checked (not read
/// again: the run is of what was loaded).
fn suite_digest(loaded: &Loaded) -> String {
    let path = &loaded.suite.path;
    loaded
        .sources
        .find(path)
        .and_then(|id| loaded.sources.get(id))
        .map(|file| sha256_hex(file.text.as_bytes()))
        .unwrap_or_default()
}

fn group_plan(
    sources: &SourceMap,
    group: &Group,
    verifies: &[String],
    ehds: Option<&EhdsMapping>,
) -> GroupPlan {
    let verifies = extend(verifies, group.verifies.iter().map(|v| v.value.as_str()));
    let ehds = group.ehds.as_ref().or(ehds);
    GroupPlan {
        id: group.id.value.clone(),
        title: group.title.clone(),
        optional: group.optional,
        items: group
            .items
            .iter()
            .map(|item| match item {
                Item::Group(g) => PlanItem::Group(group_plan(sources, g, &verifies, ehds)),
                Item::Test(t) => PlanItem::Test(test_plan(sources, t, &verifies, ehds)),
            })
            .collect(),
    }
}

fn test_plan(
    sources: &SourceMap,
    test: &Test,
    verifies: &[String],
    ehds: Option<&EhdsMapping>,
) -> TestPlan {
    TestPlan {
        id: test.id.value.clone(),
        title: test.title.clone(),
        optional: test.optional,
        verifies: extend(verifies, test.verifies.iter().map(|v| v.value.as_str())),
        ehds: test.ehds.as_ref().or(ehds).map(ehds_record),
        location: line_location(sources, test.id.span),
    }
}

/// Every test of a suite, in file order (the order tests are scheduled in).
pub fn tests(suite: &Suite) -> Vec<&Test> {
    fn walk<'s>(group: &'s Group, out: &mut Vec<&'s Test>) {
        for item in &group.items {
            match item {
                Item::Group(g) => walk(g, out),
                Item::Test(t) => out.push(t),
            }
        }
    }
    let mut out = Vec::new();
    walk(&suite.root, &mut out);
    out
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

fn ehds_record(m: &EhdsMapping) -> EhdsRecord {
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
