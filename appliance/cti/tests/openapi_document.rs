//! The checked-in openapi.json equals the one generated from the types
//! (`UPDATE_OPENAPI=1 cargo test -p cti --test openapi_document` rewrites it), and the
//! documented examples in docs/cti.md parse.
use cti::*;

#[test]
fn checked_in_openapi_matches_the_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    let generated = serde_json::to_string_pretty(&openapi::document()).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "openapi.json is stale: rerun with UPDATE_OPENAPI=1"
    );
    let doc: serde_json::Value = serde_json::from_str(&on_disk).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ServiceRequest",
        "CstaEvent",
        "EventReport",
        "CstaError",
        "ServiceResult",
    ] {
        assert!(schemas.contains_key(name), "{name} missing from components");
    }
}

#[test]
fn doc_examples_parse() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cti.md")).unwrap();
    let mut n = 0;
    for block in doc.split("```json\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if body.contains("\"request\"") {
            ClientMessage::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
        } else {
            ServerMessage::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
        }
        n += 1;
    }
    assert!(n >= 6, "only {n} JSON examples in docs/cti.md");
}
