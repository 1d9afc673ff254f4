//! SMART scopes, v1 (`system/Patient.read`) and v2 (`system/Patient.rs`): system scopes
//! for backend clients, patient scopes (`patient/AuditEvent.rs`) for a patient-context
//! client, which may only read and search (the compartment is enforced by the FHIR
//! simulator, see `fhir/compartment.rs`).

/// Does one of `granted` allow `method` on `resource_type`? `post_search` tells a
/// `POST …/_search` (a read) from a create. A token with a patient context
/// (`patient_context`) is judged by its `patient/` scopes only, and never writes; any
/// other token by its `system/` scopes only.
pub fn allows(
    granted: &[String],
    resource_type: &str,
    method: &str,
    post_search: bool,
    patient_context: bool,
) -> bool {
    let reading = matches!(method, "GET" | "HEAD") || (method == "POST" && post_search);
    if patient_context && !reading {
        return false;
    }
    let context = if patient_context {
        "patient/"
    } else {
        "system/"
    };
    let needed = match method {
        "GET" | "HEAD" => ['r', 's'],
        "POST" if post_search => ['s', 's'],
        "POST" => ['c', 'c'],
        "PUT" | "PATCH" => ['u', 'u'],
        "DELETE" => ['d', 'd'],
        _ => return false,
    };
    granted.iter().any(|scope| {
        let Some(rest) = scope.strip_prefix(context) else {
            return false;
        };
        let Some((ty, perm)) = rest.split_once('.') else {
            return false;
        };
        if ty != "*" && ty != resource_type {
            return false;
        }
        let perm = perm.split('?').next().unwrap_or(perm);
        match perm {
            "*" => true,
            "read" => matches!(method, "GET" | "HEAD") || post_search,
            "write" => !matches!(method, "GET" | "HEAD") && !post_search,
            // v2: any of the letters c r u d s; a POST may be a create or a _search.
            letters => {
                needed.iter().any(|c| letters.contains(*c))
                    && letters.chars().all(|c| "cruds".contains(c))
            }
        }
    })
}

/// Is every requested scope among the allowed ones (exactly, or covered by a wildcard)?
pub fn all_allowed(requested: &[String], allowed: &[String]) -> bool {
    requested.iter().all(|r| {
        allowed
            .iter()
            .any(|a| a == r || a == "system/*.*" || a == "patient/*.*" || covers(a, r))
    })
}

fn covers(allowed: &str, requested: &str) -> bool {
    let (Some((at, ap)), Some((rt, rp))) = (allowed.split_once('.'), requested.split_once('.'))
    else {
        return false;
    };
    // `system/*` covers `system/Patient`, `patient/*` covers `patient/AuditEvent`, never
    // across contexts.
    let type_ok = at == rt
        || at
            .strip_suffix('*')
            .is_some_and(|ctx| ctx.ends_with('/') && rt.starts_with(ctx));
    let perm_ok = ap == rp || ap == "*" || (rp.chars().all(|c| ap.contains(c)) && !rp.is_empty());
    type_ok && perm_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v2_scopes() {
        let read = vec!["system/*.read".to_string()];
        assert!(allows(&read, "Patient", "GET", false, false));
        assert!(!allows(&read, "Patient", "PUT", false, false));
        assert!(allows(&read, "Patient", "POST", true, false));
        let v2 = vec!["system/Patient.rs".to_string()];
        assert!(allows(&v2, "Patient", "GET", false, false));
        assert!(allows(&v2, "Patient", "POST", true, false));
        assert!(!allows(&v2, "Patient", "POST", false, false));
        assert!(!allows(&v2, "Observation", "GET", false, false));
        assert!(!allows(&v2, "Patient", "DELETE", false, false));
        assert!(allows(
            &["system/*.cruds".to_string()],
            "Patient",
            "DELETE",
            false,
            false
        ));
    }

    #[test]
    fn patient_scopes_read_and_search_only_with_a_patient_context() {
        let own = vec!["patient/AuditEvent.rs".to_string()];
        assert!(allows(&own, "AuditEvent", "GET", false, true));
        assert!(allows(&own, "AuditEvent", "POST", true, true));
        assert!(!allows(&own, "Patient", "GET", false, true));
        // Never a write, whatever the letters say.
        let all = vec!["patient/*.cruds".to_string(), "patient/*.write".to_string()];
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            assert!(!allows(&all, "AuditEvent", method, false, true), "{method}");
        }
        assert!(allows(&all, "Observation", "GET", false, true));
        assert!(allows(
            &["patient/*.read".into()],
            "Patient",
            "GET",
            false,
            true
        ));
        // Patient scopes do nothing without a patient context, system scopes nothing with one.
        assert!(!allows(&own, "AuditEvent", "GET", false, false));
        let system = vec!["system/*.cruds".to_string()];
        assert!(!allows(&system, "AuditEvent", "GET", false, true));
    }

    #[test]
    fn patient_wildcards_cover_patient_scopes_only() {
        let allowed = vec!["patient/*.rs".to_string()];
        assert!(all_allowed(&["patient/AuditEvent.rs".into()], &allowed));
        assert!(all_allowed(&["patient/Patient.r".into()], &allowed));
        assert!(!all_allowed(&["system/AuditEvent.rs".into()], &allowed));
        assert!(!all_allowed(&["patient/AuditEvent.c".into()], &allowed));
        let system = vec!["system/*.rs".to_string()];
        assert!(!all_allowed(&["patient/AuditEvent.rs".into()], &system));
    }

    #[test]
    fn requested_scopes_must_be_allowed() {
        let allowed = vec!["system/*.rs".to_string()];
        assert!(all_allowed(&["system/Patient.rs".into()], &allowed));
        assert!(all_allowed(&["system/Patient.r".into()], &allowed));
        assert!(!all_allowed(&["system/Patient.cruds".into()], &allowed));
    }
}
