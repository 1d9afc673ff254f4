//! The header of an RFC 5424 syslog message, read without judging it: the repository
//! records what arrived and says what it could not read (see [`super::findings`]).

/// The header fields and the message of one syslog message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogMessage<'a> {
    pub pri: u8,
    pub version: &'a str,
    pub timestamp: &'a str,
    pub hostname: &'a str,
    pub app_name: &'a str,
    pub proc_id: &'a str,
    pub msg_id: &'a str,
    pub structured_data: &'a str,
    /// MSG, without the UTF-8 byte order mark RFC 5424 6.4 allows before it.
    pub msg: &'a [u8],
}

impl SyslogMessage<'_> {
    /// RFC 5424 6.2.1: PRI = facility × 8 + severity.
    pub fn facility(&self) -> u8 {
        self.pri / 8
    }

    pub fn severity(&self) -> u8 {
        self.pri % 8
    }

    /// The header fields as (name, value) pairs, as the evidence records them.
    pub fn fields(&self) -> Vec<(String, String)> {
        [
            ("pri", self.pri.to_string()),
            ("version", self.version.to_string()),
            ("timestamp", self.timestamp.to_string()),
            ("hostname", self.hostname.to_string()),
            ("app-name", self.app_name.to_string()),
            ("procid", self.proc_id.to_string()),
            ("msgid", self.msg_id.to_string()),
            ("structured-data", self.structured_data.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads the header of `bytes`, one syslog message (the frame's content).
pub fn parse(bytes: &[u8]) -> Result<SyslogMessage<'_>, String> {
    let rest = bytes
        .strip_prefix(b"<")
        .ok_or("it does not start with `<PRI>`")?;
    let close = rest
        .iter()
        .take(4)
        .position(|b| *b == b'>')
        .ok_or("PRI is not 1 to 3 digits closed by `>`")?;
    let pri: u8 = std::str::from_utf8(&rest[..close])
        .ok()
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
        .filter(|p| *p <= 191)
        .ok_or("PRI is not a number from 0 to 191")?;
    let mut rest = &rest[close + 1..];
    let mut field = |name: &str| -> Result<&str, String> {
        let end = rest
            .iter()
            .position(|b| *b == b' ')
            .ok_or_else(|| format!("the header ends before {name}"))?;
        let value =
            std::str::from_utf8(&rest[..end]).map_err(|_| format!("{name} is not ASCII"))?;
        if value.is_empty() {
            return Err(format!(
                "{name} is empty (RFC 5424 writes `-` for a missing value)"
            ));
        }
        rest = &rest[end + 1..];
        Ok(value)
    };
    let version = field("VERSION")?;
    if version != "1" {
        return Err(format!("VERSION is `{version}`, RFC 5424 defines 1"));
    }
    let timestamp = field("TIMESTAMP")?;
    let hostname = field("HOSTNAME")?;
    let app_name = field("APP-NAME")?;
    let proc_id = field("PROCID")?;
    let msg_id = field("MSGID")?;
    let (structured_data, msg) = structured_data(rest)?;
    let msg = msg.strip_prefix(BOM).unwrap_or(msg);
    Ok(SyslogMessage {
        pri,
        version,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id,
        structured_data,
        msg,
    })
}

/// STRUCTURED-DATA (`-`, or `[…]` elements whose values escape `"`, `\` and `]`) and
/// the MSG after it.
fn structured_data(bytes: &[u8]) -> Result<(&str, &[u8]), String> {
    let end = if bytes.first() == Some(&b'-') {
        1
    } else if bytes.first() == Some(&b'[') {
        let mut i = 0;
        let mut in_value = false;
        loop {
            let Some(&b) = bytes.get(i) else {
                return Err("STRUCTURED-DATA is not closed by `]`".into());
            };
            match b {
                b'\\' if in_value => i += 1,
                b'"' => in_value = !in_value,
                // Another element may follow at once; otherwise STRUCTURED-DATA ends here.
                b']' if !in_value && bytes.get(i + 1) != Some(&b'[') => break i + 1,
                _ => {}
            }
            i += 1;
        }
    } else {
        return Err("STRUCTURED-DATA is neither `-` nor `[…]`".into());
    };
    let sd = std::str::from_utf8(&bytes[..end]).map_err(|_| "STRUCTURED-DATA is not UTF-8")?;
    let msg = match bytes.get(end) {
        None => &[][..],
        Some(b' ') => &bytes[end + 1..],
        Some(_) => return Err("no space between STRUCTURED-DATA and MSG".into()),
    };
    Ok((sd, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_atna_header_and_strips_the_bom() {
        let m = parse(
            b"<85>1 2026-12-04T10:00:00Z host app 42 IHE+RFC-3881 - \xEF\xBB\xBF<AuditMessage/>",
        )
        .expect("parses");
        assert_eq!((m.facility(), m.severity()), (10, 5));
        assert_eq!(m.msg_id, "IHE+RFC-3881");
        assert_eq!(m.structured_data, "-");
        assert_eq!(m.msg, b"<AuditMessage/>");
    }

    #[test]
    fn reads_structured_data_with_escapes() {
        let m = parse(br#"<86>1 - - - - ID [a x="q\"]"][b y="1"] text"#).expect("parses");
        assert_eq!(m.structured_data, r#"[a x="q\"]"][b y="1"]"#);
        assert_eq!(m.msg, b"text");
    }

    #[test]
    fn says_what_is_wrong() {
        for (input, why) in [
            (&b"85>1"[..], "`<PRI>`"),
            (b"<999>1 ", "0 to 191"),
            (b"<85>2 a b c d e - x", "VERSION"),
            (b"<85>1 a b", "before HOSTNAME"),
            (b"<85>1 a b c d e [x", "not closed"),
            (b"<85>1 a b c d e x msg", "neither"),
        ] {
            let err = parse(input).expect_err("refused");
            assert!(err.contains(why), "{err} (wanted {why})");
        }
    }
}
