//! Narrative XHTML (`Narrative.div`): well-formed XML in the XHTML namespace, only the
//! elements and attributes FHIR allows (txt-1: HTML 4.0 basic formatting, `<a>`, images,
//! style attributes), only XML's own entities, some text (txt-2), and `#` hyperlinks
//! that land somewhere. The published invariants call `htmlChecks()`, which no FHIRPath
//! engine implements; these are the rules it stands for.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashSet;

const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Elements a narrative may use.
const ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "b",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "ul",
    "var",
    "map",
    "area",
];

/// Attributes any allowed element may carry.
const COMMON_ATTRIBUTES: &[&str] = &[
    "title",
    "style",
    "class",
    "id",
    "lang",
    "xml:lang",
    "dir",
    "accesskey",
    "tabindex",
];

/// Attributes particular to some elements.
fn element_attribute(element: &str, attribute: &str) -> bool {
    matches!(
        (element, attribute),
        (
            "a",
            "href" | "name" | "rel" | "type" | "hreflang" | "charset" | "shape" | "coords"
        ) | (
            "img",
            "src" | "alt" | "height" | "width" | "usemap" | "longdesc" | "border"
        ) | ("area", "href" | "alt" | "shape" | "coords" | "nohref")
            | ("map", "name")
            | (
                "col" | "colgroup",
                "span" | "width" | "align" | "valign" | "char" | "charoff"
            )
            | ("ol", "start" | "type" | "compact")
            | ("ul", "type" | "compact")
            | ("li", "value" | "type")
            | (
                "td" | "th",
                "colspan"
                    | "rowspan"
                    | "headers"
                    | "abbr"
                    | "scope"
                    | "axis"
                    | "align"
                    | "valign"
                    | "char"
                    | "charoff"
                    | "nowrap"
                    | "width"
                    | "height"
                    | "bgcolor"
            )
            | (
                "table",
                "border"
                    | "summary"
                    | "width"
                    | "cellspacing"
                    | "cellpadding"
                    | "frame"
                    | "rules"
                    | "align"
                    | "bgcolor"
            )
            | (
                "tr" | "thead" | "tbody" | "tfoot",
                "align" | "valign" | "char" | "charoff" | "bgcolor"
            )
            | ("blockquote" | "q", "cite")
            | ("pre", "width" | "xml:space")
            | (
                "div" | "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6",
                "align"
            )
            | ("br", "clear")
            | ("hr", "align" | "noshade" | "size" | "width")
    )
}

/// One problem in a narrative: the rule it breaks and what is wrong.
#[derive(Debug, PartialEq)]
pub(crate) struct Problem {
    pub rule: &'static str,
    pub message: String,
}

fn problem(rule: &'static str, message: String) -> Problem {
    Problem { rule, message }
}

/// What a narrative holds that other checks need: its ids/names and its `#` links.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub problems: Vec<Problem>,
    /// `id` and `name` attribute values (targets of internal links).
    pub anchors: HashSet<String>,
    /// `href="#x"` values (without `#`).
    pub internal_links: Vec<String>,
}

/// Checks one `div`.
pub(crate) fn check(div: &str) -> Scan {
    let mut scan = Scan::default();
    let mut reader = Reader::from_str(div);
    reader.config_mut().trim_text(false);
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut has_content = false;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                scan.problems.push(problem(
                    "xhtml",
                    format!(
                        "the narrative is not well-formed XHTML at byte {}: {e}",
                        reader.buffer_position()
                    ),
                ));
                return scan;
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if depth == 0 {
                    if root_seen {
                        scan.problems.push(problem(
                            "xhtml",
                            "the narrative must be one <div> element".into(),
                        ));
                    }
                    root_seen = true;
                    root(e, &mut scan);
                }
                element(e, &mut scan);
                if local(e) == "img" {
                    has_content = true;
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) => match t.unescape() {
                // Raw text counts as content even when an entity in it is refused.
                Ok(text) => {
                    if depth == 0 && !text.trim().is_empty() {
                        scan.problems
                            .push(problem("xhtml", "text outside the <div> element".into()));
                    }
                    has_content |= !text.trim().is_empty();
                }
                Err(e) => {
                    has_content |= !t.iter().all(u8::is_ascii_whitespace);
                    scan.problems.push(problem(
                    "txt-1",
                    format!("invalid entity in the narrative ({e}); only &lt; &gt; &amp; &quot; &apos; and numeric character references are allowed"),
                ));
                }
            },
            Event::CData(t) => has_content |= !t.iter().all(u8::is_ascii_whitespace),
            Event::DocType(_) => scan.problems.push(problem(
                "txt-1",
                "a DOCTYPE is not allowed in a narrative".into(),
            )),
            Event::PI(_) => scan.problems.push(problem(
                "txt-1",
                "processing instructions are not allowed in a narrative".into(),
            )),
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        scan.problems.push(problem(
            "xhtml",
            "the narrative has no <div> element".into(),
        ));
    } else if !has_content {
        scan.problems.push(problem(
            "txt-2",
            "txt-2: the narrative SHALL have some non-whitespace content".into(),
        ));
    }
    scan
}

fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn root(e: &BytesStart<'_>, scan: &mut Scan) {
    let name = local(e);
    if name != "div" {
        scan.problems.push(problem(
            "xhtml",
            format!("the narrative's root element must be <div>, not <{name}>"),
        ));
    }
    let prefix = e
        .name()
        .prefix()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned());
    let wanted = match &prefix {
        Some(p) => format!("xmlns:{p}"),
        None => "xmlns".to_string(),
    };
    let ns = e.attributes().flatten().find_map(|a| {
        (a.key.as_ref() == wanted.as_bytes())
            .then(|| String::from_utf8_lossy(&a.value).into_owned())
    });
    match ns {
        Some(ns) if ns == XHTML_NS => {}
        Some(ns) => scan.problems.push(problem(
            "xhtml",
            format!("the narrative's <div> is in namespace \"{ns}\"; it must be {XHTML_NS}"),
        )),
        None => scan.problems.push(problem(
            "xhtml",
            format!("the narrative's <div> must declare xmlns=\"{XHTML_NS}\""),
        )),
    }
}

fn element(e: &BytesStart<'_>, scan: &mut Scan) {
    let name = local(e);
    if !ELEMENTS.contains(&name.as_str()) {
        scan.problems.push(problem(
            "txt-1",
            format!("element <{name}> is not allowed in a narrative (txt-1: basic HTML formatting only; no scripts, forms, frames or objects)"),
        ));
    }
    for attribute in e.attributes() {
        let attribute = match attribute {
            Ok(a) => a,
            Err(err) => {
                scan.problems.push(problem(
                    "xhtml",
                    format!("malformed attribute on <{name}>: {err}"),
                ));
                continue;
            }
        };
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attribute
            .unescape_value()
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&attribute.value).into_owned());
        if !(COMMON_ATTRIBUTES.contains(&key.as_str()) || element_attribute(&name, &key)) {
            scan.problems.push(problem(
                "txt-1",
                format!("attribute {key} is not allowed on <{name}> in a narrative (txt-1)"),
            ));
        }
        let lowered = value.trim_start().to_ascii_lowercase();
        if matches!(key.as_str(), "href" | "src") && lowered.starts_with("javascript:") {
            scan.problems.push(problem(
                "txt-1",
                format!(
                    "{key}=\"{value}\" on <{name}>: script URLs are not allowed in a narrative"
                ),
            ));
        }
        match key.as_str() {
            "id" => {
                scan.anchors.insert(value);
            }
            "name" if name == "a" => {
                scan.anchors.insert(value);
            }
            "href" if value.starts_with('#') && value.len() > 1 => {
                scan.internal_links.push(value[1..].to_string());
            }
            _ => {}
        }
    }
}

/// HTML tags in a plain string: a browser that shows the string unescaped runs them,
/// so they are refused (as the HL7 validator's security checks do).
pub(crate) fn embedded_html(text: &str) -> Option<&str> {
    static TAG: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)<\s*/?\s*(script|iframe|object|embed|img|a|div|span|p|b|i|u|em|strong|table|tr|td|style|link|meta|form|input|button|svg|body|html|head|br|hr|h[1-6])(\s[^<>]*)?/?>",
        )
        .ok()
    });
    TAG.as_ref()?.find(text).map(|m| m.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(div: &str) -> Vec<&'static str> {
        check(div).problems.iter().map(|p| p.rule).collect()
    }

    const NS: &str = r#"xmlns="http://www.w3.org/1999/xhtml""#;

    #[test]
    fn a_plain_narrative_passes() {
        let div = format!(
            r##"<div {NS}><p>Ann <b>Smith</b> &amp; co &#169;</p><a name="x"/><a href="#x">x</a></div>"##
        );
        let scan = check(&div);
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
        assert_eq!(scan.internal_links, vec!["x".to_string()]);
        assert!(scan.anchors.contains("x"));
    }

    #[test]
    fn scripts_event_handlers_and_html_entities_fail() {
        assert_eq!(
            rules(&format!("<div {NS}><script>x()</script>text</div>")),
            vec!["txt-1"]
        );
        assert_eq!(
            rules(&format!(r#"<div {NS}><p onclick="x()">t</p></div>"#)),
            vec!["txt-1"]
        );
        assert_eq!(
            rules(&format!("<div {NS}><p>&reg;</p></div>")),
            vec!["txt-1"]
        );
        assert_eq!(
            rules(&format!(
                r#"<div {NS}><a href="javascript:x()">t</a></div>"#
            )),
            vec!["txt-1"]
        );
    }

    #[test]
    fn html_tags_in_strings_are_found_and_comparisons_are_not() {
        assert_eq!(
            embedded_html("Ann <script>alert(1)</script>"),
            Some("<script>")
        );
        assert_eq!(
            embedded_html(r#"<img src="x" onerror="y">"#),
            Some(r#"<img src="x" onerror="y">"#)
        );
        assert_eq!(embedded_html("dose < 5 mg and > 2 mg"), None);
        assert_eq!(embedded_html("a<b>c"), Some("<b>"));
    }

    #[test]
    fn namespace_content_and_shape_are_required() {
        assert_eq!(rules("<div><p>t</p></div>"), vec!["xhtml"]);
        assert_eq!(rules(&format!("<div {NS}>  </div>")), vec!["txt-2"]);
        assert_eq!(rules(&format!("<div {NS}><p>t</div>")), vec!["xhtml"]);
        assert_eq!(rules(&format!("<p {NS}>t</p>")), vec!["xhtml"]);
    }
}
