//! A QuestionnaireResponse against its Questionnaire: every item's linkId exists at its
//! level, answers have the item's type and respect its options, value set, limits
//! (min/max value, length, decimal places, regex, units, MIME type, size, occurrences),
//! non-repeating items have one answer, and a completed response answers every enabled
//! required item (enableWhen evaluated on the response).

use super::super::issue::{IssueType, Severity};
use super::super::ranges;
use super::Walk;
use crate::terminology::Membership;
use serde_json::{Map, Value};
use std::cmp::Ordering;

const EXT: &str = "http://hl7.org/fhir/StructureDefinition/";

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
        let ctx = Answers { root: qr };
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

    /// One answer: its value type, then the item's constraints on that value.
    fn answer(&mut self, q_item: &Value, kind: &str, answer: &'a Value) {
        let Some((key, value)) = answer_value(answer) else {
            return;
        };
        let type_name = &key["value".len()..];
        let allowed: &[&str] = match kind {
            "boolean" => &["Boolean"],
            "decimal" => &["Decimal"],
            "integer" => &["Integer"],
            "date" => &["Date"],
            "dateTime" => &["DateTime"],
            "time" => &["Time"],
            "string" | "text" => &["String"],
            "url" => &["Uri"],
            // A string answer to a choice item without options is tolerated (as the
            // HL7 validator does); with options, it is not one of them.
            "choice" => &["Coding", "String"],
            "open-choice" => &["Coding", "String"],
            "attachment" => &["Attachment"],
            "reference" => &["Reference"],
            "quantity" => &["Quantity"],
            _ => return,
        };
        self.push(key, None, false);
        if !allowed.contains(&type_name) {
            self.error(
                IssueType::Structure,
                "questionnaire-answer",
                format!(
                    "item of type {kind} takes value{}, not {key}",
                    allowed.join(" or value")
                ),
            );
            self.pop();
            return;
        }
        if kind == "string" && value.as_str().is_some_and(|s| s.contains('\n')) {
            self.issue(
                Severity::Warning,
                IssueType::Value,
                "questionnaire-answer",
                "an answer to a string item should not hold line breaks (use a text item)".into(),
            );
        }
        self.options(q_item, kind, type_name, value);
        self.value_limits(q_item, type_name, value);
        match type_name {
            "Attachment" => self.attachment_limits(q_item, value),
            "Quantity" => self.units(q_item, value),
            "Reference" => self.reference_types(q_item, value),
            _ => {}
        }
        self.pop();
    }

    /// answerOption and answerValueSet.
    fn options(&mut self, q_item: &Value, kind: &str, type_name: &str, value: &Value) {
        let options = q_item.get("answerOption").and_then(Value::as_array);
        if let Some(options) = options.filter(|o| !o.is_empty()) {
            // Free text in an open-choice item is allowed besides the options.
            if kind == "open-choice" && type_name == "String" {
                return;
            }
            let matched = options.iter().any(|o| {
                answer_value(o)
                    .is_some_and(|(k, v)| &k["value".len()..] == type_name && same_answer(v, value))
            });
            if !matched {
                self.error(
                    IssueType::CodeInvalid,
                    "questionnaire-option",
                    format!("{} is not one of the item's answer options", shown(value)),
                );
            }
            return;
        }
        let Some(vs) = q_item.get("answerValueSet").and_then(Value::as_str) else {
            return;
        };
        if type_name != "Coding" {
            return;
        }
        let expansion = self.v.terminology().expansion(self.v.definitions(), vs);
        match expansion.as_ref() {
            Ok(e) => {
                let system = value.get("system").and_then(Value::as_str);
                let Some(code) = value.get("code").and_then(Value::as_str) else {
                    return;
                };
                if e.contains(system, code) == Membership::NotMember {
                    self.error(
                        IssueType::CodeInvalid,
                        "questionnaire-option",
                        format!(
                            "{} is not in the item's answer value set {vs}",
                            shown(value)
                        ),
                    );
                }
            }
            Err(reason) => self.issue(
                Severity::Warning,
                IssueType::NotFound,
                "questionnaire-option",
                format!("the answer value set is not checked: {reason}"),
            ),
        }
    }

    /// minValue/maxValue, maxDecimalPlaces, minLength/maxLength and regex.
    fn value_limits(&mut self, q_item: &Value, type_name: &str, value: &Value) {
        for (ext, sdc, is_min) in [
            ("minValue", "sdc-questionnaire-minQuantity", true),
            ("maxValue", "sdc-questionnaire-maxQuantity", false),
        ] {
            let limit = ext_typed(q_item, ext)
                .map(|(_, v)| v)
                .or_else(|| sdc_value(q_item, sdc));
            let Some(limit) = limit else {
                continue;
            };
            let ordering = match type_name {
                "Integer" | "Decimal" => value
                    .as_f64()
                    .zip(limit.as_f64())
                    .and_then(|(v, l)| v.partial_cmp(&l)),
                "Date" | "DateTime" => value
                    .as_str()
                    .zip(limit.as_str())
                    .and_then(|(v, l)| ranges::compare_date_times(v, l)),
                "Time" => value.as_str().zip(limit.as_str()).map(|(v, l)| v.cmp(l)),
                "Quantity" => match ranges::compare_quantity_values(value, limit) {
                    Ok(o) => Some(o),
                    Err(why) => {
                        self.error(
                            IssueType::Value,
                            "questionnaire-value",
                            format!(
                                "{} cannot be compared with the {} {}: {why}",
                                shown(value),
                                if is_min { "minimum" } else { "maximum" },
                                shown(limit)
                            ),
                        );
                        None
                    }
                },
                _ => None,
            };
            let outside = match ordering {
                Some(Ordering::Less) => is_min,
                Some(Ordering::Greater) => !is_min,
                _ => false,
            };
            if outside {
                self.error(
                    IssueType::Value,
                    "questionnaire-value",
                    format!(
                        "{} is {} than the {} {}",
                        shown(value),
                        if is_min { "less" } else { "greater" },
                        if is_min { "minimum" } else { "maximum" },
                        shown(limit)
                    ),
                );
            }
        }
        if type_name == "Decimal"
            && let Some(places) = ext_value(q_item, "maxDecimalPlaces").and_then(Value::as_u64)
            && let Some(m) = ranges::too_many_decimal_places(value, places as u32)
        {
            self.error(IssueType::Value, "questionnaire-value", m);
        }
        let Some(text) = value.as_str() else { return };
        let length = text.chars().count() as u64;
        if let Some(min) = ext_value(q_item, "minLength").and_then(Value::as_u64)
            && length < min
        {
            self.error(
                IssueType::Value,
                "questionnaire-value",
                format!("the answer is {length} characters long; at least {min} are required"),
            );
        }
        if let Some(max) = q_item.get("maxLength").and_then(Value::as_u64)
            && length > max
        {
            self.error(
                IssueType::TooLong,
                "questionnaire-value",
                format!("the answer is {length} characters long; at most {max} are allowed"),
            );
        }
        if let Some(pattern) = ext_value(q_item, "regex").and_then(Value::as_str) {
            match regex::Regex::new(pattern) {
                Ok(re) if !re.is_match(text) => self.error(
                    IssueType::Value,
                    "questionnaire-value",
                    format!("\"{text}\" does not match the item's format (regex {pattern})"),
                ),
                Ok(_) => {}
                Err(e) => self.issue(
                    Severity::Warning,
                    IssueType::Processing,
                    "questionnaire-value",
                    format!("the item's regex {pattern} does not compile: {e}"),
                ),
            }
        }
    }

    fn attachment_limits(&mut self, q_item: &Value, value: &Value) {
        let allowed: Vec<&str> = extensions(q_item, "mimeType")
            .filter_map(|e| e.get("valueCode").and_then(Value::as_str))
            .collect();
        if let Some(ct) = value.get("contentType").and_then(Value::as_str)
            && !allowed.is_empty()
            && !allowed.contains(&ct)
        {
            self.error(
                IssueType::Value,
                "questionnaire-attachment",
                format!(
                    "MIME type {ct} is not allowed here (allowed: {})",
                    allowed.join(", ")
                ),
            );
        }
        if let Some(max) = ext_value(q_item, "maxSize").and_then(Value::as_f64)
            && let Some(size) = super::attachment::data_size(value)
            && size as f64 > max
        {
            self.error(
                IssueType::TooLong,
                "questionnaire-attachment",
                format!("the attachment has {size} bytes; at most {max} are allowed"),
            );
        }
    }

    fn units(&mut self, q_item: &Value, value: &Value) {
        let options: Vec<&Value> = extensions(q_item, "questionnaire-unitOption")
            .filter_map(|e| e.get("valueCoding"))
            .collect();
        let system = value.get("system").and_then(Value::as_str);
        let code = value.get("code").and_then(Value::as_str);
        if !options.is_empty() {
            let ok = options.iter().any(|o| {
                o.get("system").and_then(Value::as_str) == system
                    && o.get("code").and_then(Value::as_str) == code
            });
            if !ok {
                self.error(
                    IssueType::CodeInvalid,
                    "questionnaire-unit",
                    format!("{} is not one of the item's unit options", shown(value)),
                );
            }
        }
        let Some(vs) = ext_value(q_item, "questionnaire-unitValueSet").and_then(Value::as_str)
        else {
            return;
        };
        let expansion = self.v.terminology().expansion(self.v.definitions(), vs);
        if let Ok(e) = expansion.as_ref() {
            let member = code.is_some_and(|c| e.contains(system, c) != Membership::NotMember);
            if !member {
                self.error(
                    IssueType::CodeInvalid,
                    "questionnaire-unit",
                    format!(
                        "the unit of {} is not in the unit value set {vs}",
                        shown(value)
                    ),
                );
            }
        }
    }

    fn reference_types(&mut self, q_item: &Value, value: &Value) {
        let Some(reference) = value.get("reference").and_then(Value::as_str) else {
            return;
        };
        if reference.starts_with('#') {
            return;
        }
        if reference.chars().any(char::is_whitespace) {
            self.error(
                IssueType::Value,
                "questionnaire-reference",
                format!("\"{reference}\" is not a valid reference"),
            );
        }
        let Some(ty) = super::literal_type(reference) else {
            return;
        };
        let ty = ty.as_str();
        let known = self
            .v
            .definitions()
            .has_structure(&format!("http://hl7.org/fhir/StructureDefinition/{ty}"));
        if !known {
            self.error(
                IssueType::Value,
                "questionnaire-reference",
                format!("{ty} in {reference} is not a resource type"),
            );
            return;
        }
        let allowed: Vec<&str> = extensions(q_item, "questionnaire-referenceResource")
            .filter_map(|e| e.get("valueCode").and_then(Value::as_str))
            .collect();
        if !allowed.is_empty() && !allowed.contains(&ty) {
            self.error(
                IssueType::Value,
                "questionnaire-reference",
                format!(
                    "a reference to a {ty} is not allowed here (allowed: {})",
                    allowed.join(", ")
                ),
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

/// The whole response, for evaluating enableWhen conditions.
struct Answers<'a> {
    root: &'a Map<String, Value>,
}

impl Answers<'_> {
    /// Whether an item is enabled by its enableWhen conditions (no conditions: enabled).
    fn enabled(&self, q_item: &Value) -> bool {
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
    fn answers_to(&self, link: &str) -> Vec<&Value> {
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

fn items(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn link_id(item: &Value) -> Option<&str> {
    item.get("linkId").and_then(Value::as_str)
}

fn flag(item: &Value, key: &str) -> bool {
    item.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The `value[x]` of an answer or option: (`valueCoding`, value).
fn answer_value(v: &Value) -> Option<(&str, &Value)> {
    v.as_object()?.iter().find_map(|(k, x)| {
        k.strip_prefix("value")
            .filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|_| (k.as_str(), x))
    })
}

fn extensions<'v>(item: &'v Value, name: &'v str) -> impl Iterator<Item = &'v Value> + 'v {
    items(item.get("extension")).iter().filter(move |e| {
        e.get("url")
            .and_then(Value::as_str)
            .and_then(|u| u.strip_prefix(EXT))
            == Some(name)
    })
}

/// A value of an SDC extension (`http://hl7.org/fhir/uv/sdc/StructureDefinition/<name>`).
fn sdc_value<'v>(item: &'v Value, name: &str) -> Option<&'v Value> {
    let url = format!("http://hl7.org/fhir/uv/sdc/StructureDefinition/{name}");
    items(item.get("extension"))
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(url.as_str()))
        .and_then(answer_value)
        .map(|(_, v)| v)
}

fn ext_value<'v>(item: &'v Value, name: &'v str) -> Option<&'v Value> {
    ext_typed(item, name).map(|(_, v)| v)
}

fn ext_typed<'v>(item: &'v Value, name: &'v str) -> Option<(&'v str, &'v Value)> {
    extensions(item, name).find_map(answer_value)
}

/// Two answer values are the same: Codings by system and code, the rest by value.
fn same_answer(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y))
            if x.contains_key("code") || y.contains_key("code") =>
        {
            x.get("code") == y.get("code")
                && (x.get("system").is_none()
                    || y.get("system").is_none()
                    || x.get("system") == y.get("system"))
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn compare_answers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => {
            ranges::compare_date_times(x, y).or_else(|| Some(x.cmp(y)))
        }
        (Value::Object(_), Value::Object(_)) => ranges::compare_quantity_values(a, b).ok(),
        _ => None,
    }
}

/// Indexes of answers that are exclusive options of the item.
fn exclusive_answers(q_item: &Value, answers: &[Value]) -> Vec<usize> {
    let exclusive: Vec<&Value> = items(q_item.get("answerOption"))
        .iter()
        .filter(|o| {
            extensions(o, "questionnaire-optionExclusive")
                .any(|e| e.get("valueBoolean").and_then(Value::as_bool) == Some(true))
        })
        .filter_map(|o| answer_value(o).map(|(_, v)| v))
        .collect();
    answers
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            answer_value(a).is_some_and(|(_, v)| exclusive.iter().any(|x| same_answer(v, x)))
        })
        .map(|(i, _)| i)
        .collect()
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Object(o) => {
            let code = o.get("code").and_then(Value::as_str);
            let system = o.get("system").and_then(Value::as_str);
            match (o.get("value"), code, system) {
                (Some(n), unit, _) => format!(
                    "{n} {}",
                    unit.or(o.get("unit").and_then(Value::as_str))
                        .unwrap_or_default()
                )
                .trim_end()
                .to_string(),
                (None, Some(c), Some(s)) => format!("{s}#{c}"),
                (None, Some(c), None) => c.to_string(),
                _ => v.to_string(),
            }
        }
        other => other.to_string(),
    }
}
