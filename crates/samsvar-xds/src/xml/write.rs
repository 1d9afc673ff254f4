//! Serialising element trees. Text and attribute values are escaped.

use super::Element;
use quick_xml::escape::escape;

/// The tree as an XML string, without an XML declaration.
pub fn to_string(root: &Element) -> String {
    let mut out = String::with_capacity(4096);
    write_element(root, &mut out);
    out
}

fn write_element(e: &Element, out: &mut String) {
    let name = e.qname();
    out.push('<');
    out.push_str(&name);
    for (prefix, uri) in &e.decls {
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        out.push_str(&escape(uri.as_str()));
        out.push('"');
    }
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(&escape(v.as_str()));
        out.push('"');
    }
    if e.children.is_empty() && e.text.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    out.push_str(&escape(e.text.as_str()));
    for c in &e.children {
        write_element(c, out);
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}
