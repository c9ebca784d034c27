//! The input boundary's one rule that no extractor can apply by itself: text that reaches the
//! database is valid UTF-8 without NUL characters. PostgreSQL cannot store U+0000 in `TEXT` and
//! answered such input with an error (a 500); SQLite stored it. So the server refuses it
//! everywhere a client can put it, with a 400 that names the field, before anything runs:
//!
//! - path segments (the field is the route's parameter, e.g. `purpose` in
//!   `/v1/purposes/{purpose}`), which must also decode to UTF-8;
//! - query parameters (the field is the parameter's name);
//! - form bodies of the console and the privacy center (the field is the form field);
//! - JSON bodies are checked by [`crate::extract`] after parsing, which names nested fields.

use axum::{
    body::{Body, to_bytes},
    extract::{MatchedPath, Request},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::ApiError;

/// Refuses NUL characters and invalid UTF-8 in the path, the query and form bodies.
pub(crate) async fn reject_bad_text(request: Request, next: Next) -> Response {
    if let Err(problem) = check_uri(&request) {
        return problem.into_response();
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return ApiError::payload_too_large().into_response();
    };
    if let Some(field) = nul_in_pairs(&bytes) {
        return nul_problem(&field).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn nul_problem(field: &str) -> ApiError {
    ApiError::invalid(Some(field.to_owned()), "must not contain NUL characters (U+0000)")
}

/// The first key whose key or value holds a NUL, in `a=b&c=d` form.
fn nul_in_pairs(bytes: &[u8]) -> Option<String> {
    form_urlencoded::parse(bytes).find(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k.replace('\0', "\u{fffd}"))
}

fn check_uri(request: &Request) -> Result<(), ApiError> {
    let uri = request.uri();
    let template = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let template_segments: Vec<&str> = template.as_deref().map(|t| t.split('/').collect()).unwrap_or_default();
    for (i, raw) in uri.path().split('/').enumerate() {
        if !raw.contains('%') {
            continue;
        }
        let field = template_segments
            .get(i)
            .and_then(|s| s.strip_prefix('{'))
            .and_then(|s| s.strip_suffix('}'))
            .map(|s| s.trim_start_matches('*'))
            .unwrap_or("path")
            .to_owned();
        let decoded = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| ApiError::invalid(Some(field.clone()), "the path segment must be UTF-8 once percent-decoded"))?;
        if decoded.contains('\0') {
            return Err(nul_problem(&field));
        }
    }
    if let Some(query) = uri.query()
        && let Some(field) = nul_in_pairs(query.as_bytes())
    {
        return Err(nul_problem(&field));
    }
    Ok(())
}

/// The path of the first string (value or key) in `value` holding a NUL, in the notation the
/// JSON extractor uses for fields (`data.user.contact.email`, `scopes[2]`); `None` if none.
pub(crate) fn nul_in_json(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let mut stack: Vec<(&Value, String)> = vec![(value, String::new())];
    while let Some((v, path)) = stack.pop() {
        match v {
            Value::String(s) if s.contains('\0') => return Some(if path.is_empty() { ".".into() } else { path }),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((item, format!("{path}[{i}]")));
                }
            }
            Value::Object(map) => {
                for (k, item) in map.iter().rev() {
                    let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    if k.contains('\0') {
                        return Some(child.replace('\0', "\u{fffd}"));
                    }
                    stack.push((item, child));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_where_it_hides() {
        let v = serde_json::json!({"a": "ok", "data": {"user.name": ["x", "b\u{0}ad"]}});
        assert_eq!(nul_in_json(&v).as_deref(), Some("data.user.name[1]"));
        assert_eq!(nul_in_json(&serde_json::json!({"fine": ["yes"]})), None);
        assert_eq!(nul_in_pairs(b"csrf=1&email=a%00b").as_deref(), Some("email"));
        assert_eq!(nul_in_pairs(b"csrf=1&email=ab"), None);
    }
}
