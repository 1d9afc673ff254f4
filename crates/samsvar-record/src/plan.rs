//! What a run is going to do, announced with [`crate::Event::RunStarted`]: every suite
//! with its digests and its tree of groups and tests. The fold hangs results on this
//! tree, and a record rebuilt after a crash lists the planned tests that never ran.

use crate::record::{EhdsRecord, FileDigest};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuitePlan {
    pub id: String,
    pub version: String,
    pub title: String,
    /// The suite file as given.
    pub path: String,
    /// sha256 (hex) of the suite file as loaded.
    pub sha256: String,
    #[serde(default)]
    pub fixtures: Vec<FileDigest>,
    pub ehds: Option<EhdsRecord>,
    #[serde(default)]
    pub verifies: Vec<String>,
    pub root: GroupPlan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPlan {
    pub id: String,
    pub title: Option<String>,
    pub optional: bool,
    pub items: Vec<PlanItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PlanItem {
    Group(GroupPlan),
    Test(TestPlan),
}

/// A test as planned: everything its record carries besides results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestPlan {
    pub id: String,
    pub title: Option<String>,
    pub optional: bool,
    /// Effective requirement ids (suite + groups + test).
    pub verifies: Vec<String>,
    /// Effective EHDS mapping (nearest declaration wins).
    pub ehds: Option<EhdsRecord>,
    /// `file:line` of the test in its suite.
    pub location: String,
}

impl SuitePlan {
    /// Every planned test, in file order.
    pub fn tests(&self) -> Vec<&TestPlan> {
        fn walk<'p>(g: &'p GroupPlan, out: &mut Vec<&'p TestPlan>) {
            for item in &g.items {
                match item {
                    PlanItem::Group(g) => walk(g, out),
                    PlanItem::Test(t) => out.push(t),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

/// The number of tests across `plan` (for progress bars).
pub fn total_tests(plan: &[SuitePlan]) -> usize {
    plan.iter().map(|s| s.tests().len()).sum()
}
