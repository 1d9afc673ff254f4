//! The first lines of a response body, for a failure shown in the terminal: enough to
//! see what the server said (an OperationOutcome, an HTML error page) without opening
//! the stored exchange. JSON is pretty-printed first, because servers send it on one line.

use samsvar_record::Body;

/// Lines shown at most.
pub const MAX_LINES: usize = 10;
/// Characters of one line shown at most.
pub const MAX_LINE_CHARS: usize = 160;

/// The first [`MAX_LINES`] lines of `body`, each cut at [`MAX_LINE_CHARS`], and a last
/// line saying how much more there is; a one-line note for an empty or binary body.
pub fn body_lines(body: &Body) -> Vec<String> {
    if body.bytes.is_empty() {
        return vec![if body.size == 0 {
            "(empty body)".to_string()
        } else {
            format!("({} bytes, not kept in memory)", body.size)
        }];
    }
    let Ok(text) = std::str::from_utf8(&body.bytes) else {
        let media = body.media_type.as_deref().unwrap_or("unknown type");
        return vec![format!("({} bytes of binary {media})", body.size)];
    };
    let pretty = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    let text = pretty.as_deref().unwrap_or(text);
    let all: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = all.iter().take(MAX_LINES).map(|l| cut(l)).collect();
    if all.len() > MAX_LINES {
        out.push(format!("… {} more lines", all.len() - MAX_LINES));
    }
    if body.truncated {
        out.push("… (the body was cut: over --max-body, or the connection broke)".to_string());
    }
    out
}

fn cut(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(bytes: &[u8]) -> Body {
        Body::new(
            bytes.to_vec().into(),
            Some("application/fhir+json".into()),
            false,
        )
    }

    #[test]
    fn json_on_one_line_is_pretty_printed_and_cut_after_eight_lines() {
        let b = body(
            br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"boom","expression":["a","b","c"]}]}"#,
        );
        let lines = body_lines(&b);
        assert_eq!(lines[0], "{");
        assert_eq!(lines[1], r#"  "resourceType": "OperationOutcome","#);
        assert_eq!(lines.len(), MAX_LINES + 1, "{lines:?}");
        assert!(lines[MAX_LINES].starts_with("… "), "{lines:?}");
    }

    #[test]
    fn long_lines_are_cut_and_binary_is_named() {
        let long = "x".repeat(500);
        let lines = body_lines(&body(long.as_bytes()));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].chars().count(), MAX_LINE_CHARS + 1);
        let bin = body_lines(&body(&[0xff, 0xfe, 0x00]));
        assert_eq!(bin, vec!["(3 bytes of binary application/fhir+json)"]);
        assert_eq!(body_lines(&body(b"")), vec!["(empty body)"]);
    }
}
