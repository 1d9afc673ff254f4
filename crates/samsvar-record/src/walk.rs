//! The one way over a record's tree: every consumer (renderers, the EHDS roll-up, the
//! evidence writer, the redactor) walks tests, steps and bodies through these.

use crate::record::{
    Body, Exchange, GroupRecord, ItemRecord, ReceivedRecord, RunRecord, StepRecord, SuiteRecord,
    TestRecord,
};

/// A test with where it sits: its suite and the groups between the suite's root and it.
#[derive(Debug, Clone)]
pub struct TestEntry<'r> {
    pub suite: &'r SuiteRecord,
    /// The enclosing groups, outermost first, without the suite's root group.
    pub groups: Vec<&'r GroupRecord>,
    pub test: &'r TestRecord,
}

impl TestEntry<'_> {
    /// `suite.group.subgroup`: the suite id and the ids of the enclosing groups.
    pub fn group_path(&self) -> String {
        let mut path = self.suite.id.clone();
        for g in &self.groups {
            path.push('.');
            path.push_str(&g.id);
        }
        path
    }
}

/// Depth-first, in file order.
pub struct Tests<'r> {
    suite: &'r SuiteRecord,
    /// Open groups with the position of their next item; the root is first.
    stack: Vec<(&'r GroupRecord, usize)>,
}

impl<'r> Iterator for Tests<'r> {
    type Item = TestEntry<'r>;

    fn next(&mut self) -> Option<TestEntry<'r>> {
        loop {
            let (group, next) = self.stack.last_mut()?;
            let group: &'r GroupRecord = group;
            let Some(item) = group.items.get(*next) else {
                self.stack.pop();
                continue;
            };
            *next += 1;
            match item {
                ItemRecord::Group(g) => self.stack.push((g, 0)),
                ItemRecord::Test(test) => {
                    return Some(TestEntry {
                        suite: self.suite,
                        groups: self.stack.iter().skip(1).map(|(g, _)| *g).collect(),
                        test,
                    });
                }
            }
        }
    }
}

impl SuiteRecord {
    /// Every test of the suite, in file order.
    pub fn tests(&self) -> Tests<'_> {
        Tests {
            suite: self,
            stack: vec![(&self.root, 0)],
        }
    }

    /// Every step: setup, then each test's, then teardown.
    pub fn steps(&self) -> impl Iterator<Item = &StepRecord> {
        self.setup
            .iter()
            .chain(self.tests().flat_map(|e| e.test.steps.iter()))
            .chain(&self.teardown)
    }

    /// Calls `group` for every group (the root first) and `test` for every test.
    pub fn visit_mut(
        &mut self,
        group: &mut dyn FnMut(&mut GroupRecord),
        test: &mut dyn FnMut(&mut TestRecord),
    ) {
        fn walk(
            g: &mut GroupRecord,
            group: &mut dyn FnMut(&mut GroupRecord),
            test: &mut dyn FnMut(&mut TestRecord),
        ) {
            group(g);
            for item in &mut g.items {
                match item {
                    ItemRecord::Group(inner) => walk(inner, group, test),
                    ItemRecord::Test(t) => test(t),
                }
            }
        }
        walk(&mut self.root, group, test);
    }
}

impl RunRecord {
    /// Every test of every suite, in run order.
    pub fn tests(&self) -> impl Iterator<Item = TestEntry<'_>> {
        self.suites.iter().flat_map(SuiteRecord::tests)
    }

    /// Every step of every suite.
    pub fn steps(&self) -> impl Iterator<Item = &StepRecord> {
        self.suites.iter().flat_map(SuiteRecord::steps)
    }

    /// Every body of the run: those of its steps, then those of the messages it received.
    pub fn bodies(&self) -> impl Iterator<Item = &Body> {
        self.steps()
            .flat_map(StepRecord::bodies)
            .chain(self.received.iter().flat_map(ReceivedRecord::bodies))
    }
}

impl ReceivedRecord {
    /// The received message's body and the body of samsvar's answer.
    pub fn bodies(&self) -> impl Iterator<Item = &Body> {
        exchange_bodies(Some(&self.exchange))
    }
}

impl StepRecord {
    /// The request and response bodies of the step's exchange.
    pub fn bodies(&self) -> impl Iterator<Item = &Body> {
        exchange_bodies(self.exchange.as_ref())
    }
}

fn exchange_bodies(exchange: Option<&Exchange>) -> impl Iterator<Item = &Body> {
    let request = exchange.and_then(|e| e.request.body.as_ref());
    let response = exchange
        .and_then(|e| e.response.as_ref())
        .and_then(|r| r.body.as_ref());
    request.into_iter().chain(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn test(id: &str) -> ItemRecord {
        ItemRecord::Test(TestRecord {
            id: id.into(),
            title: None,
            optional: false,
            verifies: vec![],
            ehds: None,
            outcome: Outcome::Pass,
            reason: None,
            location: String::new(),
            started_at: None,
            duration_ms: 0,
            completion: Default::default(),
            steps: vec![],
        })
    }

    fn group(id: &str, items: Vec<ItemRecord>) -> GroupRecord {
        GroupRecord {
            id: id.into(),
            title: None,
            optional: false,
            outcome: Outcome::Pass,
            items,
        }
    }

    #[test]
    fn tests_come_depth_first_with_their_group_path() {
        let suite = SuiteRecord {
            id: "s".into(),
            version: String::new(),
            title: String::new(),
            path: String::new(),
            sha256: String::new(),
            fixtures: vec![],
            ehds: None,
            verifies: vec![],
            setup: vec![],
            teardown: vec![],
            root: group(
                "s",
                vec![
                    test("a"),
                    ItemRecord::Group(group(
                        "g",
                        vec![ItemRecord::Group(group("h", vec![test("b")])), test("c")],
                    )),
                    test("d"),
                ],
            ),
            outcome: Outcome::Pass,
        };
        let seen: Vec<(String, String)> = suite
            .tests()
            .map(|e| (e.group_path(), e.test.id.clone()))
            .collect();
        assert_eq!(
            seen,
            [
                ("s".to_string(), "a".to_string()),
                ("s.g.h".into(), "b".into()),
                ("s.g".into(), "c".into()),
                ("s".into(), "d".into()),
            ]
        );
    }
}
