//! Privacy-center sign-in links (HS256 JWTs through `jsonwebtoken`): what is refused, and why.

use custos_testdb::{Backend, backend_tests};
use serde_json::json;

use super::TestDb;
use crate::{ServiceError, privacy::PrivacyLinkInput, subjects::SubjectInput};

/// Why a link was refused (the `token` field's message).
fn refusal(result: Result<String, ServiceError>) -> String {
    match result {
        Err(ServiceError::Invalid(v)) if v.field() == "token" => v.message().to_owned(),
        other => panic!("expected a refused token, got {other:?}"),
    }
}

/// A token signed with `key`, claims as given.
fn signed(key: &[u8], alg: jsonwebtoken::Algorithm, claims: serde_json::Value) -> String {
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), &claims, &jsonwebtoken::EncodingKey::from_secret(key).expect("key"))
        .expect("sign")
}

async fn links_are_signed_short_lived_and_single_use(backend: Backend) {
    let db = TestDb::new(backend).await.expect("backend configured");
    let service = db.service().await;
    let input = SubjectInput { external_id: "link-1".into(), jurisdiction: "DE".into(), data: Default::default() };
    service.subjects().create(input, false).await.expect("subject");
    let privacy = service.privacy();
    let link = privacy.mint_link(PrivacyLinkInput { external_id: "link-1".into() }).await.expect("link");
    assert!(link.path.ends_with(&link.token) && link.token.split('.').count() == 3);

    // Tampered with: the signature no longer matches.
    let (body, sig) = link.token.rsplit_once('.').expect("jwt");
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    assert_eq!(refusal(privacy.redeem_link(&format!("{body}.{flipped}{}", &sig[1..])).await), "has a wrong signature");
    // Another key, another algorithm, no signature at all.
    let key = privacy.link_key();
    let now = custos_core::now().timestamp();
    let claims = |exp: i64| json!({"sub": "link-1", "exp": exp, "jti": format!("j{exp}")});
    assert_eq!(
        refusal(privacy.redeem_link(&signed(b"another key", jsonwebtoken::Algorithm::HS256, claims(now + 60))).await),
        "has a wrong signature"
    );
    assert_eq!(
        refusal(privacy.redeem_link(&signed(&key, jsonwebtoken::Algorithm::HS384, claims(now + 60))).await),
        "must be signed with HS256"
    );
    let unsigned = format!("{}.", body);
    assert!(privacy.redeem_link(&unsigned).await.is_err(), "an unsigned token");
    // Expired, or meant to live longer than 15 minutes.
    assert_eq!(refusal(privacy.redeem_link(&signed(&key, jsonwebtoken::Algorithm::HS256, claims(now - 1))).await), "has expired");
    assert_eq!(
        refusal(privacy.redeem_link(&signed(&key, jsonwebtoken::Algorithm::HS256, claims(now + 3600))).await),
        "lives longer than 15 minutes"
    );
    // Claims missing.
    let no_jti = signed(&key, jsonwebtoken::Algorithm::HS256, json!({"sub": "link-1", "exp": now + 60}));
    assert!(privacy.redeem_link(&no_jti).await.is_err(), "a link without a jti cannot be used once");
    // The real one works once.
    assert!(privacy.redeem_link(&link.token).await.is_ok());
    assert_eq!(refusal(privacy.redeem_link(&link.token).await), "was already used");
    service.close().await;
}

backend_tests!(links_are_signed_short_lived_and_single_use);
