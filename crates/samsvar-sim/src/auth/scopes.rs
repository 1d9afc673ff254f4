//! SMART system scopes, v1 (`system/Patient.read`) and v2 (`system/Patient.rs`).

/// Does one of `granted` allow `method` on `resource_type`? `post_search` tells a
/// `POST …/_search` (a read) from a create.
pub fn allows(granted: &[String], resource_type: &str, method: &str, post_search: bool) -> bool {
    let needed = match method {
        "GET" | "HEAD" => ['r', 's'],
        "POST" if post_search => ['s', 's'],
        "POST" => ['c', 'c'],
        "PUT" | "PATCH" => ['u', 'u'],
        "DELETE" => ['d', 'd'],
        _ => return false,
    };
    granted.iter().any(|scope| {
        let Some(rest) = scope.strip_prefix("system/") else {
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
            .any(|a| a == r || a == "system/*.*" || covers(a, r))
    })
}

fn covers(allowed: &str, requested: &str) -> bool {
    let (Some((at, ap)), Some((rt, rp))) = (allowed.split_once('.'), requested.split_once('.'))
    else {
        return false;
    };
    let type_ok = at == rt || at == "system/*";
    let perm_ok = ap == rp || ap == "*" || (rp.chars().all(|c| ap.contains(c)) && !rp.is_empty());
    type_ok && perm_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v2_scopes() {
        let read = vec!["system/*.read".to_string()];
        assert!(allows(&read, "Patient", "GET", false));
        assert!(!allows(&read, "Patient", "PUT", false));
        assert!(allows(&read, "Patient", "POST", true));
        let v2 = vec!["system/Patient.rs".to_string()];
        assert!(allows(&v2, "Patient", "GET", false));
        assert!(allows(&v2, "Patient", "POST", true));
        assert!(!allows(&v2, "Patient", "POST", false));
        assert!(!allows(&v2, "Observation", "GET", false));
        assert!(!allows(&v2, "Patient", "DELETE", false));
        assert!(allows(
            &["system/*.cruds".to_string()],
            "Patient",
            "DELETE",
            false
        ));
    }

    #[test]
    fn requested_scopes_must_be_allowed() {
        let allowed = vec!["system/*.rs".to_string()];
        assert!(all_allowed(&["system/Patient.rs".into()], &allowed));
        assert!(all_allowed(&["system/Patient.r".into()], &allowed));
        assert!(!all_allowed(&["system/Patient.cruds".into()], &allowed));
    }
}
