//! Every authentication flow of samsvar-auth, end to end against the simulator's
//! authorization server and guarded FHIR server, over real loopback sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use samsvar_auth::{
    AuthConfig, Authorizer, KeyAlgorithm, Redactor, SigningKey, TlsConfig, apply_tls,
};
use samsvar_sim::auth::tls::TlsMaterial;
use samsvar_sim::auth::{AuthServer, AuthSettings, RegisteredClient, guarded};
use samsvar_sim::fhir::FhirSim;
use samsvar_sim::{SimHandle, serve, serve_tls};
use serde_json::{Value, json};
use std::path::PathBuf;

const SECRET: &str = "s3cr3t-value-for-tests-only";

struct Guarded {
    sim: SimHandle,
    auth: AuthServer,
    dir: tempfile::TempDir,
}

impl Guarded {
    fn base(&self) -> String {
        self.sim.base_url().to_string()
    }
    fn token_url(&self) -> String {
        format!("{}/auth/token", self.sim.origin())
    }
    /// Writes a file into the test's temp dir (secrets and keys live in files, never in config).
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn client(
    id: &str,
    secret: Option<&str>,
    jwks: Option<Value>,
    scopes: &[&str],
) -> RegisteredClient {
    RegisteredClient {
        client_id: id.into(),
        secret: secret.map(str::to_string),
        jwks,
        allowed_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        patient: None,
    }
}

/// A guarded simulator with one client that authenticates with [`SECRET`].
async fn secret_client_sim(id: &str, scope: &str) -> Guarded {
    start(AuthSettings {
        clients: vec![client(id, Some(SECRET), None, &[scope])],
        ..Default::default()
    })
    .await
}

async fn start(settings: AuthSettings) -> Guarded {
    let auth = AuthServer::new(settings);
    let router = guarded(FhirSim::builder().router(), &auth, "/fhir");
    let sim = serve("127.0.0.1:0", router, &[("fhir", "/fhir")])
        .await
        .unwrap();
    Guarded {
        sim,
        auth,
        dir: tempfile::tempdir().unwrap(),
    }
}

fn authorizer(
    cfg: Value,
    base: &str,
    http: &reqwest::Client,
) -> Result<Authorizer, samsvar_auth::AuthError> {
    let cfg: AuthConfig = serde_json::from_value(cfg).unwrap();
    Authorizer::from_config(&cfg, base, http.clone(), Redactor::new())
}

async fn status_of(auth: &Authorizer, http: &reqwest::Client, method: &str, url: &str) -> u16 {
    let m: reqwest::Method = method.parse().unwrap();
    let resp = auth
        .send(method, url, || {
            let req = http.request(m.clone(), url);
            if method == "POST" {
                req.header("content-type", "application/fhir+json")
                    .body(r#"{"resourceType":"Patient","active":true}"#)
            } else {
                req
            }
        })
        .await
        .unwrap();
    resp.status().as_u16()
}

/// A PKCS#8 PEM private key and the JWKS of its public key.
fn key_pair(alg: KeyAlgorithm) -> (String, Value) {
    let pem = match alg {
        KeyAlgorithm::ES256 => {
            let key = p256::SecretKey::random(&mut rand_core::OsRng);
            p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, Default::default())
                .unwrap()
                .to_string()
        }
        KeyAlgorithm::EdDSA => {
            let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
            key.to_pkcs8_pem(Default::default()).unwrap().to_string()
        }
        KeyAlgorithm::RS256 => {
            let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
            rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, Default::default())
                .unwrap()
                .to_string()
        }
    };
    let jwks = SigningKey::from_pem(&pem).unwrap().jwks();
    (pem, jwks)
}

#[tokio::test]
async fn no_token_is_refused_and_client_secret_basic_gets_in() {
    let g = secret_client_sim("c1", "system/*.rs").await;
    let http = reqwest::Client::new();
    let open = http
        .get(format!("{}/Patient", g.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 401);
    assert!(open.headers().get("www-authenticate").is_some());

    let secret = g.file("secret", &format!("{SECRET}\n"));
    let auth = authorizer(
        json!({"type": "client_credentials", "client_id": "c1", "client_secret": {"file": secret},
               "token_url": g.token_url(), "scope": "system/*.rs"}),
        &g.base(),
        &http,
    )
    .unwrap();
    assert_eq!(
        status_of(&auth, &http, "GET", &format!("{}/Patient", g.base())).await,
        200
    );
    assert_eq!(
        status_of(&auth, &http, "GET", &format!("{}/metadata", g.base())).await,
        200
    );
    assert_eq!(
        g.auth.tokens_issued(),
        1,
        "the token is cached between requests"
    );
    assert!(
        auth.redactor().contains_secret(SECRET.as_bytes()),
        "the client secret is registered for redaction"
    );
}

#[tokio::test]
async fn client_secret_post_and_a_wrong_secret() {
    let g = secret_client_sim("c2", "system/*.cruds").await;
    let http = reqwest::Client::new();
    let good = g.file("good", SECRET);
    let auth = authorizer(
        json!({"type": "client_credentials", "client_id": "c2", "client_secret": {"file": good},
               "method": "client_secret_post", "token_url": g.token_url()}),
        &g.base(),
        &http,
    )
    .unwrap();
    assert_eq!(
        status_of(&auth, &http, "POST", &format!("{}/Patient", g.base())).await,
        201
    );

    let bad = g.file("bad", "not-the-secret");
    let auth = authorizer(
        json!({"type": "client_credentials", "client_id": "c2", "client_secret": {"file": bad}, "token_url": g.token_url()}),
        &g.base(),
        &http,
    )
    .unwrap();
    let err = auth
        .headers("GET", &g.base())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid_client") && err.contains("wrong client secret"),
        "{err}"
    );
    assert!(
        !err.contains("not-the-secret"),
        "the error must not show the secret: {err}"
    );
}

#[tokio::test]
async fn private_key_jwt_with_each_algorithm_and_discovery() {
    for alg in [
        KeyAlgorithm::ES256,
        KeyAlgorithm::EdDSA,
        KeyAlgorithm::RS256,
    ] {
        let (pem, jwks) = key_pair(alg);
        let g = start(AuthSettings {
            clients: vec![client("pk", None, Some(jwks), &["system/*.rs"])],
            ..Default::default()
        })
        .await;
        let http = reqwest::Client::new();
        let key = g.file("key.pem", &pem);
        let auth = authorizer(
            json!({"type": "private_key_jwt", "client_id": "pk", "key_file": key, "discover": true, "scope": "system/Patient.rs"}),
            &g.base(),
            &http,
        )
        .unwrap();
        assert_eq!(
            status_of(&auth, &http, "GET", &format!("{}/Patient", g.base())).await,
            200,
            "{alg:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_client_key_is_refused() {
    let (_registered_pem, jwks) = key_pair(KeyAlgorithm::ES256);
    let (other_pem, _) = key_pair(KeyAlgorithm::ES256);
    let g = start(AuthSettings {
        clients: vec![client("pk", None, Some(jwks), &["system/*.rs"])],
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let key = g.file("other.pem", &other_pem);
    let auth = authorizer(
        json!({"type": "private_key_jwt", "client_id": "pk", "key_file": key, "kid": "registered-kid", "token_url": g.token_url()}),
        &g.base(),
        &http,
    )
    .unwrap();
    let err = auth
        .headers("GET", &g.base())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid_client"), "{err}");
}

#[tokio::test]
async fn dpop_bound_tokens_with_nonce_challenges_at_both_servers() {
    let (pem, jwks) = key_pair(KeyAlgorithm::ES256);
    let g = start(AuthSettings {
        clients: vec![client("dp", None, Some(jwks), &["system/*.cruds"])],
        require_dpop: true,
        require_dpop_nonce: true,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let key = g.file("key.pem", &pem);
    let auth = authorizer(
        json!({"type": "private_key_jwt", "client_id": "dp", "key_file": key, "token_url": g.token_url(), "dpop": {"alg": "ES256"}}),
        &g.base(),
        &http,
    )
    .unwrap();
    let headers = auth
        .headers("GET", &format!("{}/Patient", g.base()))
        .await
        .unwrap();
    assert!(
        headers
            .iter()
            .any(|(k, v)| *k == "authorization" && v.starts_with("DPoP ")),
        "token is DPoP-bound"
    );
    assert!(headers.iter().any(|(k, _)| *k == "dpop"));
    // The resource server also demands its nonce: the first request is challenged, the retry passes.
    assert_eq!(
        status_of(&auth, &http, "GET", &format!("{}/Patient", g.base())).await,
        200
    );
    assert_eq!(
        status_of(&auth, &http, "POST", &format!("{}/Patient", g.base())).await,
        201
    );

    // A DPoP-bound token sent as a bearer token is refused.
    let token = headers
        .iter()
        .find(|(k, _)| *k == "authorization")
        .unwrap()
        .1
        .trim_start_matches("DPoP ")
        .to_string();
    let resp = http
        .get(format!("{}/Patient", g.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn expired_tokens_are_replaced() {
    let g = secret_client_sim("c3", "system/*.rs").await;
    let http = reqwest::Client::new();
    let secret = g.file("secret", SECRET);
    let auth = authorizer(
        json!({"type": "client_credentials", "client_id": "c3", "client_secret": {"file": secret}, "token_url": g.token_url()}),
        &g.base(),
        &http,
    )
    .unwrap();
    let url = format!("{}/Patient", g.base());
    assert_eq!(status_of(&auth, &http, "GET", &url).await, 200);
    g.auth.expire_all_tokens();
    assert_eq!(
        status_of(&auth, &http, "GET", &url).await,
        200,
        "the rejected token is replaced and the request retried"
    );
    assert_eq!(g.auth.tokens_issued(), 2);
}

#[tokio::test]
async fn scopes_are_enforced() {
    let g = secret_client_sim("ro", "system/*.rs").await;
    let http = reqwest::Client::new();
    let secret = g.file("secret", SECRET);
    let too_much = authorizer(
        json!({"type": "client_credentials", "client_id": "ro", "client_secret": {"file": secret}, "token_url": g.token_url(), "scope": "system/*.cruds"}),
        &g.base(),
        &http,
    )
    .unwrap();
    let err = too_much
        .headers("GET", &g.base())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid_scope"), "{err}");

    let read_only = authorizer(
        json!({"type": "client_credentials", "client_id": "ro", "client_secret": {"file": secret}, "token_url": g.token_url()}),
        &g.base(),
        &http,
    )
    .unwrap();
    assert_eq!(
        status_of(&read_only, &http, "POST", &format!("{}/Patient", g.base())).await,
        403
    );
}

#[tokio::test]
async fn missing_secret_names_the_variable_not_the_value() {
    let cfg: AuthConfig = serde_json::from_value(json!({
        "type": "client_credentials", "client_id": "c", "client_secret": {"env": "SAMSVAR_TEST_UNSET_SECRET_VAR"},
        "token_url": "http://127.0.0.1:9/token"
    }))
    .unwrap();
    let err = Authorizer::from_config(
        &cfg,
        "http://127.0.0.1:9/fhir",
        reqwest::Client::new(),
        Redactor::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to read secret: environment variable `SAMSVAR_TEST_UNSET_SECRET_VAR` is not set"
    );
}

async fn start_tls(require_client_cert: bool) -> (SimHandle, TlsMaterial) {
    let material = TlsMaterial::generate("samsvar test CA").unwrap();
    let config = material.server_config(require_client_cert).unwrap();
    let sim = serve_tls(
        "127.0.0.1:0",
        FhirSim::builder().router(),
        &[("fhir", "/fhir")],
        config,
    )
    .await
    .unwrap();
    (sim, material)
}

fn tls_client(cfg: &TlsConfig) -> reqwest::Client {
    apply_tls(reqwest::Client::builder(), cfg)
        .unwrap()
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_with_a_custom_ca_and_an_unknown_ca() {
    let (sim, material) = start_tls(false).await;
    assert!(sim.base_url().starts_with("https://"));
    let dir = tempfile::tempdir().unwrap();
    let files = material.write_client_files(dir.path()).unwrap();
    let trusted = tls_client(&TlsConfig {
        ca_file: Some(files.ca_cert.clone()),
        only_custom_ca: true,
        ..Default::default()
    });
    let resp = trusted
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let stranger = tls_client(&TlsConfig::default());
    let err = stranger
        .get(format!("{}/metadata", sim.base_url()))
        .send()
        .await
        .unwrap_err();
    let chain = format!("{err:?}");
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("unknown issuer"),
        "{chain}"
    );
}

#[tokio::test]
async fn mutual_tls_requires_the_client_certificate() {
    let (sim, material) = start_tls(true).await;
    let dir = tempfile::tempdir().unwrap();
    let files = material.write_client_files(dir.path()).unwrap();
    let url = format!("{}/metadata", sim.base_url());
    let without = tls_client(&TlsConfig {
        ca_file: Some(files.ca_cert.clone()),
        ..Default::default()
    });
    assert!(
        without.get(&url).send().await.is_err(),
        "a client without a certificate is refused"
    );
    let with = tls_client(&TlsConfig {
        ca_file: Some(files.ca_cert.clone()),
        client_cert: Some(files.client_cert.clone()),
        client_key: Some(files.client_key.clone()),
        ..Default::default()
    });
    assert_eq!(with.get(&url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_simulator_refuses_tls_1_0_and_1_1() {
    use samsvar_auth::{LegacyVersion, ProbeOutcome, probe_legacy_tls};
    let (sim, _material) = start_tls(false).await;
    let port = sim.local_addr().port();
    for version in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
        let outcome = probe_legacy_tls(
            "127.0.0.1",
            port,
            version,
            std::time::Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert!(
            matches!(outcome, ProbeOutcome::Refused { .. }),
            "{version:?}: {outcome:?}"
        );
    }
}
