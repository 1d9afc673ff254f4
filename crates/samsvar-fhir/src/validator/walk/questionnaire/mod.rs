//! A QuestionnaireResponse against its Questionnaire: every item's linkId exists at its
//! level, answers have the item's type and respect its options, value set, limits
//! (min/max value, length, decimal places, regex, units, MIME type, size, occurrences),
//! non-repeating items have one answer, and a completed response answers every enabled
//! required item (enableWhen evaluated on the response).

//!
//! This module finds the Questionnaire and walks the items level by level; one answer
//! is checked in `answers`, `enableWhen` in `enable_when`.

mod answers;
mod enable_when;
mod items;

use super::Walk;
use crate::validator::ranges;
use enable_when::Answers;
use items::*;
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::{Map, Value};
use std::cmp::Ordering;

impl<'a> Walk<'a> {
    /// Checks a QuestionnaireResponse (the walk's path is at its root).
    pub(super) fn questionnaire_response(&mut self, qr: &'a Map<String, Value>) {
        let Some(canonical) = qr.get("questionnaire").and_then(Value::as_str) else {
            return;
        };
        let Some(q) = self.find_questionnaire(qr, canonical) else {
            return;
        };
        let completed = qr.get("status").and_then(Value::as_str) == Some("completed");
        self.effective_period(qr, &q);
        let ctx = Answers::new(qr);
        self.response_items(&ctx, items(q.get("item")), qr.get("item"), completed);
    }

    /// The Questionnaire: contained (`#id`), loaded, or in the enclosing Bundle. Reports
    /// a canonical that names another kind of resource, and one that cannot be found.
    fn find_questionnaire(
        &mut self,
        qr: &'a Map<String, Value>,
        canonical: &str,
    ) -> Option<Questionnaire<'a>> {
        if let Some(id) = canonical.strip_prefix('#') {
            let found = qr
                .get("contained")
                .and_then(Value::as_array)
                .and_then(|c| {
                    c.iter()
                        .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
                })
                .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Questionnaire"))
                .map(Questionnaire::Inline);
            if found.is_none() {
                self.push("questionnaire", None, false);
                self.error(
                    IssueType::NotFound,
                    "questionnaire-ref",
                    format!("no contained Questionnaire with id \"{id}\""),
                );
                self.pop();
            }
            return found;
        }
        let defs = self.v.definitions();
        if let Some(q) = defs.questionnaire(canonical) {
            return Some(Questionnaire::Loaded(q));
        }
        if let Some(q) = self.bundle_questionnaire(canonical) {
            return Some(Questionnaire::Inline(q));
        }
        match defs.resource_type_of(canonical) {
            Some(other) => {
                self.push("questionnaire", None, false);
                self.error(
                    IssueType::Invalid,
                    "questionnaire-ref",
                    format!("{canonical} is a {other}, not a Questionnaire"),
                );
                self.pop();
            }
            None => self.issue(
                Severity::Warning,
                IssueType::NotFound,
                "questionnaire-ref",
                format!(
                    "questionnaire {canonical} is not in the loaded packages; the answers are not checked against it"
                ),
            ),
        }
        None
    }

    fn bundle_questionnaire(&self, canonical: &str) -> Option<&'a Value> {
        let (frame, _) = self.bundles.last()?;
        let bundle = self.frames.get(*frame)?.resource;
        let (url, version) = match canonical.split_once('|') {
            Some((u, v)) => (u, Some(v)),
            None => (canonical, None),
        };
        bundle
            .get("entry")?
            .as_array()?
            .iter()
            .filter_map(|e| e.get("resource"))
            .find(|r| {
                r.get("resourceType").and_then(Value::as_str) == Some("Questionnaire")
                    && r.get("url").and_then(Value::as_str) == Some(url)
                    && version.is_none_or(|v| r.get("version").and_then(Value::as_str) == Some(v))
            })
    }

    /// `authored` inside the Questionnaire's `effectivePeriod` (warnings, as it is advice).
    fn effective_period(&mut self, qr: &Map<String, Value>, q: &Value) {
        let Some(authored) = qr.get("authored").and_then(Value::as_str) else {
            return;
        };
        let Some(period) = q.get("effectivePeriod") else {
            return;
        };
        let date = |key: &str| period.get(key).and_then(Value::as_str);
        self.push("authored", None, false);
        if let Some(start) = date("start")
            && ranges::compare_date_times(authored, start) == Some(Ordering::Less)
        {
            self.issue(
                Severity::Warning,
                IssueType::BusinessRule,
                "questionnaire-period",
                format!("authored {authored} is before the Questionnaire's effective period (from {start})"),
            );
        }
        if let Some(end) = date("end")
            && ranges::compare_date_times(authored, end) == Some(Ordering::Greater)
        {
            self.issue(
                Severity::Warning,
                IssueType::BusinessRule,
                "questionnaire-period",
                format!("authored {authored} is after the Questionnaire's effective period (until {end})"),
            );
        }
        self.pop();
    }

    /// The response items at one level against the questionnaire items at that level.
    fn response_items(
        &mut self,
        ctx: &Answers<'a>,
        q_items: &[Value],
        r_items: Option<&'a Value>,
        completed: bool,
    ) {
        let r_items: &'a [Value] = r_items.and_then(Value::as_array).map_or(&[], Vec::as_slice);
        for (i, r_item) in r_items.iter().enumerate() {
            let link = r_item
                .get("linkId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            self.push("item", Some(i), false);
            match q_items.iter().find(|q| link_id(q) == Some(link)) {
                Some(q_item) => {
                    let repeats_seen = r_items[..i]
                        .iter()
                        .any(|prev| prev.get("linkId").and_then(Value::as_str) == Some(link));
                    if repeats_seen && !flag(q_item, "repeats") {
                        self.error(
                            IssueType::Structure,
                            "questionnaire-repeats",
                            format!("item {link} does not repeat, but the response has it more than once"),
                        );
                    }
                    self.response_item(ctx, q_item, r_item, completed);
                }
                None => self.error(
                    IssueType::NotFound,
                    "questionnaire-link",
                    format!("linkId \"{link}\" is not an item at this level of the questionnaire"),
                ),
            }
            self.pop();
        }
        if !completed {
            return;
        }
        for q_item in q_items {
            let Some(link) = link_id(q_item) else {
                continue;
            };
            let answered = r_items
                .iter()
                .any(|r| r.get("linkId").and_then(Value::as_str) == Some(link));
            if !answered && flag(q_item, "required") && ctx.enabled(q_item) {
                self.error(
                    IssueType::Required,
                    "questionnaire-required",
                    format!("required item \"{link}\" has no answer"),
                );
            }
        }
    }

    fn response_item(
        &mut self,
        ctx: &Answers<'a>,
        q_item: &Value,
        r_item: &'a Value,
        completed: bool,
    ) {
        let link = link_id(q_item).unwrap_or_default();
        let kind = q_item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let answers: &'a [Value] = r_item
            .get("answer")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let children = items(q_item.get("item"));
        match kind {
            "group" | "display" | "question" => {
                if !answers.is_empty() {
                    self.error(
                        IssueType::Structure,
                        "questionnaire-answer",
                        format!("item \"{link}\" is of type {kind}, which takes no answers"),
                    );
                }
                let sub = r_item.get("item");
                if kind == "group"
                    && completed
                    && flag(q_item, "required")
                    && sub.and_then(Value::as_array).is_none_or(Vec::is_empty)
                {
                    self.error(
                        IssueType::Required,
                        "questionnaire-required",
                        format!("required group \"{link}\" has no items"),
                    );
                }
                self.response_items(ctx, children, sub, completed);
                return;
            }
            _ => {}
        }
        if !ctx.enabled(q_item) && !answers.is_empty() {
            self.error(
                IssueType::BusinessRule,
                "questionnaire-enable-when",
                format!("item \"{link}\" has answers, but its enableWhen conditions are not met"),
            );
        }
        if completed && answers.is_empty() && flag(q_item, "required") && ctx.enabled(q_item) {
            self.error(
                IssueType::Required,
                "questionnaire-required",
                format!("required item \"{link}\" has no answer"),
            );
        }
        if answers.len() > 1 && !flag(q_item, "repeats") {
            self.error(
                IssueType::Structure,
                "questionnaire-repeats",
                format!(
                    "item \"{link}\" does not repeat, but has {} answers",
                    answers.len()
                ),
            );
        }
        self.occurrences(q_item, answers.len(), completed);
        let exclusive = exclusive_answers(q_item, answers);
        for (j, answer) in answers.iter().enumerate() {
            self.push("answer", Some(j), false);
            if exclusive.contains(&j) && answers.len() > 1 {
                self.error(
                    IssueType::BusinessRule,
                    "questionnaire-exclusive",
                    "this answer is an exclusive option; no other answer may be selected with it"
                        .into(),
                );
            }
            self.answer(q_item, kind, answer);
            self.response_items(ctx, children, answer.get("item"), completed);
            self.pop();
        }
        if answers.is_empty() {
            self.response_items(ctx, children, r_item.get("item"), completed);
        }
    }

    fn occurrences(&mut self, q_item: &Value, count: usize, completed: bool) {
        if let Some(max) = ext_value(q_item, "questionnaire-maxOccurs").and_then(Value::as_u64)
            && count as u64 > max
        {
            self.error(
                IssueType::Structure,
                "questionnaire-occurs",
                format!("at most {max} answers are allowed, found {count}"),
            );
        }
        if let Some(min) = ext_value(q_item, "questionnaire-minOccurs").and_then(Value::as_u64)
            && completed
            && (count as u64) < min
        {
            self.error(
                IssueType::Structure,
                "questionnaire-occurs",
                format!("at least {min} answers are required, found {count}"),
            );
        }
    }
}

/// A Questionnaire from the loaded packages (shared) or from the input (borrowed).
enum Questionnaire<'a> {
    Loaded(std::sync::Arc<Value>),
    Inline(&'a Value),
}

impl std::ops::Deref for Questionnaire<'_> {
    type Target = Value;

    fn deref(&self) -> &Value {
        match self {
            Questionnaire::Loaded(q) => q,
            Questionnaire::Inline(q) => q,
        }
    }
}
