//! The OpenAPI document is checked in, so every change to the API shows up in review.
//! `UPDATE_SNAPSHOT=1 cargo test -p rapport-web --test openapi` rewrites it.

use serde_json::Value;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

#[test]
fn the_openapi_document_matches_the_committed_snapshot() {
    let doc = serde_json::to_string_pretty(&rapport_web::openapi()).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOT").is_ok() {
        std::fs::write(SNAPSHOT, &doc).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == doc,
        "docs/openapi.json is out of date: run UPDATE_SNAPSHOT=1 cargo test -p rapport-web --test openapi"
    );
}

#[test]
fn every_route_documents_its_errors_and_auth() {
    let doc: Value = serde_json::to_value(rapport_web::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{:?}", paths.keys());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("401"),
                "{method} {path} documents 401"
            );
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let enc = &doc["components"]["schemas"]["EncounterInput"]["properties"];
    assert_eq!(enc["waiting_seconds"]["maximum"], 604800);
}
