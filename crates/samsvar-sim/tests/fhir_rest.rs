//! The FHIR simulator without defects, driven over real loopback sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn base_url_is_loopback_with_fhir_path() {
    let sim = start(&[]).await;
    let base = sim.base_url().to_string();
    assert_eq!(
        base,
        format!("http://127.0.0.1:{}/fhir", sim.local_addr().port())
    );
    assert_eq!(sim.endpoint("fhir"), Some(base.as_str()));
    assert_eq!(
        sim.origin(),
        format!("http://127.0.0.1:{}", sim.local_addr().port())
    );
}

#[tokio::test]
async fn create_read_update_vread_search_delete_cycle() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();

    // create
    let created = create(&c, base, &patient("Nordmann")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(content_type(&created).starts_with("application/fhir+json"));
    assert_eq!(header(&created, "etag").as_deref(), Some("W/\"1\""));
    assert!(header(&created, "last-modified").unwrap().ends_with(" GMT"));
    let location = header(&created, "location").expect("Location on create");
    let body: Value = created.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("{base}/Patient/{id}/_history/1"));
    assert_eq!(body["meta"]["versionId"], "1");
    assert!(body["meta"]["lastUpdated"].as_str().unwrap().ends_with('Z'));

    // read
    let read = c.get(format!("{base}/Patient/{id}")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(header(&read, "etag").as_deref(), Some("W/\"1\""));
    let read_body: Value = read.json().await.unwrap();
    assert_eq!(read_body, body);

    // update
    let mut changed = body.clone();
    changed["name"][0]["family"] = json!("Hansen");
    let updated = c
        .put(format!("{base}/Patient/{id}"))
        .header("content-type", FHIR_JSON)
        .header("if-match", "W/\"1\"")
        .body(changed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    assert_eq!(header(&updated, "etag").as_deref(), Some("W/\"2\""));
    let updated_body: Value = updated.json().await.unwrap();
    assert_eq!(updated_body["meta"]["versionId"], "2");
    assert_eq!(updated_body["name"][0]["family"], "Hansen");

    // vread of the first version still shows the old name
    let v1: Value = c
        .get(format!("{base}/Patient/{id}/_history/1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v1["name"][0]["family"], "Nordmann");

    // search by the new name, by identifier, by _id; and by POST _search
    create_id(&c, base, &patient("Olsen")).await;
    for query in [
        "family=hans".to_string(),
        "name=HANSEN".to_string(),
        "identifier=urn:oid:2.16.578.1.12.4.1.4.1|id-Nordmann".to_string(),
        format!("_id={id}"),
    ] {
        let bundle: Value = c
            .get(format!("{base}/Patient?{query}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(bundle["type"], "searchset", "{query}");
        assert_eq!(bundle["total"], 1, "{query}: {bundle}");
        assert_eq!(
            bundle["entry"][0]["fullUrl"],
            format!("{base}/Patient/{id}")
        );
        assert_eq!(bundle["entry"][0]["search"]["mode"], "match");
    }
    let posted = c
        .post(format!("{base}/Patient/_search"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("family=Olsen")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
    let posted: Value = posted.json().await.unwrap();
    assert_eq!(posted["total"], 1);
    assert_eq!(posted["entry"][0]["resource"]["name"][0]["family"], "Olsen");

    // delete, then the resource is gone
    let deleted = c
        .delete(format!("{base}/Patient/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = c.get(format!("{base}/Patient/{id}")).send().await.unwrap();
    expect_outcome(gone, StatusCode::GONE, "deleted").await;
    let after: Value = c
        .get(format!("{base}/Patient?_id={id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["total"], 0);
    assert!(after.get("entry").is_none(), "no empty arrays in FHIR JSON");

    // history: create, update, delete, newest first
    let history: Value = c
        .get(format!("{base}/Patient/{id}/_history"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["type"], "history");
    let methods: Vec<&str> = history["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["request"]["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["DELETE", "PUT", "POST"]);
}

#[tokio::test]
async fn put_creates_with_client_id_and_any_type_is_stored() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    let resource = json!({"resourceType": "ResearchStudy", "id": "rs-1", "status": "active"});
    let put = c
        .put(format!("{base}/ResearchStudy/rs-1"))
        .header("content-type", FHIR_JSON)
        .body(resource.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    assert_eq!(
        header(&put, "location").as_deref(),
        Some(format!("{base}/ResearchStudy/rs-1/_history/1").as_str())
    );
    let search: Value = c
        .get(format!("{base}/ResearchStudy?_id=rs-1&_format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(search["total"], 1);
}

#[tokio::test]
async fn references_tokens_and_dates_in_search() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    let pid = create_id(&c, base, &patient("Berg")).await;
    let obs = json!({
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{pid}")},
        "effectiveDateTime": "2026-03-01T10:00:00Z"
    });
    create_id(&c, base, &obs).await;
    let search = |q: String| {
        let c = c.clone();
        let url = format!("{base}/Observation?{q}");
        async move {
            let v: Value = c.get(url).send().await.unwrap().json().await.unwrap();
            v["total"].as_u64().unwrap()
        }
    };
    assert_eq!(search(format!("patient={pid}")).await, 1);
    assert_eq!(search(format!("subject=Patient/{pid}")).await, 1);
    assert_eq!(search("patient=someone-else".into()).await, 0);
    assert_eq!(search("code=http://loinc.org|8867-4".into()).await, 1);
    assert_eq!(search("code=http://snomed.info/sct|8867-4".into()).await, 0);
    assert_eq!(search("date=ge2026-01-01&date=lt2026-04".into()).await, 1);
    assert_eq!(search("date=gt2026-03-02".into()).await, 0);
    assert_eq!(search("status=final,amended".into()).await, 1);
}

#[tokio::test]
async fn count_and_next_link_page_through_results() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    for i in 0..5 {
        create_id(&c, base, &patient(&format!("Page{i}"))).await;
    }
    let first: Value = c
        .get(format!("{base}/Patient?_count=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["total"], 5);
    assert_eq!(first["entry"].as_array().unwrap().len(), 2);
    let next = first["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .expect("next link")["url"]
        .as_str()
        .unwrap()
        .to_string();
    let second: Value = c.get(next).send().await.unwrap().json().await.unwrap();
    assert_eq!(second["entry"][0]["resource"]["name"][0]["family"], "Page2");
    let summary: Value = c
        .get(format!("{base}/Patient?_summary=count"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["total"], 5);
    assert!(summary.get("entry").is_none());
}

#[tokio::test]
async fn unknown_search_parameters_are_ignored_or_refused_when_strict() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let c = client();
    create_id(&c, base, &patient("Lie")).await;
    let lenient: Value = c
        .get(format!("{base}/Patient?famly=Lie&gender=female"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lenient["total"], 1);
    assert_eq!(
        lenient["link"][0]["url"],
        format!("{base}/Patient?gender=female")
    );
    let strict = c
        .get(format!("{base}/Patient?famly=Lie"))
        .header("prefer", "handling=strict")
        .send()
        .await
        .unwrap();
    let body = expect_outcome(strict, StatusCode::BAD_REQUEST, "not-supported").await;
    let text = body["issue"][0]["diagnostics"].as_str().unwrap();
    assert!(text.contains("did you mean `family`?"), "{text}");
}

#[tokio::test]
async fn errors_answer_with_operation_outcomes() {
    let sim = FhirSim::builder()
        .max_request_body(1024)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let base = sim.base_url();
    let c = client();
    let send = |rb: reqwest::RequestBuilder| async move { rb.send().await.unwrap() };

    let r = send(c.get(format!("{base}/Patient/does-not-exist"))).await;
    let body = expect_outcome(r, StatusCode::NOT_FOUND, "not-found").await;
    assert!(
        body["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("Patient/does-not-exist")
    );
    expect_outcome(
        send(c.get(format!("{base}/patient/1"))).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_outcome(
        send(c.get(format!("{base}/Pat1ent"))).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_outcome(
        send(c.get(format!("{base}/Patient/1/_history/x"))).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_outcome(
        send(c.get(format!("{base}/Patient/1/a/b/c"))).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_outcome(
        send(c.delete(format!("{base}/Patient/never"))).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_outcome(
        send(c.patch(format!("{base}/Patient/1"))).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "not-supported",
    )
    .await;

    let post = |ct: &'static str, body: &'static str| {
        c.post(format!("{base}/Patient"))
            .header("content-type", ct)
            .body(body)
    };
    expect_outcome(
        send(post(FHIR_JSON, "{\"resourceType\":")).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    expect_outcome(
        send(post(FHIR_JSON, "[1,2]")).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    expect_outcome(
        send(post(FHIR_JSON, "{\"resourceType\":\"Observation\"}")).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    expect_outcome(
        send(post(FHIR_JSON, "{\"name\":[]}")).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    expect_outcome(
        send(post("application/fhir+xml", "<Patient/>")).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "not-supported",
    )
    .await;
    let big = format!(
        "{{\"resourceType\":\"Patient\",\"x\":\"{}\"}}",
        "a".repeat(4096)
    );
    let r = send(
        c.post(format!("{base}/Patient"))
            .header("content-type", FHIR_JSON)
            .body(big),
    )
    .await;
    expect_outcome(r, StatusCode::PAYLOAD_TOO_LARGE, "too-costly").await;

    let put =
        |url: String, body: &'static str| c.put(url).header("content-type", FHIR_JSON).body(body);
    expect_outcome(
        send(put(
            format!("{base}/Patient/a"),
            "{\"resourceType\":\"Patient\",\"id\":\"b\"}",
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    expect_outcome(
        send(put(
            format!("{base}/Patient/a"),
            "{\"resourceType\":\"Patient\"}",
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    expect_outcome(
        send(put(
            format!("{base}/Patient/a%20b"),
            "{\"resourceType\":\"Patient\",\"id\":\"a b\"}",
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;

    // If-Match with a stale version
    let id = create_id(&c, base, &patient("Stale")).await;
    let body = format!("{{\"resourceType\":\"Patient\",\"id\":\"{id}\"}}");
    let r = send(
        c.put(format!("{base}/Patient/{id}"))
            .header("content-type", FHIR_JSON)
            .header("if-match", "W/\"7\"")
            .body(body),
    )
    .await;
    expect_outcome(r, StatusCode::PRECONDITION_FAILED, "conflict").await;

    // Content negotiation: XML is refused, JSON in any spelling is served
    let r = send(
        c.get(format!("{base}/metadata"))
            .header("accept", "application/fhir+xml"),
    )
    .await;
    expect_outcome(r, StatusCode::NOT_ACCEPTABLE, "not-supported").await;
    let r = send(c.get(format!("{base}/metadata?_format=xml"))).await;
    expect_outcome(r, StatusCode::NOT_ACCEPTABLE, "not-supported").await;
    for accept in [
        "application/fhir+json",
        "application/json",
        "*/*",
        "text/html, application/json;q=0.9",
    ] {
        let r = send(c.get(format!("{base}/metadata")).header("accept", accept)).await;
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
    }
}

use samsvar_sim::fhir::FhirSim;

#[tokio::test]
async fn capability_statement_golden() {
    let sim = start(&[]).await;
    let base = sim.base_url();
    let response = client()
        .get(format!("{base}/metadata"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/fhir+json"));
    let mut body: Value = response.json().await.unwrap();
    assert_eq!(body["fhirVersion"], "4.0.1");
    assert_eq!(body["implementation"]["url"], base);
    // Keep the golden file short: the first resource and the common parameters only.
    let resources = body["rest"][0]["resource"].as_array().unwrap().len();
    assert!(resources >= 15, "{resources}");
    body["rest"][0]["resource"] = json!([body["rest"][0]["resource"][0].clone()]);
    insta::assert_json_snapshot!("capability_statement", body, {
        ".date" => "[date]",
        ".implementation.url" => "[base]",
        ".software.version" => "[version]",
    });
}

#[tokio::test]
async fn search_bundle_golden() {
    let sim = start(&[]).await;
    let base = sim.base_url().to_string();
    let c = client();
    create_id(&c, &base, &patient("Golden")).await;
    let body: Value = c
        .get(format!("{base}/Patient?family=golden&_count=10&bogus=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = serde_json::to_string_pretty(&body)
        .unwrap()
        .replace(&base, "[base]");
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", "[instant]"),
    ]}, {
        insta::assert_snapshot!("search_bundle", text);
    });
}

#[tokio::test]
async fn concurrent_creates_are_all_stored() {
    let sim = start(&[]).await;
    let base = sim.base_url().to_string();
    let c = client();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (c, base) = (c.clone(), base.clone());
        tasks.spawn(async move { create_id(&c, &base, &patient(&format!("Many{i}"))).await });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(id) = tasks.join_next().await {
        assert!(ids.insert(id.unwrap()), "ids are unique");
    }
    let bundle: Value = c
        .get(format!("{base}/Patient?family=many&_count=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bundle["total"], 50);
}

#[tokio::test]
async fn shutdown_closes_the_listener() {
    let sim = start(&[]).await;
    let addr = sim.local_addr();
    sim.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn start_by_selection_and_defect_names() {
    let sim = samsvar_sim::start(samsvar_sim::Selection::All, "127.0.0.1:0", &["no-etag"])
        .await
        .unwrap();
    let base = sim.endpoint("fhir").unwrap().to_string();
    let id = create_id(&client(), &base, &patient("Sel")).await;
    let r = client()
        .get(format!("{base}/Patient/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "etag").is_none());

    let err = samsvar_sim::start(samsvar_sim::Selection::Fhir, "127.0.0.1:0", &["no-etags"])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `no-etag`?"), "{err}");
    let err = "fhr"
        .parse::<samsvar_sim::Selection>()
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `fhir`?"), "{err}");
    let err = samsvar_sim::start(samsvar_sim::Selection::Fhir, "256.0.0.1:0", &[] as &[&str])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("failed to listen on `256.0.0.1:0`"),
        "{err}"
    );
}
