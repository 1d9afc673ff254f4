//! The two time formats a FHIR server writes: FHIR `instant` and the HTTP date.

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const INSTANT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const HTTP_DATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// `2026-11-24T23:37:12.123Z` (FHIR `instant`, UTC, milliseconds).
pub fn fhir_instant(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(INSTANT)
        .unwrap_or_default()
}

/// `Tue, 24 Nov 2026 23:37:12 GMT` (RFC 9110 IMF-fixdate, for `Last-Modified`).
pub fn http_date(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(HTTP_DATE)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats() {
        let t = datetime!(2026-11-24 23:37:12.123456 UTC);
        assert_eq!(fhir_instant(t), "2026-11-24T23:37:12.123Z");
        assert_eq!(http_date(t), "Tue, 24 Nov 2026 23:37:12 GMT");
    }
}
