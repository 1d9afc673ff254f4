//! Who may see what, over real HTTP: vendor B gets 404 for everything of vendor A's (by id
//! guessing too), a vendor cannot override a verdict, anonymous requests see only the
//! sign-in page, and forms without the session's CSRF token are refused.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::{Api, Browser, EventIds};
use serde_json::json;

/// Vendor B sees nothing of vendor A's, by id guessing too; anonymous sees the sign-in only.
pub async fn check_boundaries(hub: &str, ids: &EventIds) {
    let vendor_b = Api::login(hub, "bo@fjord.example.org").await;
    for path in [
        format!("/api/v1/systems/{}", ids.system_a),
        format!("/api/v1/runs/{}", ids.run_a),
        format!("/api/v1/runs/{}", ids.upload_a),
        format!("/api/v1/runs/{}/bundle", ids.run_a),
        format!("/api/v1/dossiers/{}", ids.dossier),
        format!("/api/v1/dossiers/{}/archive", ids.dossier),
        "/api/v1/runs/999999".to_string(),
    ] {
        let (status, body) = vendor_b.get(&path).await;
        assert_eq!(status, 404, "vendor B GET {path}: {body}");
    }
    for (path, body) in [
        (
            "/api/v1/runs".to_string(),
            json!({ "system_id": ids.system_a, "suites": "all" }),
        ),
        (
            format!("/api/v1/runs/{}/reviews", ids.run_a),
            json!({ "kind": "comment", "text": "hi" }),
        ),
        (
            "/api/v1/dossiers".to_string(),
            json!({ "system_id": ids.system_a, "title": "x", "runs": [ids.run_a] }),
        ),
        (
            format!("/api/v1/dossiers/{}/submit", ids.dossier),
            json!({}),
        ),
    ] {
        let (status, reply) = vendor_b.post(&path, body).await;
        assert_eq!(status, 404, "vendor B POST {path}: {reply}");
    }
    let (status, _) = vendor_b
        .post("/api/v1/events", json!({ "name": "mine" }))
        .await;
    assert_eq!(status, 403, "a vendor cannot create events");
    let (_, runs) = vendor_b.get("/api/v1/runs").await;
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .all(|r| r["system_id"] == ids.system_b),
        "only B's runs: {runs}"
    );
    let (_, systems) = vendor_b
        .get(&format!("/api/v1/systems?event={}", ids.event))
        .await;
    assert_eq!(systems.as_array().unwrap().len(), 1);
    let (_, board) = vendor_b
        .get(&format!("/api/v1/events/{}/scoreboard", ids.event))
        .await;
    assert_eq!(
        board["rows"].as_array().unwrap().len(),
        1,
        "B's scoreboard shows B only"
    );
    // Upload into A's system: not found, before any verification.
    let res = vendor_b
        .http
        .post(format!("{hub}/api/v1/bundles?system={}", ids.system_a))
        .bearer_auth(&vendor_b.token)
        .body(Vec::<u8>::new())
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 404 | 422),
        "{}",
        res.status()
    );

    // Pages: B's browser gets 404 for A's system, run and dossier.
    let browser = Browser::login(hub, "bo@fjord.example.org").await;
    for path in [
        format!("/systems/{}", ids.system_a),
        format!("/runs/{}", ids.run_a),
        format!("/dossiers/{}", ids.dossier),
        format!("/runs/{}/bundle.tar.gz", ids.run_a),
    ] {
        assert_eq!(browser.page(&path).await.0, 404, "page {path}");
    }
    let (status, _) = browser
        .submit(
            &format!("/runs/{}/review", ids.run_b),
            &[("kind", "override"), ("to_state", "failed"), ("text", "no")],
            true,
        )
        .await;
    assert_eq!(
        status, 403,
        "a vendor cannot override, not even its own run"
    );

    // Anonymous: the sign-in page and health only.
    let anon = super::no_redirects();
    for path in [
        "/",
        "/events",
        &format!("/events/{}/scoreboard", ids.event),
        &format!("/runs/{}", ids.run_a),
        "/dossiers",
        "/no-such-page",
    ] {
        let res = anon.get(format!("{hub}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 303, "anonymous {path}");
        assert_eq!(res.headers()["location"], "/login");
    }
    for path in [
        "/api/v1/runs",
        "/api/v1/events",
        &format!("/api/v1/dossiers/{}", ids.dossier),
    ] {
        assert_eq!(
            anon.get(format!("{hub}{path}"))
                .send()
                .await
                .unwrap()
                .status(),
            401,
            "anonymous {path}"
        );
    }
    let bad_token = anon
        .get(format!("{hub}/api/v1/runs"))
        .bearer_auth("svh_guess")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 401);
    assert_eq!(
        anon.get(format!("{hub}/api/v1/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // CSRF: a form without the token (or with another session's) is refused.
    let organiser = Browser::login(hub, "olga@event.example.org").await;
    let (status, _) = organiser
        .submit("/events", &[("name", "Forged event")], false)
        .await;
    assert_eq!(status, 403, "missing CSRF token");
    let (status, _) = organiser
        .submit(
            "/events",
            &[("name", "Forged event"), ("csrf", browser.csrf.as_str())],
            false,
        )
        .await;
    assert_eq!(status, 403, "another session's CSRF token");
    let (status, location) = organiser
        .submit("/events", &[("name", "Real event")], true)
        .await;
    assert_eq!(status, 303, "with the token the form works: {location}");
    let api_with_cookie = super::no_redirects()
        .post(format!("{hub}/api/v1/events"))
        .header("cookie", &organiser.cookie)
        .json(&json!({ "name": "cookie only" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_with_cookie.status(),
        403,
        "API writes with a session cookie need X-CSRF-Token"
    );
}
