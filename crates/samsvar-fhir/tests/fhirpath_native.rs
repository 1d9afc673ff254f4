//! The native FHIRPath evaluator is a fast path in front of the engine: wherever it gives
//! an answer, that answer must be the engine's. Checked on a tenth of the R4 examples with
//! every invariant of each resource's base definition on the resource itself and on its
//! top-level elements.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use samsvar_fhir::validator::collect_inputs;
use samsvar_fhirpath::{Expression, Variables};
use serde_json::Value;

#[test]
fn native_answers_agree_with_the_engine_on_r4_examples() {
    let defs = common::core_definitions();
    let folder = common::package_folder(common::R4_CORE);
    let files = collect_inputs(std::slice::from_ref(&folder)).unwrap();
    let mut parsed: HashMap<String, Option<Expression>> = HashMap::new();
    let (mut native, mut deferred, mut engine_failed) = (0usize, 0usize, 0usize);
    let mut mismatches = Vec::new();
    for path in files.iter().step_by(10) {
        let Ok(resource) = serde_json::from_slice::<Value>(&std::fs::read(path).unwrap()) else {
            continue;
        };
        let Some(sd) = resource["resourceType"]
            .as_str()
            .and_then(|rt| defs.type_structure(rt).ok())
        else {
            continue;
        };
        let mut vars = Variables::new();
        vars.insert_ref("resource", &resource);
        for element in &sd.snapshot {
            let inputs: Vec<&Value> = match element.path.split_once('.') {
                None => vec![&resource],
                Some((_, name)) if !name.contains('.') && !name.ends_with("[x]") => {
                    match resource.get(name) {
                        Some(Value::Array(items)) => items.iter().collect(),
                        Some(one) => vec![one],
                        None => Vec::new(),
                    }
                }
                _ => continue,
            };
            for constraint in &element.constraints {
                let Some(source) = &constraint.expression else {
                    continue;
                };
                let expr = parsed
                    .entry(source.clone())
                    .or_insert_with(|| Expression::parse(source).ok());
                let Some(expr) = expr else { continue };
                for input in &inputs {
                    let Some(answer) = expr.evaluate_natively(input, &vars) else {
                        deferred += 1;
                        continue;
                    };
                    native += 1;
                    match expr.evaluate_by_engine(input, &vars) {
                        Ok(reference) if reference == answer => {}
                        Ok(reference) => mismatches.push(format!(
                            "{} {} on {}: native {answer:?}, engine {reference:?}",
                            path.file_name().unwrap().to_string_lossy(),
                            constraint.key,
                            element.path
                        )),
                        Err(_) => engine_failed += 1,
                    }
                }
            }
        }
    }
    println!(
        "native answers {native} (the engine failed on {engine_failed} of them), left to the engine {deferred}"
    );
    assert!(
        mismatches.is_empty(),
        "{} native answers differ from the engine's:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        native > 20 * deferred,
        "the native evaluator answered only {native} of {} evaluations",
        native + deferred
    );
}
