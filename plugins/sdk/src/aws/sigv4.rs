//! AWS Signature Version 4 for a POST of a form body: what the Query APIs
//! (CloudFormation among them) take. Written out because the one crate made
//! for it, `aws-sigv4`, brings the Smithy runtime into a 200 KB component for
//! the sixty lines below; the tests check it against AWS's published example
//! and, in the Python suite, against botocore's own signer.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Who signs: an access key, its secret, and a session token for temporary credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The access key ID.
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// STS's session token, sent as `x-amz-security-token`.
    pub session_token: Option<String>,
}

/// What is signed: one request to one service in one region, at one time.
pub struct Signing<'a> {
    /// The service's signing name (`cloudformation`).
    pub service: &'a str,
    /// The region (`eu-west-1`).
    pub region: &'a str,
    /// `YYYYMMDD'T'HHMMSS'Z'`, UTC.
    pub amz_date: &'a str,
}

/// The request's parts that are signed.
pub struct Request<'a> {
    /// `POST`, `GET`.
    pub method: &'a str,
    /// `host[:port]`, as sent.
    pub host: &'a str,
    /// The path, `/` when empty.
    pub path: &'a str,
    /// The canonical query string (sorted and encoded), empty for a form POST.
    pub query: &'a str,
    /// Headers besides `host` and `x-amz-date`, lower-case names.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex, as SigV4 writes hashes and signatures.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The headers to add to the request: `x-amz-date`, the token if any, and `authorization`.
pub fn sign(credentials: &Credentials, signing: &Signing, request: &Request) -> Vec<(String, String)> {
    let date = signing.amz_date.get(..8).unwrap_or(signing.amz_date);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .chain([("host".to_string(), request.host.to_string()), ("x-amz-date".to_string(), signing.amz_date.to_string())])
        .chain(credentials.session_token.iter().map(|t| ("x-amz-security-token".to_string(), t.clone())))
        .collect();
    headers.sort();
    let signed_headers = headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        if request.path.is_empty() { "/" } else { request.path },
        request.query,
        hex(&Sha256::digest(request.body)),
    );
    let scope = format!("{date}/{}/{}/aws4_request", signing.region, signing.service);
    let to_sign = format!("AWS4-HMAC-SHA256\n{}\n{scope}\n{}", signing.amz_date, hex(&Sha256::digest(canonical_request.as_bytes())));
    let key = [signing.region, signing.service, "aws4_request"]
        .iter()
        .fold(hmac(format!("AWS4{}", credentials.secret_access_key).as_bytes(), date), |k, part| hmac(&k, part));
    let signature = hex(&hmac(&key, &to_sign));
    let mut out = vec![("x-amz-date".to_string(), signing.amz_date.to_string())];
    out.extend(credentials.session_token.iter().map(|t| ("x-amz-security-token".to_string(), t.clone())));
    out.push((
        "authorization".to_string(),
        format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}", credentials.access_key_id),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's worked example in "Create a signed AWS API request" (IAM ListUsers,
    /// 2015-08-30): its canonical request, string to sign and signature are published.
    #[test]
    fn signs_aws_published_example() {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let signing = Signing { service: "iam", region: "us-east-1", amz_date: "20150830T123600Z" };
        let request = Request {
            method: "GET",
            host: "iam.amazonaws.com",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: b"",
        };
        let headers = sign(&credentials, &signing, &request);
        let auth = &headers.iter().find(|(n, _)| n == "authorization").map(|(_, v)| v.clone()).unwrap_or_default();
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn a_session_token_is_sent_and_signed() {
        let credentials = Credentials { access_key_id: "A".into(), secret_access_key: "S".into(), session_token: Some("T".into()) };
        let signing = Signing { service: "cloudformation", region: "eu-west-1", amz_date: "20261202T101500Z" };
        let request = Request { method: "POST", host: "h", path: "", query: "", headers: &[], body: b"Action=ListStacks" };
        let headers = sign(&credentials, &signing, &request);
        assert!(headers.contains(&("x-amz-security-token".to_string(), "T".to_string())));
        let auth = headers.iter().find(|(n, _)| n == "authorization").map(|(_, v)| v.as_str()).unwrap_or_default();
        assert!(auth.contains("SignedHeaders=host;x-amz-date;x-amz-security-token"), "{auth}");
        assert!(auth.contains("Credential=A/20261202/eu-west-1/cloudformation/aws4_request"), "{auth}");
    }
}
