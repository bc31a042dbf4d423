//! Rules for `secrets` and for secrets where they do not belong: each secret
//! kept in exactly one store under a name the store accepts; a function that
//! names a secret can read it; and a literal environment value that looks
//! like a secret (by its variable's name or its own shape) is flagged, since
//! it would be plain text in every template and in the function's configuration.

use super::*;

/// Words in a variable's name that say its value is a secret.
const SECRET_WORDS: [&str; 10] =
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL", "AUTH_KEY"];

/// Endings that say the value is where a secret is, not the secret.
const NOT_THE_VALUE: [&str; 7] = ["_NAME", "_ARN", "_PATH", "_PARAMETER", "_ID_NAME", "_HEADER", "_TABLE"];

impl Rules<'_> {
    pub(super) fn secrets(&mut self) {
        for (name, s) in &self.spec.secrets {
            let base = p(&["secrets", name]);
            match (&s.ssm, &s.secretsmanager) {
                (Some(_), Some(_)) | (None, None) => self.err(
                    Code::BadValue,
                    base.clone(),
                    format!("secret `{name}` must be kept in exactly one store"),
                    Some("write `ssm: /PATH` (a SecureString parameter) or `secretsmanager: NAME`".into()),
                ),
                (Some(param), None) => {
                    if let Some(why) = ssm_name_problem(param) {
                        self.err(Code::BadName, format!("{base}/ssm"), format!("`{param}` is not an SSM parameter name: {why}"), None);
                    }
                    if s.key.is_some() {
                        self.err(
                            Code::BadValue,
                            format!("{base}/key"),
                            "an SSM parameter holds one value: `key` is for a Secrets Manager secret that holds JSON".into(),
                            None,
                        );
                    }
                }
                (None, Some(secret)) => {
                    let ok = !secret.is_empty()
                        && secret.len() <= 512
                        && secret.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
                    if !ok {
                        self.err(
                            Code::BadName,
                            format!("{base}/secretsmanager"),
                            format!("`{secret}` is not a Secrets Manager name: 1 to 512 letters, digits and `/_+=.@-`"),
                            None,
                        );
                    }
                }
            }
            if let Some(key) = &s.kms_key {
                if !encryption::is_kms_key_arn(key) {
                    self.err(
                        Code::BadValue,
                        format!("{base}/kms_key"),
                        format!("`{key}` is not a KMS key ARN"),
                        Some(encryption::KMS_KEY_HINT.into()),
                    );
                }
            }
        }
        for (fname, f) in &self.spec.functions {
            for (var, value) in &f.environment {
                let ptr = || p(&["functions", fname, "environment", var]);
                let Ok(pieces) = value.pieces() else { continue };
                let mut literal = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => literal.push_str(t),
                        Piece::Ref(t, attr) if t.kind == Kind::Secret => {
                            let granted = f.access.iter().any(|(k, a)| k.target().is_ok_and(|kt| kt == t) && *a == Access::Read);
                            if self.spec.has(t) && !granted {
                                self.err(
                                    Code::BadValue,
                                    ptr(),
                                    format!("function `{fname}` is told where secret `{}` is but may not read it", t.name),
                                    Some(format!("add `access: {{ secrets.{}: read }}`", t.name)),
                                );
                            }
                            if attr == "key" && self.spec.secrets.get(&t.name).is_some_and(|s| s.key.is_none()) {
                                self.err(Code::BadValue, ptr(), format!("secret `{}` names no `key`", t.name), None);
                            }
                        }
                        Piece::Ref(..) => {}
                    }
                }
                if literal.contains("{{resolve:ssm-secure:") {
                    self.err(
                        Code::BadValue,
                        ptr(),
                        "CloudFormation does not resolve `ssm-secure` in a Lambda environment: it refuses the stack".into(),
                        Some("declare the parameter under `secrets:`, pass `${secrets.NAME.name}` and read it at run time".into()),
                    );
                    continue;
                }
                if let Some(why) = looks_secret(var, &literal) {
                    self.out.push(
                        Diagnostic::warning(
                            Code::PlaintextSecret,
                            ptr(),
                            format!("`{var}` of function `{fname}` holds {why}: it would be plain text in every template and in the function's configuration"),
                        )
                        .with_hint("keep it in SSM (SecureString) or Secrets Manager, declare it under `secrets:`, pass `${secrets.NAME.name}` and read it at run time"),
                    );
                }
            }
        }
    }
}

/// Why an SSM parameter name is refused, if it is.
fn ssm_name_problem(name: &str) -> Option<&'static str> {
    let bare = name.trim_start_matches('/').to_ascii_lowercase();
    if name.is_empty() || name.len() > 2048 {
        Some("1 to 2048 characters")
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c)) {
        Some("letters, digits and `_.-/` only")
    } else if name.contains('/') && !name.starts_with('/') {
        Some("a name with a path begins with `/`")
    } else if bare.starts_with("aws") || bare.starts_with("ssm") {
        Some("names beginning with `aws` or `ssm` are reserved")
    } else {
        None
    }
}

/// Why a literal environment value looks like a secret, if it does.
fn looks_secret(var: &str, literal: &str) -> Option<String> {
    let value = literal.trim();
    if value.is_empty() {
        return None;
    }
    if value.contains("{{resolve:secretsmanager:") {
        return Some("a Secrets Manager dynamic reference, resolved into plain text".into());
    }
    if let Some(kind) = credential_shape(value) {
        return Some(format!("what looks like {kind}"));
    }
    let upper = var.to_ascii_uppercase();
    let named = SECRET_WORDS.iter().any(|w| upper.contains(w)) && !NOT_THE_VALUE.iter().any(|e| upper.ends_with(e));
    named.then(|| "a literal value under a secret's name".into())
}

/// What kind of credential `value` looks like, if any.
fn credential_shape(value: &str) -> Option<&'static str> {
    let words = value.split(|c: char| c.is_whitespace() || "\"',;=".contains(c)).filter(|w| !w.is_empty());
    for w in words {
        let upper_alnum = |s: &str| s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if w.len() == 20 && (w.starts_with("AKIA") || w.starts_with("ASIA")) && upper_alnum(w) {
            return Some("an AWS access key ID");
        }
        if ["sk_live_", "rk_live_", "ghp_", "github_pat_", "xoxb-", "xoxp-", "glpat-"].iter().any(|p| w.starts_with(p)) {
            return Some("an API token");
        }
        if high_entropy(w) {
            return Some("a random token (high entropy)");
        }
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    // scheme://user:password@host
    if let Some((_, rest)) = value.split_once("://") {
        if let Some((userinfo, _)) = rest.split_once('@') {
            if userinfo.contains(':') && !userinfo.contains('/') {
                return Some("a URL with a password");
            }
        }
    }
    None
}

/// At least 32 characters of letters (both cases) and digits, more than 4.5
/// bits of entropy per character: a random key's shape, not a word's or a hash's.
fn high_entropy(w: &str) -> bool {
    if w.len() < 32 || !w.chars().all(|c| c.is_ascii_alphanumeric() || "+/_-".contains(c)) {
        return false;
    }
    let mixed =
        w.chars().any(|c| c.is_ascii_lowercase()) && w.chars().any(|c| c.is_ascii_uppercase()) && w.chars().any(|c| c.is_ascii_digit());
    if !mixed {
        return false;
    }
    let mut counts = [0u32; 128];
    for b in w.bytes() {
        if let Some(c) = counts.get_mut(usize::from(b & 0x7f)) {
            *c += 1;
        }
    }
    let n = w.len() as f64;
    let bits: f64 = counts.iter().filter(|c| **c > 0).map(|c| f64::from(*c) / n).map(|q| -q * q.log2()).sum();
    bits > 4.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_known_by_their_shape_and_plain_words_are_not() {
        assert_eq!(credential_shape("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key ID"));
        assert_eq!(credential_shape("sk_live_4eC39HqLyjWDarjtT1zdp7dc"), Some("an API token"));
        assert_eq!(credential_shape("-----BEGIN RSA PRIVATE KEY-----\nMIIE"), Some("a private key"));
        assert_eq!(credential_shape("postgres://app:hunter2@db:5432/shop"), Some("a URL with a password"));
        assert_eq!(credential_shape("Zx9q2LmT7vB4nR8kW1pY6sD3fH5jK0aGu"), Some("a random token (high entropy)"));
        for plain in [
            "info",
            "https://example.com/a/b",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "0b1d3c8e-6a9f-4d52-8a3e-2f7c9b1e4d6a",
            "a sentence of plain words",
        ] {
            assert_eq!(credential_shape(plain), None, "{plain}");
        }
    }

    #[test]
    fn a_secret_name_with_a_literal_is_flagged_but_a_name_of_where_it_is_is_not() {
        assert!(looks_secret("DB_PASSWORD", "hunter2").is_some());
        assert!(looks_secret("STRIPE_API_KEY", "x").is_some());
        assert!(looks_secret("DB_PASSWORD_NAME", "/shop/db").is_none());
        assert!(looks_secret("TOKEN_TABLE", "tokens").is_none());
        assert!(looks_secret("LOG_LEVEL", "info").is_none());
        assert!(looks_secret("DB_PASSWORD", "").is_none());
    }
}
