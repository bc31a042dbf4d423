//! Lambda's REST API for what a rollout does to an alias: read its routing,
//! set it, and invoke through it (a hook). JSON over the host's HTTP
//! capability, signed with SigV4 like the stack calls.

use lift_plugin_sdk::aws::{Call, Client};
use lift_plugin_sdk::deployer::http::{self, Header};
use lift_plugin_sdk::deployer::{Alias, Invocation, Route};
use serde_json::{Value, json};

/// Lambda's API version, in every path.
const PATH: &str = "/2015-03-31/functions";

/// Characters a function name or alias may hold besides letters and digits; anything else is refused, not encoded.
fn checked<'a>(what: &str, name: &'a str) -> Result<&'a str, String> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'$')) {
        Ok(name)
    } else {
        Err(format!("{what} `{name}` is not a Lambda name (letters, digits, `-`, `_`)"))
    }
}

/// A parsed request: method, path (with any query), JSON body; the answer's status, headers and body.
fn send(client: &Client, region: &str, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Vec<Header>, Vec<u8>), String> {
    let base = client.url("lambda", region);
    let url = format!("{}{}", base.trim_end_matches('/'), path);
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let call = Call { method, url: &url, region, service: "lambda" };
    let headers = client.signed(&call, &[("content-type", "application/json")], &body, &crate::amz_date());
    let request = http::Request {
        method: method.into(),
        url: url.clone(),
        headers: headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
        body,
        timeout_ms: 0,
    };
    let response = http::send(&request).map_err(|e| format!("{method} {url}: {e:?}"))?;
    Ok((response.status, response.headers, response.body))
}

/// The JSON of a 2xx answer, or Lambda's error as a sentence (`TooManyRequestsException: Rate exceeded`).
fn json_of(status: u16, headers: &[Header], body: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(value);
    }
    let kind = headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("x-amzn-errortype"))
        .map(|h| h.value.split(':').next().unwrap_or_default().to_string())
        .or_else(|| value.get("Type").or_else(|| value.get("__type")).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"));
    let message = value
        .get("message")
        .or_else(|| value.get("Message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
    Err(format!("{kind} (HTTP {status}): {message}"))
}

fn alias_path(alias: &Alias) -> Result<String, String> {
    Ok(format!("{PATH}/{}/aliases/{}", checked("function", &alias.function)?, checked("alias", &alias.name)?))
}

/// Where an alias routes now.
pub fn read_route(client: &Client, alias: &Alias) -> Result<Route, String> {
    let (status, headers, body) = send(client, &alias.region, "GET", &alias_path(alias)?, None)?;
    route_of(&json_of(status, &headers, &body)?)
}

/// A `GetAlias`/`UpdateAlias` answer as a route.
pub fn route_of(v: &Value) -> Result<Route, String> {
    let version = v.get("FunctionVersion").and_then(Value::as_str).ok_or("the alias has no FunctionVersion")?.to_string();
    let weights = v
        .pointer("/RoutingConfig/AdditionalVersionWeights")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, w)| Some((k.clone(), (w.as_f64()? * 1e6).round() as u32))).collect())
        .unwrap_or_default();
    Ok(Route { version, weights })
}

/// The `UpdateAlias` body for a route: weights as Lambda's fractions; an empty map clears them.
pub fn update_body(route: &Route) -> Value {
    let weights: serde_json::Map<String, Value> =
        route.weights.iter().filter(|(_, w)| *w > 0).map(|(v, w)| (v.clone(), json!(f64::from(*w) / 1e6))).collect();
    json!({ "FunctionVersion": route.version, "RoutingConfig": { "AdditionalVersionWeights": weights } })
}

/// Route an alias so. Setting the route it already has changes nothing, so
/// carrying the same step out twice (after a crash) is harmless.
pub fn set_route(client: &Client, alias: &Alias, route: &Route) -> Result<(), String> {
    checked("version", &route.version)?;
    if route.weights.len() > 1 {
        return Err(format!("Lambda routes an alias to at most two versions; asked for {}", route.weights.len() + 1));
    }
    let (status, headers, body) = send(client, &alias.region, "PUT", &alias_path(alias)?, Some(&update_body(route)))?;
    let answered = route_of(&json_of(status, &headers, &body)?)?;
    let mut want = route.clone();
    want.weights.retain(|(_, w)| *w > 0);
    if answered.version != want.version || answered.weights != want.weights {
        return Err(format!("Lambda answered the alias update with {answered:?}, not {want:?}"));
    }
    Ok(())
}

/// Invoke a function through an alias and wait for its answer.
pub fn invoke(client: &Client, alias: &Alias, payload: &str) -> Result<Invocation, String> {
    let body: Value = serde_json::from_str(payload).map_err(|e| format!("the payload is not JSON: {e}"))?;
    let path = format!("{PATH}/{}/invocations?Qualifier={}", checked("function", &alias.function)?, checked("alias", &alias.name)?);
    let (status, headers, answer) = send(client, &alias.region, "POST", &path, Some(&body))?;
    json_of(status, &headers, if (200..300).contains(&status) { b"null" } else { &answer })?;
    let header = |name: &str| headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.clone());
    Ok(Invocation {
        failed: header("x-amz-function-error").is_some(),
        executed_version: header("x-amz-executed-version").unwrap_or_default(),
        payload: String::from_utf8_lossy(&answer).into_owned(),
    })
}

/// Cap a function's concurrency (`PutFunctionConcurrency`) or lift the cap
/// (`DeleteFunctionConcurrency`); setting what is set changes nothing.
pub fn set_concurrency(client: &Client, function: &str, region: &str, reserved: Option<u32>) -> Result<(), String> {
    // The concurrency API has its own version in its path.
    let path = format!("/2017-10-31/functions/{}/concurrency", checked("function", function)?);
    match reserved {
        Some(n) => {
            let (status, headers, body) = send(client, region, "PUT", &path, Some(&json!({ "ReservedConcurrentExecutions": n })))?;
            let answered = json_of(status, &headers, &body)?;
            match answered.get("ReservedConcurrentExecutions").and_then(Value::as_u64) {
                Some(got) if got == u64::from(n) => Ok(()),
                other => Err(format!("Lambda answered the concurrency of {function} with {other:?}, not {n}")),
            }
        }
        None => {
            let (status, headers, body) = send(client, region, "DELETE", &path, None)?;
            json_of(status, &headers, if (200..300).contains(&status) { b"null" } else { &body }).map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]
    use super::*;

    #[test]
    fn routes_read_and_write_as_lambda_spells_them() {
        let v = json!({"FunctionVersion": "3", "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.1}}, "RevisionId": "x"});
        let route = route_of(&v).unwrap();
        assert_eq!(route, Route { version: "3".into(), weights: vec![("4".into(), 100_000)] });
        assert_eq!(update_body(&route), json!({"FunctionVersion": "3", "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.1}}}));
        let all_on_4 = Route { version: "4".into(), weights: vec![] };
        assert_eq!(update_body(&all_on_4), json!({"FunctionVersion": "4", "RoutingConfig": {"AdditionalVersionWeights": {}}}));
        assert_eq!(route_of(&json!({"FunctionVersion": "1"})).unwrap().weights, vec![]);
        assert!(route_of(&json!({})).is_err());
    }

    #[test]
    fn errors_say_lambdas_words() {
        let h = vec![Header { name: "X-Amzn-ErrorType".into(), value: "TooManyRequestsException:http://x".into() }];
        let e = json_of(429, &h, br#"{"message": "Rate exceeded"}"#).unwrap_err();
        assert_eq!(e, "TooManyRequestsException (HTTP 429): Rate exceeded");
        let e = json_of(404, &[], br#"{"Type": "User", "Message": "Function not found"}"#).unwrap_err();
        assert_eq!(e, "User (HTTP 404): Function not found");
        assert!(checked("function", "shop-api/../x").is_err());
        assert!(checked("function", "shop-us-east-1-ApiFunction-1A2B").is_ok());
    }
}
