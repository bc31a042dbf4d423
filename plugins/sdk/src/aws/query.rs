//! AWS's Query APIs (CloudFormation, CloudWatch, ...): a signed, form-encoded
//! POST per action, and its XML answer read with roxmltree. Transport is the
//! caller's, so a plugin sends through the host and the tests read canned documents.

use super::sigv4::{self, Credentials, Signing};

/// One Query API: its signing name (also its endpoint's first label) and version.
#[derive(Clone, Copy, Debug)]
pub struct Api {
    /// `cloudformation`, `monitoring` (CloudWatch's endpoint; it signs as `monitoring` too).
    pub service: &'static str,
    /// The API version every action names.
    pub version: &'static str,
}

/// Where to send and how to sign.
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// `scheme://host[:port]`; empty means AWS's regional endpoint.
    pub endpoint: String,
    /// Signing credentials; none sends unsigned requests (a local emulator).
    pub credentials: Option<Credentials>,
}

/// A request ready for the host's HTTP capability.
pub struct Prepared {
    /// The URL.
    pub url: String,
    /// Headers, signature included.
    pub headers: Vec<(String, String)>,
    /// The form body.
    pub body: String,
}

impl Client {
    /// Settings as the host passes them: `endpoint`, `access-key-id`,
    /// `secret-access-key`, `session-token`; `extra` names the plugin's own.
    pub fn from_settings(settings: &[(String, String)], extra: &[&str]) -> Result<Client, String> {
        let get = |k: &str| settings.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let known = ["endpoint", "access-key-id", "secret-access-key", "session-token"];
        if let Some((unknown, _)) = settings.iter().find(|(k, _)| !known.contains(&k.as_str()) && !extra.contains(&k.as_str())) {
            let all: Vec<&str> = known.iter().chain(extra).copied().collect();
            return Err(format!("unknown setting `{unknown}` (known: {})", all.join(", ")));
        }
        let credentials = match (get("access-key-id"), get("secret-access-key")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                Some(Credentials { access_key_id, secret_access_key, session_token: get("session-token") })
            }
            (None, None) => None,
            _ => return Err("`access-key-id` and `secret-access-key` go together".into()),
        };
        let endpoint = get("endpoint").unwrap_or_default();
        if credentials.is_none() && endpoint.is_empty() {
            return Err("AWS's endpoints need credentials: set `access-key-id` and `secret-access-key`".into());
        }
        Ok(Client { endpoint, credentials })
    }

    /// The endpoint of `service` (its endpoint label) in a region, ending in `/`.
    pub fn url(&self, service: &str, region: &str) -> String {
        if self.endpoint.is_empty() {
            format!("https://{service}.{region}.amazonaws.com/")
        } else {
            format!("{}/", self.endpoint.trim_end_matches('/'))
        }
    }

    /// The signed POST of `action` with `params` to `api`, at `amz_date`.
    pub fn prepare(&self, api: Api, region: &str, action: &str, params: &[(String, String)], amz_date: &str) -> Prepared {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action).append_pair("Version", api.version);
        for (k, v) in params {
            form.append_pair(k, v);
        }
        let body = form.finish();
        let url = self.url(api.service, region);
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let call = Call { method: "POST", url: &url, region, service: api.service };
        let headers = self.signed(&call, &[("content-type", content_type)], body.as_bytes(), amz_date);
        Prepared { url, headers, body }
    }

    /// Where a template goes in S3, and the URL CloudFormation reads it from.
    /// With an endpoint of its own (an emulator), the upload goes there, path-style.
    pub fn template_object(&self, bucket: &str, key: &str, region: &str) -> (String, String) {
        let read_from = format!("https://{bucket}.s3.{region}.amazonaws.com/{key}");
        let put_to =
            if self.endpoint.is_empty() { read_from.clone() } else { format!("{}/{bucket}/{key}", self.endpoint.trim_end_matches('/')) };
        (put_to, read_from)
    }

    /// `headers` plus the signature's headers for `call`
    /// (S3 also wants the payload's hash as a header of its own).
    pub fn signed(&self, call: &Call, headers: &[(&str, &str)], body: &[u8], amz_date: &str) -> Vec<(String, String)> {
        let Call { method, url, region, service } = *call;
        let mut all: Vec<(String, String)> = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        if service == "s3" {
            all.push(("x-amz-content-sha256".into(), sigv4::hex(&<sha2::Sha256 as sha2::Digest>::digest(body))));
        }
        let Some(credentials) = &self.credentials else { return all };
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let (host, path) = after_scheme.split_once('/').map_or((after_scheme, ""), |(h, p)| (h, p));
        // A query string is signed as it is sent: the callers send one already in canonical order.
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let path = format!("/{path}");
        let signing = Signing { service, region, amz_date };
        let borrowed: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let request = sigv4::Request { method, host, path: &path, query, headers: &borrowed, body };
        let signature = sigv4::sign(credentials, &signing, &request);
        all.extend(signature);
        all
    }
}

/// One request to sign: what, where, and to which service in which region.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    /// `POST`, `PUT`.
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// The region.
    pub region: &'a str,
    /// The signing name: `cloudformation`, `s3`.
    pub service: &'a str,
}

/// An error the API answered with: its code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// `ValidationError`, `AccessDenied`, `Throttling`, ...
    pub code: String,
    /// What AWS said.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The answer's XML, or the API's error in it, or why it could not be read.
pub fn read(status: u16, body: &[u8]) -> Result<roxmltree::Document<'_>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError { code: "Malformed".into(), message: "the answer is not UTF-8".into() })?;
    let doc = roxmltree::Document::parse(text).map_err(|e| match status {
        // An error page that is not XML (a proxy's, or an emulator's JSON): say what it says.
        400.. => ApiError { code: format!("HTTP {status}"), message: text.chars().take(300).collect() },
        _ => ApiError {
            code: "Malformed".into(),
            message: format!("HTTP {status}, and the answer is not XML ({e}): {}", text.chars().take(200).collect::<String>()),
        },
    })?;
    if let Some(error) = doc.descendants().find(|n| n.has_tag_name("Error")) {
        return Err(ApiError {
            code: text_of(error, "Code").unwrap_or_else(|| format!("HTTP {status}")),
            message: text_of(error, "Message").unwrap_or_default(),
        });
    }
    if !(200..300).contains(&status) {
        return Err(ApiError { code: format!("HTTP {status}"), message: text.chars().take(200).collect() });
    }
    Ok(doc)
}

/// The text of `node`'s first child element named `name`.
pub fn text_of(node: roxmltree::Node, name: &str) -> Option<String> {
    node.children().find(|c| c.has_tag_name(name)).map(|c| c.text().unwrap_or_default().to_string())
}

/// The first element named `name` anywhere in the document.
pub fn find<'a, 'i>(doc: &'a roxmltree::Document<'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    doc.descendants().find(|n| n.has_tag_name(name))
}

/// The `member` elements of the list element `list` under `node`.
pub fn members<'a, 'i>(node: roxmltree::Node<'a, 'i>, list: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(list)).map(|l| l.children().filter(|m| m.has_tag_name("member")).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_error_response() {
        let xml = br#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id shop does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let err = read(400, xml).err();
        assert_eq!(err, Some(ApiError { code: "ValidationError".into(), message: "Stack with id shop does not exist".into() }));
    }

    #[test]
    fn reads_members_and_rejects_what_is_not_xml() {
        let xml = br#"<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>shop</StackName><Outputs><member><OutputKey>Url</OutputKey><OutputValue>https://x</OutputValue></member></Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>"#;
        let doc = read(200, xml).map_err(|e| e.to_string());
        let doc = doc.as_ref().map_err(|e| e.as_str());
        let result = doc.ok().and_then(|d| find(d, "DescribeStacksResult"));
        let stacks = result.map(|r| members(r, "Stacks")).unwrap_or_default();
        assert_eq!(stacks.len(), 1);
        assert_eq!(text_of(stacks[0], "StackName").as_deref(), Some("shop"));
        let outputs: Vec<_> = members(stacks[0], "Outputs").iter().filter_map(|o| text_of(*o, "OutputValue")).collect();
        assert_eq!(outputs, ["https://x"]);
        assert!(read(502, b"<html>bad gateway").err().is_some_and(|e| e.code == "HTTP 502" && e.message == "<html>bad gateway"));
        assert!(read(200, b"{}").err().is_some_and(|e| e.code == "Malformed" && e.message.contains("not XML")));
    }

    #[test]
    fn prepares_a_signed_form_post() {
        let client = Client {
            endpoint: "http://127.0.0.1:5000".into(),
            credentials: Some(Credentials { access_key_id: "A".into(), secret_access_key: "S".into(), session_token: None }),
        };
        let api = Api { service: "cloudformation", version: "2010-05-15" };
        let p = client.prepare(api, "eu-west-1", "DescribeStacks", &[("StackName".into(), "my shop".into())], "20261202T101500Z");
        assert_eq!(p.url, "http://127.0.0.1:5000/");
        assert_eq!(p.body, "Action=DescribeStacks&Version=2010-05-15&StackName=my+shop");
        let auth = p.headers.iter().find(|(n, _)| n == "authorization").map(|(_, v)| v.as_str()).unwrap_or_default();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=A/20261202/eu-west-1/cloudformation/aws4_request"), "{auth}");
        assert_eq!(Client::default().url("cloudformation", "us-east-2"), "https://cloudformation.us-east-2.amazonaws.com/");
        assert_eq!(client.url("monitoring", "us-east-2"), "http://127.0.0.1:5000/");
    }

    #[test]
    fn settings_name_what_is_wrong() {
        let s = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert!(Client::from_settings(&s(&[("endpoint", "http://x")]), &[]).is_ok_and(|c| c.credentials.is_none()));
        let unknown = Client::from_settings(&s(&[("endpoint", "http://x"), ("bucket", "b")]), &["template-bucket"]);
        assert_eq!(
            unknown.err().as_deref(),
            Some("unknown setting `bucket` (known: endpoint, access-key-id, secret-access-key, session-token, template-bucket)")
        );
        assert!(Client::from_settings(&s(&[("access-key-id", "A")]), &[]).is_err_and(|e| e.contains("go together")));
        assert!(Client::from_settings(&[], &[]).is_err_and(|e| e.contains("need credentials")));
    }
}
