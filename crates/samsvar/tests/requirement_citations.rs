//! The shipped suites cite requirements the way their catalogue entries allow: a
//! requirement that no technical specification defines yet (`standardised: false`, such as
//! EHDS Annex II 3.2(c)) is reported as information, so only optional tests checking at
//! MAY may cite it; a failing check can never rest on it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_suite::model::{Group, Item, Level, Test};

fn tests_with_optional(group: &Group, optional: bool, out: &mut Vec<(Test, bool)>) {
    for item in &group.items {
        match item {
            Item::Test(t) => out.push((t.clone(), optional || t.optional)),
            Item::Group(g) => tests_with_optional(g, optional || g.optional, out),
        }
    }
}

#[test]
fn requirements_not_yet_standardised_are_cited_only_as_information() {
    let catalogue = samsvar_requirements::Catalogue::embedded().unwrap();
    let root = common::workspace_root().join("testsuites");
    let mut citations = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path().join("suite.yaml");
        if !path.is_file() {
            continue;
        }
        let loaded = samsvar_suite::load(&path).unwrap();
        let mut tests = Vec::new();
        tests_with_optional(&loaded.suite.root, false, &mut tests);
        for (test, optional) in tests {
            let test_level = test.level.as_ref().map(|l| l.value);
            let mut cited: Vec<(String, Option<Level>)> = test
                .verifies
                .iter()
                .map(|v| (v.value.clone(), test_level))
                .collect();
            for step in &test.steps {
                for a in &step.assertions {
                    let level = a.level.as_ref().map(|l| l.value).or(test_level);
                    cited.extend(a.verifies.iter().map(|v| (v.value.clone(), level)));
                }
            }
            for (id, level) in cited {
                let Some(entry) = catalogue.get(&id) else {
                    continue;
                };
                if entry.requirement.standardised {
                    continue;
                }
                citations += 1;
                let where_ = format!("{} test `{}` cites {id}", path.display(), test.id.value);
                assert!(
                    optional,
                    "{where_}, which is not standardised: the test must be optional"
                );
                assert_eq!(
                    level,
                    Some(Level::May),
                    "{where_}, which is not standardised: check it at `level: may`"
                );
            }
        }
    }
    assert!(
        citations >= 3,
        "testsuites/balp reports Annex II 3.2(b), (c) and (e) as information"
    );
}
