//! `enableWhen` evaluated on the response: whether an item is enabled, from the answers
//! given to the items its conditions name (`enableBehavior` all or any).

use super::items::*;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// The whole response, for evaluating enableWhen conditions.
pub(super) struct Answers<'a> {
    root: &'a Map<String, Value>,
}

impl<'a> Answers<'a> {
    pub(super) fn new(root: &'a Map<String, Value>) -> Answers<'a> {
        Answers { root }
    }

    /// Whether an item is enabled by its enableWhen conditions (no conditions: enabled).
    pub(super) fn enabled(&self, q_item: &Value) -> bool {
        let conditions = items(q_item.get("enableWhen"));
        if conditions.is_empty() {
            return true;
        }
        let any = q_item.get("enableBehavior").and_then(Value::as_str) == Some("any");
        let mut results = conditions.iter().map(|c| self.condition(c));
        if any {
            results.any(|r| r)
        } else {
            results.all(|r| r)
        }
    }

    fn condition(&self, condition: &Value) -> bool {
        let question = condition
            .get("question")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let operator = condition
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or("=");
        let Some((key, expected)) = condition.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.starts_with("answer") && k.len() > 6)
        }) else {
            return false;
        };
        let answers = self.answers_to(question);
        if operator == "exists" {
            return expected.as_bool() == Some(!answers.is_empty());
        }
        let wanted_type = &key["answer".len()..];
        answers.iter().any(|a| {
            let Some((k, v)) = answer_value(a) else {
                return false;
            };
            if &k["value".len()..] != wanted_type {
                return false;
            }
            let ordering = compare_answers(v, expected);
            match operator {
                "=" => same_answer(v, expected),
                "!=" => !same_answer(v, expected),
                ">" => ordering == Some(Ordering::Greater),
                "<" => ordering == Some(Ordering::Less),
                ">=" => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
                "<=" => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
                _ => false,
            }
        })
    }

    /// Every answer given anywhere in the response to the item with `link`.
    pub(super) fn answers_to(&self, link: &str) -> Vec<&Value> {
        let mut out = Vec::new();
        let mut stack: Vec<&Value> = items(self.root.get("item")).iter().collect();
        while let Some(item) = stack.pop() {
            let answers = items(item.get("answer"));
            if item.get("linkId").and_then(Value::as_str) == Some(link) {
                out.extend(answers.iter());
            }
            stack.extend(items(item.get("item")));
            for a in answers {
                stack.extend(items(a.get("item")));
            }
        }
        out
    }
}
