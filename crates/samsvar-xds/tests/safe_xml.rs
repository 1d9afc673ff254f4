//! Hostile XML is refused quickly, without expansion, file reads or unbounded memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_xds::XmlError;
use samsvar_xds::xml::{XmlLimits, parse};
use std::time::{Duration, Instant};

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"#;

const XXE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<foo>&xxe;</foo>"#;

#[test]
fn billion_laughs_is_refused_quickly() {
    let t = Instant::now();
    let err = parse(BILLION_LAUGHS.as_bytes(), &XmlLimits::default()).unwrap_err();
    assert!(
        matches!(err, XmlError::DocType { position } if position == samsvar_diagnostics::LineCol::new(2, 1)),
        "{err:?}"
    );
    assert!(err.to_string().contains("DOCTYPE"));
    assert!(t.elapsed() < Duration::from_millis(100));
}

#[test]
fn xxe_is_refused_without_reading_the_file() {
    let err = parse(XXE.as_bytes(), &XmlLimits::default()).unwrap_err();
    assert!(matches!(err, XmlError::DocType { .. }), "{err:?}");
    assert!(!err.to_string().contains("root:"));
}

#[test]
fn undeclared_entity_reference_is_an_error_not_an_expansion() {
    let err = parse(b"<a>&xxe;</a>", &XmlLimits::default()).unwrap_err();
    assert!(matches!(err, XmlError::Syntax { .. }), "{err:?}");
}

#[test]
fn predefined_entities_and_char_refs_still_work() {
    let e = parse(b"<a x=\"&lt;&#65;\">&amp;&#x42;</a>", &XmlLimits::default()).unwrap();
    assert_eq!(e.get_attr("x"), Some("<A"));
    assert_eq!(e.text, "&B");
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 100_000;
    let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let t = Instant::now();
    let err = parse(xml.as_bytes(), &XmlLimits::default()).unwrap_err();
    assert!(
        matches!(err, XmlError::TooDeep { limit: 64, .. }),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[test]
fn size_element_and_attribute_limits() {
    let limits = XmlLimits {
        max_bytes: 1000,
        max_depth: 8,
        max_attributes: 3,
        max_elements: 10,
    };
    let big = format!("<a>{}</a>", "x".repeat(2000));
    assert!(matches!(
        parse(big.as_bytes(), &limits).unwrap_err(),
        XmlError::TooLarge {
            size: 2007,
            limit: 1000
        }
    ));
    let many = format!("<a>{}</a>", "<b/>".repeat(20));
    assert!(matches!(
        parse(many.as_bytes(), &limits).unwrap_err(),
        XmlError::TooManyElements { limit: 10 }
    ));
    let attrs = "<a p=\"1\" q=\"2\" r=\"3\" s=\"4\"/>";
    assert!(matches!(
        parse(attrs.as_bytes(), &limits).unwrap_err(),
        XmlError::TooManyAttributes { limit: 3, .. }
    ));
}

#[test]
fn malformed_xml_reports_a_position() {
    let err = parse(b"<a>\n  <b></c>\n</a>", &XmlLimits::default()).unwrap_err();
    match err {
        XmlError::Syntax { position, .. } => assert_eq!(position.line, 2),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse(b"", &XmlLimits::default()).unwrap_err(),
        XmlError::Empty
    ));
    assert!(matches!(
        parse(b"<a>", &XmlLimits::default()).unwrap_err(),
        XmlError::Syntax { .. }
    ));
    assert!(matches!(
        parse(&[0xff, 0xfe], &XmlLimits::default()).unwrap_err(),
        XmlError::Encoding(_)
    ));
}

/// A SOAP response is often one line. 199,998 small elements on one line (2.2 MB, under
/// every limit): every element is located, the last one at its exact column (each
/// element is 10 characters, 11 bytes: the `ø` is two).
#[test]
fn a_one_line_document_of_many_elements_is_located_to_its_end() {
    let elements = 199_998;
    let xml = format!("<root>{}</root>", "<e a=\"ø\"/>".repeat(elements));
    let root = parse(xml.as_bytes(), &XmlLimits::default()).unwrap();
    assert_eq!(root.children.len(), elements);
    let last = root.children.last().and_then(|e| e.pos);
    assert_eq!(
        last,
        Some(samsvar_diagnostics::LineCol::new(
            1,
            7 + 10 * (elements - 1)
        ))
    );
}

/// A million elements on one line are refused by the element limit, which is checked
/// before an element is read any further.
#[test]
fn a_million_elements_are_refused_by_the_element_limit() {
    let xml = format!("<root>{}</root>", "<e/>".repeat(1_000_000));
    let err = parse(xml.as_bytes(), &XmlLimits::default()).unwrap_err();
    assert!(
        matches!(err, XmlError::TooManyElements { limit: 200_000 }),
        "{err:?}"
    );
}
