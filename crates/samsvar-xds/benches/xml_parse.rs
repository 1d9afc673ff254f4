//! Parsing cost of large XDS messages: 199,998 small elements on one line (as SOAP
//! responses are written) and the same elements one per line. Both are linear in the
//! size of the document; before positions were computed from a line index with
//! checkpoints, the one-line form cost ~14 s.
//!
//! `cargo bench -p samsvar-xds --bench xml_parse`

use criterion::{Criterion, criterion_group, criterion_main};
use samsvar_xds::xml::{XmlLimits, parse};
use std::hint::black_box;

fn document(separator: &str) -> String {
    let element = format!("<e a=\"ø\"/>{separator}");
    format!("<root>{}</root>", element.repeat(199_998))
}

fn bench(c: &mut Criterion) {
    let limits = XmlLimits::default();
    let mut group = c.benchmark_group("xml_parse_199998_elements");
    group.sample_size(10);
    for (name, separator) in [("one_line", ""), ("one_per_line", "\n")] {
        let doc = document(separator);
        group.bench_function(name, |b| {
            b.iter(|| parse(black_box(doc.as_bytes()), &limits).map(|root| root.children.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
