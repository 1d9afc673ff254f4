//! The catalogue of validator rule ids: what each checks and how severe it is.
//! `docs/validator.md` shows the table generated from it; a test keeps the two equal.

use crate::primitives;
use samsvar_diagnostics::Severity::{self, Error as E, Fatal as F, Information as I, Warning as W};

/// One rule: its id, the severity it usually has (`severity_note` says when it differs),
/// and what it checks.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub severity_note: &'static str,
    pub check: &'static str,
}

const fn rule(id: &'static str, severity: Severity, check: &'static str) -> Rule {
    Rule {
        id,
        severity,
        severity_note: "",
        check,
    }
}

const fn rule_note(
    id: &'static str,
    severity: Severity,
    severity_note: &'static str,
    check: &'static str,
) -> Rule {
    Rule {
        id,
        severity,
        severity_note,
        check,
    }
}

/// Rule ids of the form `type-<code>`: one per primitive type.
pub const TYPE_FAMILY: &str = "type-<code>";
/// Invariants report their own constraint key (`dom-3`, `pat-1`, …).
pub const CONSTRAINT_FAMILY: &str = "<constraint key>";

pub const RULES: &[Rule] = &[
    rule(
        "unknown-element",
        E,
        "property not defined for the element (also inside `_x` primitive parts); suggests near names",
    ),
    rule("cardinality", E, "min/max of every element"),
    rule(
        "choice",
        E,
        "two types of one choice element (`valueString` and `valueQuantity`)",
    ),
    rule(
        "json-array",
        E,
        "repeating elements are JSON arrays, others not; no empty arrays",
    ),
    rule(
        "json-null",
        E,
        "no bare `null` (an array item may be `null` only when its `_x` part has an extension)",
    ),
    rule(
        "json-type",
        E,
        "a JSON object for every complex type and `_x` part",
    ),
    rule(
        TYPE_FAMILY,
        E,
        "primitive formats and ranges: date, dateTime, instant, time, id, uri, url, canonical, oid, uuid, code, string, markdown, decimal, integer (32-bit), positiveInt, unsignedInt, base64Binary, boolean",
    ),
    rule("max-length", E, "`maxLength`"),
    rule_note(
        "range",
        E,
        "units that cannot be compared: warning",
        "`minValue[x]`/`maxValue[x]` on numbers, dates, times and quantities (UCUM units that differ only by a metric prefix are converted), `maxDecimalPlaces`",
    ),
    rule("fixed", E, "`fixed[x]` (exact)"),
    rule("pattern", E, "`pattern[x]` (contained)"),
    rule(
        "slice-cardinality",
        E,
        "min/max of each slice (value, pattern, type, profile and exists discriminators)",
    ),
    rule(
        "slicing-closed",
        E,
        "an element that matches no slice of closed slicing",
    ),
    rule(
        "slicing-open-at-end",
        E,
        "an element that matches no slice before a slice (`openAtEnd`)",
    ),
    rule(
        "slicing-ordered",
        E,
        "slices in the order of their definition (`ordered`)",
    ),
    rule_note(
        "reference",
        E,
        "unresolved `urn:uuid` in a Bundle: warning",
        "contained (`#id`) and Bundle resolution (below)",
    ),
    rule(
        "reference-type",
        E,
        "the target resource type against `targetProfile`",
    ),
    rule(
        "reference-profile",
        E,
        "a reference that resolves (contained, in the Bundle) conforms to one of its `targetProfile`s that are profiles, not base types",
    ),
    rule(
        "bundle-fullurl",
        E,
        "`fullUrl` absolute (`http…`, `urn:uuid:`, `urn:oid:`); a RESTful fullUrl ends with the resource's type and id",
    ),
    rule(
        "bundle-reference",
        E,
        "a reference that matches several entries; in a `document`, every reference of the Composition (subject, encounter, author, attester, custodian, section author/focus/entry) resolves inside the Bundle; in a `message`, `MessageHeader.focus` does",
    ),
    rule("bundle-link", E, "a link relation that occurs twice"),
    rule(
        "bundle-search",
        E,
        "`searchset` matches have an id and the searched type (self link `Type?…` or `_type=`); `outcome` entries are OperationOutcomes",
    ),
    rule(
        "coding-system",
        E,
        "`Coding.system` is an absolute URI and not the canonical of a ValueSet",
    ),
    rule(
        "coding-code",
        E,
        "the code exists in the code system, when that code system is loaded and `complete`",
    ),
    rule(
        "coding-display",
        W,
        "the display is the concept's display or one of its designations (case and spacing ignored)",
    ),
    rule(
        "xhtml",
        E,
        "narrative XHTML: well-formed, one `<div>` in the XHTML namespace",
    ),
    rule(
        "txt-1",
        E,
        "narrative XHTML: only the HTML 4 formatting elements and attributes FHIR allows (no scripts, event handlers, forms, frames, `javascript:` URLs), only XML's own entities (`&nbsp;` is refused), no DOCTYPE or processing instructions",
    ),
    rule("txt-2", E, "a narrative has some non-whitespace content"),
    rule(
        "xhtml-link",
        W,
        "a `#x` hyperlink in a narrative lands on an `id`/`name` in a narrative of the resource or an element id",
    ),
    rule_note(
        "security-html",
        I,
        "`--security-checks`: error",
        "HTML tags in a plain `string`",
    ),
    rule(
        "attachment",
        E,
        "inline `data` agrees with the stated `size` and `hash` (SHA-1)",
    ),
    rule(
        "questionnaire-link",
        E,
        "each response item's `linkId` exists in the Questionnaire",
    ),
    rule(
        "questionnaire-answer",
        E,
        "answers have the item's type; none for `group` and `display` items",
    ),
    rule(
        "questionnaire-option",
        E,
        "an answer is one of the item's `answerOption`s or in its `answerValueSet`",
    ),
    rule(
        "questionnaire-value",
        E,
        "`maxLength`, `minLength`, `regex`, `minValue`, `maxValue`, `minQuantity`, `maxQuantity`, `maxDecimalPlaces`",
    ),
    rule(
        "questionnaire-unit",
        E,
        "a Quantity answer's unit is a `questionnaire-unitOption` or in the `questionnaire-unitValueSet`",
    ),
    rule(
        "questionnaire-attachment",
        E,
        "an Attachment answer's `mimeType` and `maxSize`",
    ),
    rule(
        "questionnaire-reference",
        E,
        "a Reference answer points at a `questionnaire-referenceResource` type",
    ),
    rule(
        "questionnaire-exclusive",
        E,
        "an exclusive option excludes other answers",
    ),
    rule(
        "questionnaire-repeats",
        E,
        "a non-repeating item has one answer",
    ),
    rule(
        "questionnaire-occurs",
        E,
        "`questionnaire-minOccurs`/`maxOccurs` bound the count of an item",
    ),
    rule(
        "questionnaire-enable-when",
        E,
        "a disabled item (`enableWhen`, `enableBehavior`) has no answers",
    ),
    rule(
        "questionnaire-required",
        E,
        "in a `completed` response every enabled `required` item and group is answered",
    ),
    rule(
        "questionnaire-period",
        W,
        "`authored` inside the Questionnaire's `effectivePeriod`",
    ),
    rule_note(
        "questionnaire-ref",
        W,
        "a missing contained Questionnaire, or a canonical of another resource type: error",
        "the Questionnaire the response names can be found (contained, in the packages, in the Bundle)",
    ),
    rule_note(
        "extension-unknown",
        W,
        "modifierExtension: error",
        "an extension whose definition is not loaded (cross-version `http://hl7.org/fhir/5.0/StructureDefinition/extension-…` are not checked)",
    ),
    rule(
        "extension-context",
        W,
        "an extension used outside its declared element context",
    ),
    rule_note(
        CONSTRAINT_FAMILY,
        E,
        "as declared: error or warning",
        "FHIRPath invariants (`dom-3`, `pat-1`, ...)",
    ),
    rule(
        "ele-1",
        E,
        "every element has a value or children (checked natively)",
    ),
    rule_note(
        "binding",
        E,
        "extensible: warning; preferred, or a required binding that cannot be expanded: information",
        "a code not in a locally expandable ValueSet of a required binding",
    ),
    rule(
        "meta-profile",
        W,
        "a `meta.profile` not in the loaded packages",
    ),
    rule(
        "must-support",
        I,
        "summary of absent mustSupport elements of a profile",
    ),
    rule_note(
        "profile",
        E,
        "a differential element snapshot generation cannot place: warning, the element is skipped",
        "a profile that cannot be used (missing base, derivation cycle)",
    ),
    rule(
        "profile-type",
        E,
        "a profile of another resource type than the resource",
    ),
    rule(
        "resource",
        E,
        "a resource is a JSON object with a `resourceType`",
    ),
    rule("resource-type", E, "a resource type FHIR defines"),
    rule(
        "type",
        E,
        "the definition of an element's type can be found",
    ),
    rule_note(
        "depth",
        E,
        "beyond the reader's limit: fatal",
        "resources nested more than 16 levels, elements more than 64",
    ),
    rule("json-syntax", F, "the input is JSON"),
    rule("json-duplicate-key", F, "no key twice in one JSON object"),
    rule("size-limit", F, "the input is within `--max-size-mb`"),
    rule("io", F, "the input file can be read"),
];

/// Whether a rule id is in the catalogue: listed, or `type-<code>` for a primitive type.
/// Constraint keys are the profiles' own; an invariant's issue is checked by its type.
pub fn is_known(id: &str) -> bool {
    if let Some(code) = id.strip_prefix("type-")
        && primitives::is_primitive(code)
    {
        return true;
    }
    RULES.iter().any(|r| r.id == id)
}

/// The catalogue as the Markdown table of `docs/validator.md`.
pub fn markdown_table() -> String {
    let rows: Vec<Vec<String>> = RULES
        .iter()
        .map(|r| {
            let severity = if r.severity_note.is_empty() {
                r.severity.to_string()
            } else {
                format!("{} ({})", r.severity, r.severity_note)
            };
            vec![format!("`{}`", r.id), r.check.to_string(), severity]
        })
        .collect();
    samsvar_diagnostics::catalogue::markdown_table(&["Rule id", "Check", "Severity"], &rows)
}
