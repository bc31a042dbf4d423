//! Secrets by reference: a function granted `read` on a secret gets exactly
//! the read of that parameter or secret (and `kms:Decrypt` on a named key),
//! its environment holds where the secret is, and no output of any format
//! holds anything but that.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly by design")]

use lift_core::{App, Format};
use serde_json::Value;

const SPEC: &str = r#"
app: shop
regions: { primary: us-east-1, standby: [eu-west-1] }
secrets:
  db: { ssm: /shop/db-password }
  stripe: { secretsmanager: shop/stripe, key: api_key, kms_key: "arn:aws:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
functions:
  api:
    runtime: python3.12
    handler: app.handler
    code: ./src
    environment:
      DB_PASSWORD_PARAMETER: ${secrets.db.name}
      STRIPE_SECRET: ${secrets.stripe.arn}
      STRIPE_SECRET_KEY: ${secrets.stripe.key}
    access:
      secrets.db: read
      secrets.stripe: read
"#;

fn template(region: &str) -> Value {
    let app = App::from_text(SPEC).unwrap();
    serde_json::from_str(&app.synth(region, Format::CloudFormationJson).unwrap().text).unwrap()
}

/// A `Fn::Sub`'s text, a `Fn::Join` with `AWS::*` pseudo-parameters as `${...}`, or the string itself.
fn flat(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.contains_key("Fn::Sub") => m["Fn::Sub"].as_str().unwrap().to_owned(),
        Value::Object(m) if m.contains_key("Ref") => format!("${{{}}}", m["Ref"].as_str().unwrap()),
        Value::Object(m) if m.contains_key("Fn::GetAtt") => {
            format!("{}.{}", m["Fn::GetAtt"][0].as_str().unwrap(), m["Fn::GetAtt"][1].as_str().unwrap())
        }
        Value::Object(m) if m.contains_key("Fn::Join") => m["Fn::Join"][1].as_array().unwrap().iter().map(flat).collect(),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn a_granted_secret_is_exactly_its_read_and_its_key() {
    let t = template("eu-west-1");
    let role = &t["Resources"]["ApiFunctionRole"]["Properties"];
    let statements = role["Policies"][0]["PolicyDocument"]["Statement"].as_array().unwrap();
    let grants: Vec<(Vec<String>, Vec<String>)> = statements
        .iter()
        .map(|s| {
            let actions = match &s["Action"] {
                Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_owned()).collect(),
                Value::String(a) => vec![a.clone()],
                _ => vec![],
            };
            let resources = match &s["Resource"] {
                Value::Array(r) => r.iter().map(flat).collect(),
                r => vec![flat(r)],
            };
            (actions, resources)
        })
        .collect();
    let arn = |service: &str, rest: &str| format!("arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}");
    assert!(grants.contains(&(vec!["ssm:GetParameter".into()], vec![arn("ssm", "parameter/shop/db-password")])), "{grants:?}");
    assert!(
        grants.contains(&(vec!["secretsmanager:GetSecretValue".into()], vec![arn("secretsmanager", "secret:shop/stripe-??????")])),
        "{grants:?}"
    );
    let key = "arn:aws:kms:${AWS::Region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_owned();
    assert!(grants.contains(&(vec!["kms:Decrypt".into()], vec![key])), "{grants:?}");
    // No wildcard but the traces X-Ray takes on `*` (it has no resource to name).
    let traces: Vec<String> = lift_core::graph::build::TRACING.iter().map(|a| (*a).to_owned()).collect();
    assert!(!grants.iter().any(|(a, r)| *a != traces && (a.iter().any(|x| x.contains('*')) || r.iter().any(|x| x == "*"))), "{grants:?}");
    let env = &t["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["DB_PASSWORD_PARAMETER"], "/shop/db-password");
    assert_eq!(flat(&env["STRIPE_SECRET"]), arn("secretsmanager", "secret:shop/stripe"));
    assert_eq!(env["STRIPE_SECRET_KEY"], "api_key");
}

#[test]
fn no_format_resolves_a_secret_into_its_output() {
    let app = App::from_text(SPEC).unwrap();
    assert!(app.validate().iter().all(|d| !d.is_error()), "{:?}", app.validate());
    for format in
        [Format::CloudFormationJson, Format::CloudFormationYaml, Format::Terraform, Format::TerraformJson, Format::Pulumi, Format::Cdk]
    {
        for s in app.synth_all(format).unwrap() {
            for needle in ["{{resolve:", "aws_ssm_parameter", "aws_secretsmanager_secret_version", "getSecretVersion", "getParameter"] {
                assert!(!s.text.contains(needle), "{format:?} {}: {needle}", s.region);
            }
            assert!(s.text.contains("/shop/db-password"), "{format:?} {}: the parameter's name is passed", s.region);
        }
    }
}
