//! Times 1,000 request+assert steps against the in-process FHIR simulator:
//! 100 tests of 10 steps each, every step a read with three assertions
//! (status, content type, FHIRPath equality), run with the default concurrency
//! and with one job.
//!
//! `cargo bench -p samsvar-runner --bench steps`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use samsvar_record::NullSink;
use samsvar_runner::{Bindings, RunOptions, Runner, TargetBinding, default_jobs};
use samsvar_suite::Loaded;
use std::fmt::Write as _;
use std::path::Path;

const TESTS: usize = 100;
const STEPS_PER_TEST: usize = 10;

fn suite_text() -> String {
    let mut y = String::from(
        "suite:\n  id: bench\n  version: \"1\"\n  title: 1000 steps\ntargets:\n  fhir:\n    kind: fhir\n\
         setup:\n  - request:\n      method: POST\n      url: \"{{fhir}}/Patient\"\n      json:\n        resourceType: Patient\n        name:\n          - family: Bench\n    capture:\n      pid: { fhirpath: id }\n    assert:\n      - status: 201\ntests:\n",
    );
    for t in 0..TESTS {
        let _ = write!(y, "  - id: t{t}\n    steps:\n");
        for _ in 0..STEPS_PER_TEST {
            y.push_str(
                "      - request: GET {{fhir}}/Patient/{{pid}}\n        assert:\n          - status: 200\n          - content_type: application/fhir+json\n          - fhirpath: { expr: \"name.first().family\", equals: Bench }\n",
            );
        }
    }
    y
}

fn load() -> Loaded {
    let checked = samsvar_suite::check_source(Path::new("bench/suite.yaml"), suite_text());
    assert!(
        !checked.has_errors(),
        "bench suite: {:?}",
        checked.diagnostics
    );
    Loaded {
        sources: checked.sources,
        suite: checked.suite.expect("a suite without errors"),
        warnings: checked.diagnostics,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(samsvar_sim::fhir::FhirSim::builder().start("127.0.0.1:0"))
        .unwrap();
    let suites = vec![load()];
    let mut bindings = Bindings::default();
    bindings.targets.insert(
        "fhir".into(),
        TargetBinding {
            url: sim.base_url().to_string(),
            simulated: true,
        },
    );
    let mut group = c.benchmark_group("runner");
    group.sample_size(10);
    for jobs in [default_jobs(), 1] {
        let mut options = RunOptions::new("bench");
        options.jobs = jobs;
        let runner = Runner::new(options);
        group.bench_function(format!("1000 steps, jobs={jobs}"), |b| {
            b.iter(|| {
                let record = rt
                    .block_on(runner.run(&suites, &bindings, &NullSink))
                    .unwrap();
                assert_eq!(record.summary.passed, TESTS, "{:?}", record.summary);
            });
        });
    }
    group.finish();
    rt.block_on(sim.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
