//! Typed ebRIM objects → element trees (prefix `rim:`).

use super::model::*;
use crate::ns::{RIM, RS};
use crate::vocab;
use crate::xml::Element;

fn rim(local: &str) -> Element {
    Element::new(RIM, "rim", local)
}

/// A `rim:RegistryObjectList` holding every object of `list`.
pub fn write_object_list(list: &ObjectList) -> Element {
    let mut e = rim("RegistryObjectList");
    for x in &list.extrinsic_objects {
        let mut el = write_object(rim("ExtrinsicObject"), &x.obj);
        if let Some(m) = &x.mime_type {
            el.attrs
                .insert(1.min(el.attrs.len()), ("mimeType".into(), m.clone()));
        }
        e.children.push(el);
    }
    for p in &list.packages {
        e.children
            .push(write_object(rim("RegistryPackage"), &p.obj));
    }
    for c in &list.classifications {
        e.children.push(write_classification(c));
    }
    for a in &list.associations {
        e.children.push(write_association(a));
    }
    for r in &list.object_refs {
        let mut el = rim("ObjectRef").attr("id", r.id.clone());
        if let Some(h) = &r.home {
            el.set_attr("home", h.clone());
        }
        e.children.push(el);
    }
    e
}

fn write_object(mut e: Element, o: &RegistryObject) -> Element {
    e.set_attr("id", o.id.clone());
    for (k, v) in [
        ("lid", &o.lid),
        ("status", &o.status),
        ("home", &o.home),
        ("objectType", &o.object_type),
    ] {
        if let Some(v) = v {
            e.set_attr(k, v.clone());
        }
    }
    for s in &o.slots {
        e.children.push(write_slot(s));
    }
    if let Some(n) = &o.name {
        e.children.push(localized("Name", n));
    }
    if let Some(d) = &o.description {
        e.children.push(localized("Description", d));
    }
    for c in &o.classifications {
        e.children.push(write_classification(c));
    }
    for x in &o.external_identifiers {
        let mut el = rim("ExternalIdentifier")
            .attr("id", x.id.clone())
            .attr("objectType", vocab::object_type::EXTERNAL_IDENTIFIER)
            .attr("identificationScheme", x.scheme.clone())
            .attr("registryObject", x.registry_object.clone())
            .attr("value", x.value.clone());
        if let Some(n) = &x.name {
            el.children.push(localized("Name", n));
        }
        e.children.push(el);
    }
    e
}

fn localized(which: &str, value: &str) -> Element {
    rim(which).child(rim("LocalizedString").attr("value", value))
}

fn write_slot(s: &Slot) -> Element {
    let mut vl = rim("ValueList");
    for v in &s.values {
        vl.children.push(rim("Value").text(v.clone()));
    }
    rim("Slot").attr("name", s.name.clone()).child(vl)
}

fn write_classification(c: &Classification) -> Element {
    let mut e = rim("Classification").attr("id", c.id.clone());
    e.set_attr("objectType", vocab::object_type::CLASSIFICATION);
    if let Some(s) = &c.scheme {
        e.set_attr("classificationScheme", s.clone());
    }
    e.set_attr("classifiedObject", c.classified_object.clone());
    if let Some(n) = &c.node {
        e.set_attr("classificationNode", n.clone());
    }
    if let Some(n) = &c.node_representation {
        e.set_attr("nodeRepresentation", n.clone());
    }
    for s in &c.slots {
        e.children.push(write_slot(s));
    }
    if let Some(n) = &c.name {
        e.children.push(localized("Name", n));
    }
    e
}

fn write_association(a: &Association) -> Element {
    let mut e = rim("Association")
        .attr("id", a.id.clone())
        .attr("objectType", vocab::object_type::ASSOCIATION)
        .attr("associationType", a.association_type.clone())
        .attr("sourceObject", a.source.clone())
        .attr("targetObject", a.target.clone());
    if let Some(s) = &a.status {
        e.set_attr("status", s.clone());
    }
    for s in &a.slots {
        e.children.push(write_slot(s));
    }
    e
}

/// An `rs:RegistryResponse` element (or any element given) carrying status and errors.
pub fn write_registry_response(mut e: Element, r: &RegistryResponse) -> Element {
    e.set_attr("status", r.status_urn.clone());
    if !r.errors.is_empty() {
        let highest = if r.errors.iter().any(|x| x.severity == "Error") {
            vocab::severity::ERROR
        } else {
            vocab::severity::WARNING
        };
        let mut list = Element::new(RS, "rs", "RegistryErrorList").attr("highestSeverity", highest);
        for err in &r.errors {
            let sev = if err.severity == "Warning" {
                vocab::severity::WARNING
            } else {
                vocab::severity::ERROR
            };
            let mut el = Element::new(RS, "rs", "RegistryError")
                .attr("errorCode", err.error_code.clone())
                .attr("codeContext", err.code_context.clone())
                .attr("severity", sev);
            if let Some(l) = &err.location {
                el.set_attr("location", l.clone());
            }
            list.children.push(el);
        }
        e.children.push(list);
    }
    e
}
