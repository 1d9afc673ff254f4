//! One answer against its item: the type the item asks for, its options or value set,
//! and its limits (value range, length, decimal places, regex, units, MIME type, size,
//! referenced resource types).

use super::items::*;
use crate::terminology::Membership;
use crate::validator::ranges;
use crate::validator::walk::{Walk, attachment, references};
use samsvar_diagnostics::{IssueType, Severity};
use serde_json::Value;
use std::cmp::Ordering;

impl<'a> Walk<'a> {
    /// One answer: its value type, then the item's constraints on that value.
    pub(super) fn answer(&mut self, q_item: &Value, kind: &str, answer: &'a Value) {
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
    pub(super) fn options(&mut self, q_item: &Value, kind: &str, type_name: &str, value: &Value) {
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
    pub(super) fn value_limits(&mut self, q_item: &Value, type_name: &str, value: &Value) {
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

    pub(super) fn attachment_limits(&mut self, q_item: &Value, value: &Value) {
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
            && let Some(size) = attachment::data_size(value)
            && size as f64 > max
        {
            self.error(
                IssueType::TooLong,
                "questionnaire-attachment",
                format!("the attachment has {size} bytes; at most {max} are allowed"),
            );
        }
    }

    pub(super) fn units(&mut self, q_item: &Value, value: &Value) {
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

    pub(super) fn reference_types(&mut self, q_item: &Value, value: &Value) {
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
        let Some(ty) = references::literal_type(reference) else {
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
