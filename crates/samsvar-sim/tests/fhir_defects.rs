//! Every documented defect, observed over a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use samsvar_sim::fhir::{Defect, FhirSim};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Adding a defect without a test here fails to compile.
#[test]
fn every_defect_has_a_test() {
    for d in Defect::ALL {
        let test = match d {
            Defect::WrongContentType => "wrong_content_type",
            Defect::JsonContentType => "json_content_type",
            Defect::MissingLocation => "missing_location",
            Defect::NoEtag => "no_etag",
            Defect::Create200 => "create_200",
            Defect::Search500 => "search_500",
            Defect::SearchNoTotal => "search_no_total",
            Defect::SearchIgnoresParams => "search_ignores_params",
            Defect::Read404WithoutOutcome => "read_404_without_outcome",
            Defect::IgnoreUpdate => "ignore_update",
            Defect::NoVersionBump => "no_version_bump",
            Defect::DeleteNoop => "delete_noop",
            Defect::WrongFhirVersion => "wrong_fhir_version",
            Defect::Slow => "slow_times_out_without_blocking_others_or_shutdown",
            Defect::HugeBody => "huge_body_streams_200_mib",
            Defect::InvalidJson => "invalid_json",
            Defect::Reset => "reset",
            Defect::RedirectOffsite => "redirect_offsite",
            // In ehds_sim.rs: these act on the seeded EHDS endpoints.
            Defect::SummaryMissingSection => "summary_missing_section_drops_allergies",
            Defect::TransactionReordered => "transaction_reordered_reverses_the_response",
            Defect::ExactIgnored => "exact_ignored_matches_prefixes",
            Defect::DocumentAltered => "document_altered_changes_the_bytes_not_the_content",
            // In audit_sim.rs: these act on the BALP audit trail.
            Defect::AuditNone => "audit_none_records_nothing",
            Defect::AuditAgentRolesSwapped => "audit_agent_roles_swapped_exchanges_the_dcm_codes",
            Defect::AuditNoPatient => "audit_no_patient_drops_the_patient_entity",
            Defect::AuditDelayed => "audit_delayed_holds_events_back",
            Defect::AuditSearchIgnoresParams => "audit_search_ignores_params_returns_everything",
            // In patient_context.rs: it acts on patient-context tokens.
            Defect::AuditLogNotPatientScoped => {
                "audit_log_not_patient_scoped_shows_the_person_other_patients_events"
            }
            // In audit_mhd.rs: it acts on the MHD transactions' events.
            Defect::AuditMhdPlainBalp => "audit_mhd_plain_balp_records_the_balp_events_only",
        };
        assert!(test.replace('_', "-").starts_with(d.name()), "{d} → {test}");
    }
}

#[tokio::test]
async fn wrong_content_type() {
    let sim = start(&[Defect::WrongContentType]).await;
    let r = client()
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(content_type(&r), "text/plain; charset=utf-8");
}

#[tokio::test]
async fn json_content_type() {
    let sim = start(&[Defect::JsonContentType]).await;
    let r = create(&client(), sim.base_url(), &patient("Ct")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(content_type(&r), "application/json");
}

#[tokio::test]
async fn missing_location() {
    let sim = start(&[Defect::MissingLocation]).await;
    let r = create(&client(), sim.base_url(), &patient("Loc")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(header(&r, "location").is_none());
    assert!(header(&r, "etag").is_some(), "only Location is missing");
}

#[tokio::test]
async fn no_etag() {
    let sim = start(&[Defect::NoEtag]).await;
    let c = client();
    let r = create(&c, sim.base_url(), &patient("Etag")).await;
    assert!(header(&r, "etag").is_none());
    let id: Value = r.json().await.unwrap();
    let r = c
        .get(format!(
            "{}/Patient/{}",
            sim.base_url(),
            id["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "etag").is_none());
}

#[tokio::test]
async fn create_200() {
    let sim = start(&[Defect::Create200]).await;
    let r = create(&client(), sim.base_url(), &patient("Ok")).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn search_500() {
    let sim = start(&[Defect::Search500]).await;
    let r = client()
        .get(format!("{}/Patient?family=x", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["issue"][0]["code"], "exception");
}

#[tokio::test]
async fn search_no_total() {
    let sim = start(&[Defect::SearchNoTotal]).await;
    let c = client();
    create_id(&c, sim.base_url(), &patient("Total")).await;
    let body: Value = c
        .get(format!("{}/Patient", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("total").is_none());
    assert_eq!(body["entry"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn search_ignores_params() {
    let sim = start(&[Defect::SearchIgnoresParams]).await;
    let c = client();
    create_id(&c, sim.base_url(), &patient("One")).await;
    create_id(&c, sim.base_url(), &patient("Two")).await;
    let body: Value = c
        .get(format!("{}/Patient?family=One", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total"], 2);
}

#[tokio::test]
async fn read_404_without_outcome() {
    let sim = start(&[Defect::Read404WithoutOutcome]).await;
    let r = client()
        .get(format!("{}/Patient/nope", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(header(&r, "content-type").is_none());
    assert!(r.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn ignore_update() {
    let sim = start(&[Defect::IgnoreUpdate]).await;
    let base = sim.base_url();
    let c = client();
    let id = create_id(&c, base, &patient("Before")).await;
    let mut changed = patient("After");
    changed["id"] = json!(id);
    let r = c
        .put(format!("{base}/Patient/{id}"))
        .header("content-type", FHIR_JSON)
        .body(changed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let echoed: Value = r.json().await.unwrap();
    assert_eq!(echoed["name"][0]["family"], "After");
    let read: Value = c
        .get(format!("{base}/Patient/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["name"][0]["family"], "Before");
}

#[tokio::test]
async fn no_version_bump() {
    let sim = start(&[Defect::NoVersionBump]).await;
    let base = sim.base_url();
    let c = client();
    let id = create_id(&c, base, &patient("V")).await;
    let mut changed = patient("V2");
    changed["id"] = json!(id);
    let r = c
        .put(format!("{base}/Patient/{id}"))
        .header("content-type", FHIR_JSON)
        .body(changed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "etag").as_deref(), Some("W/\"1\""));
    let read: Value = c
        .get(format!("{base}/Patient/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["name"][0]["family"], "V2");
    assert_eq!(read["meta"]["versionId"], "1");
}

#[tokio::test]
async fn delete_noop() {
    let sim = start(&[Defect::DeleteNoop]).await;
    let base = sim.base_url();
    let c = client();
    let id = create_id(&c, base, &patient("Stay")).await;
    let r = c
        .delete(format!("{base}/Patient/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c.get(format!("{base}/Patient/{id}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_fhir_version() {
    let sim = start(&[Defect::WrongFhirVersion]).await;
    let body: Value = client()
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["fhirVersion"], "3.0.2");
}

#[tokio::test]
async fn slow_times_out_without_blocking_others_or_shutdown() {
    // The default delay (30 s): the test must finish far sooner, so nothing may wait for it.
    let sim = start(&[Defect::Slow]).await;
    let url = format!("{}/metadata", sim.base_url());
    let c = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let begun = Instant::now();
    let requests = (0..4).map(|_| c.get(&url).send());
    let results = futures::future::join_all(requests).await;
    for r in results {
        assert!(r.unwrap_err().is_timeout());
    }
    // Four concurrent sleeping requests did not queue behind each other.
    assert!(
        begun.elapsed() < Duration::from_secs(3),
        "{:?}",
        begun.elapsed()
    );
    // A request still sleeping on the server does not hold up shutdown.
    let pending = tokio::spawn({
        let url = url.clone();
        async move { reqwest::get(url).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stop = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), sim.shutdown())
        .await
        .expect("shutdown does not wait for sleeping requests");
    assert!(stop.elapsed() < Duration::from_secs(2));
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(outcome.is_err(), "the sleeping request was cut off");
}

#[tokio::test]
async fn slow_waits_past_the_default_timeout_then_trickles_the_body() {
    // A client with samsvar's default 30 s timeout never gets an answer by chance.
    assert!(samsvar_sim::fhir::SLOW_DELAY >= Duration::from_secs(60));
    let sim = FhirSim::builder()
        .defects(&[Defect::Slow])
        .slow_delay(Duration::from_millis(50))
        .slow_trickle(Duration::from_millis(20))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let begun = Instant::now();
    let mut r = client()
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert!(begun.elapsed() >= Duration::from_millis(50));
    assert_eq!(r.status(), StatusCode::OK);
    // The body comes one byte at a time.
    let mut chunks = 0;
    let mut bytes = 0;
    while let Some(chunk) = r.chunk().await.unwrap() {
        chunks += 1;
        bytes += chunk.len();
        if chunks == 5 {
            break;
        }
    }
    assert_eq!((chunks, bytes), (5, 5));
    assert!(begun.elapsed() >= Duration::from_millis(50 + 4 * 20));
    sim.shutdown().await;
}

#[tokio::test]
async fn huge_body_streams_200_mib() {
    let sim = start(&[Defect::HugeBody]).await;
    let mut r = client()
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.content_length().is_none(),
        "chunked: no Content-Length to refuse early on"
    );
    let mut total: u64 = 0;
    let mut first = Vec::new();
    let mut last = Vec::new();
    while let Some(chunk) = r.chunk().await.unwrap() {
        if first.len() < 32 {
            first.extend_from_slice(&chunk[..chunk.len().min(32)]);
        }
        last = chunk.to_vec();
        total += chunk.len() as u64;
    }
    assert!(total > 200 * 1024 * 1024, "{total}");
    assert!(first.starts_with(b"{\"resourceType\":\"Basic\""));
    assert!(last.ends_with(b"</div>\"}}"));
}

#[tokio::test]
async fn huge_body_size_is_configurable_and_valid_json() {
    let sim = FhirSim::builder()
        .defects(&[Defect::HugeBody])
        .huge_body_bytes(100_000)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let body: Value = client()
        .get(format!("{}/Patient/x", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["resourceType"], "Basic");
    assert!(body["text"]["div"].as_str().unwrap().len() > 100_000);
}

#[tokio::test]
async fn invalid_json() {
    let sim = start(&[Defect::InvalidJson]).await;
    let r = client()
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(!bytes.is_empty());
    assert!(serde_json::from_slice::<Value>(&bytes).is_err());
}

#[tokio::test]
async fn reset() {
    let sim = start(&[Defect::Reset]).await;
    let err = client()
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.status().is_none(), "no HTTP answer at all: {err}");
    assert!(!err.is_timeout(), "{err}");
}

#[tokio::test]
async fn redirect_offsite() {
    let sim = start(&[Defect::RedirectOffsite]).await;
    let r = client()
        .get(format!("{}/Patient?family=x", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(
        header(&r, "location").as_deref(),
        Some("http://offsite.invalid/fhir/Patient?family=x")
    );
}
