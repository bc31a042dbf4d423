//! A CloudFormation deployer: creates a new stack with `CreateStack`, updates
//! one through a change set (its changes reported as events, executed once
//! ready), reports the stack's events, status and outputs, rolls back and
//! deletes. Every request goes through the host's HTTP capability, signed
//! with SigV4; the plugin holds credentials only as the host configured them.

pub mod lambda;

use std::cell::RefCell;
use std::collections::HashMap;

use lift_plugin_sdk::aws::query::{self, Api, Client, find, members, text_of};
use lift_plugin_sdk::aws::sigv4;
use lift_plugin_sdk::deployer::http::{self, Header, HttpError};
use lift_plugin_sdk::deployer::{Alias, Guest, Invocation, Level, Progress, Route, Stack, StackStatus, log};

/// The CloudFormation Query API.
const CLOUDFORMATION: Api = Api { service: "cloudformation", version: "2010-05-15" };

/// What this instance remembers of an operation it started.
#[derive(Default)]
struct Operation {
    /// An update's change set, until it is executed.
    change_set: Option<String>,
    /// The newest event before the operation: later ones are its own.
    since_event: Option<String>,
    /// The template and parameters before an update, to roll back to.
    previous: Option<(String, Vec<(String, String)>)>,
    /// The stack was created by this operation: rolling back deletes it.
    created: bool,
    /// The update changed nothing.
    no_changes: bool,
    /// The change set's changes, reported as events.
    changes: Vec<String>,
}

#[derive(Default)]
struct State {
    client: Client,
    /// Where templates over the inline limit go; `{region}` stands for the region.
    template_bucket: Option<String>,
    operations: HashMap<(String, String), Operation>,
    serial: u32,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// A stack as `DescribeStacks` tells it.
struct Described {
    status: String,
    reason: Option<String>,
    outputs: Vec<(String, String)>,
    /// Its parameters now: what an update's rollback puts back.
    parameters: Vec<(String, String)>,
}

pub use lift_plugin_sdk::aws::amz_date_now as amz_date;

/// One API call: `read` takes what it needs from the answer's XML, parsed
/// once; or the API's error.
fn call<T>(
    region: &str,
    action: &str,
    params: &[(String, String)],
    read: impl FnOnce(&roxmltree::Document) -> T,
) -> Result<T, query::ApiError> {
    let prepared = STATE.with(|s| s.borrow().client.prepare(CLOUDFORMATION, region, action, params, &amz_date()));
    let request = http::Request {
        method: "POST".into(),
        url: prepared.url.clone(),
        headers: prepared.headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
        body: prepared.body.into_bytes(),
        timeout_ms: 0,
    };
    let fail = |message: String| query::ApiError { code: "Http".into(), message };
    let response = http::send(&request).map_err(|e| {
        fail(match e {
            HttpError::Denied(why) => format!("the host denied {}: {why}", prepared.url),
            HttpError::Timeout => format!("{action} to {} timed out", prepared.url),
            HttpError::TooLarge(n) => format!("{action}'s answer is over the host's cap ({n} bytes)"),
            HttpError::Connection(why) => format!("cannot reach {}: {why}", prepared.url),
            HttpError::InvalidRequest(why) => format!("invalid request: {why}"),
        })
    })?;
    Ok(read(&query::read(response.status, &response.body)?))
}

/// A call whose answer says nothing the deployer needs, its error as a sentence.
fn call_only(region: &str, action: &str, params: &[(String, String)]) -> Result<(), String> {
    call(region, action, params, |_| ()).map_err(|e| e.to_string())
}

/// The text of the first element named `name` in an answer.
fn text_in(doc: &roxmltree::Document, name: &str) -> String {
    find(doc, name).and_then(|n| n.text()).unwrap_or_default().to_string()
}

/// `(key, value)` pairs of the list element `list` under `node`.
fn pairs(node: roxmltree::Node, list: &str, key: &str, value: &str) -> Vec<(String, String)> {
    members(node, list).into_iter().filter_map(|m| Some((text_of(m, key)?, text_of(m, value).unwrap_or_default()))).collect()
}

fn stack_params(name: &str) -> Vec<(String, String)> {
    vec![("StackName".into(), name.into())]
}

fn not_found(e: &query::ApiError) -> bool {
    e.code == "ValidationError" && e.message.contains("does not exist")
}

fn describe(name: &str, region: &str) -> Result<Option<Described>, String> {
    let read = |doc: &roxmltree::Document| {
        let stack = find(doc, "Stacks").and_then(|s| s.children().find(|m| m.has_tag_name("member")))?;
        Some(Described {
            status: text_of(stack, "StackStatus").unwrap_or_default(),
            reason: text_of(stack, "StackStatusReason").filter(|r| !r.is_empty()),
            outputs: pairs(stack, "Outputs", "OutputKey", "OutputValue"),
            parameters: pairs(stack, "Parameters", "ParameterKey", "ParameterValue"),
        })
    };
    match call(region, "DescribeStacks", &stack_params(name), read) {
        Err(e) if not_found(&e) => Ok(None),
        other => other.map_err(|e| e.to_string()),
    }
}

/// The stack's events, newest first, as lines; and their IDs.
fn events(name: &str, region: &str) -> Result<Vec<(String, String)>, String> {
    let read = |doc: &roxmltree::Document| find(doc, "DescribeStackEventsResult").map(event_lines).unwrap_or_default();
    match call(region, "DescribeStackEvents", &stack_params(name), read) {
        Err(e) if not_found(&e) => Ok(Vec::new()),
        other => other.map_err(|e| e.to_string()),
    }
}

fn event_lines(list: roxmltree::Node) -> Vec<(String, String)> {
    members(list, "StackEvents")
        .into_iter()
        .map(|e| {
            let field = |n: &str| text_of(e, n).unwrap_or_default();
            let reason = text_of(e, "ResourceStatusReason").filter(|r| !r.is_empty()).map(|r| format!(": {r}")).unwrap_or_default();
            let line = format!(
                "{} {} {} {}{reason}",
                field("Timestamp"),
                field("LogicalResourceId"),
                field("ResourceType"),
                field("ResourceStatus")
            );
            (field("EventId"), line)
        })
        .collect()
}

fn status_of(status: &str) -> StackStatus {
    match status {
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" => StackStatus::Complete,
        "ROLLBACK_COMPLETE" | "UPDATE_ROLLBACK_COMPLETE" | "IMPORT_ROLLBACK_COMPLETE" => StackStatus::RolledBack,
        "DELETE_COMPLETE" => StackStatus::Deleted,
        s if s.ends_with("_FAILED") => StackStatus::Failed,
        _ => StackStatus::InProgress,
    }
}

/// CloudFormation takes templates up to this size inline; larger ones it reads from S3.
pub const INLINE_LIMIT: usize = 51_200;

/// The template inline, or uploaded to the template bucket and named by URL.
fn template_source(stack: &Stack) -> Result<(String, String), String> {
    let size = stack.template.len();
    if size <= INLINE_LIMIT {
        return Ok(("TemplateBody".into(), stack.template.clone()));
    }
    let Some(bucket) = STATE.with(|s| s.borrow().template_bucket.clone()) else {
        return Err(format!(
            "the template of {} is {size} bytes, over the {INLINE_LIMIT} CloudFormation takes inline: \
             set `template-bucket` to a bucket to upload it to",
            stack.name
        ));
    };
    let bucket = bucket.replace("{region}", &stack.region);
    let digest = sigv4::hex(&<sha2::Sha256 as sha2::Digest>::digest(stack.template.as_bytes()));
    let key = format!("lift/{}/{digest}.template", stack.name);
    let (put_to, read_from) = STATE.with(|s| s.borrow().client.template_object(&bucket, &key, &stack.region));
    let body = stack.template.as_bytes();
    let call = query::Call { method: "PUT", url: &put_to, region: &stack.region, service: "s3" };
    let headers = STATE.with(|s| s.borrow().client.signed(&call, &[], body, &amz_date()));
    let request = http::Request {
        method: "PUT".into(),
        url: put_to.clone(),
        headers: headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
        body: body.to_vec(),
        timeout_ms: 0,
    };
    let response = http::send(&request).map_err(|e| format!("uploading the template to {put_to}: {e:?}"))?;
    if !(200..300).contains(&response.status) {
        let why = query::read(response.status, &response.body).err().map(|e| e.to_string()).unwrap_or_default();
        return Err(format!("uploading the template to s3://{bucket}/{key}: HTTP {}: {why}", response.status));
    }
    log(Level::Info, &format!("uploaded the template ({size} bytes) to s3://{bucket}/{key}"));
    Ok(("TemplateURL".into(), read_from))
}

fn template_params(stack: &Stack) -> Result<Vec<(String, String)>, String> {
    let mut params = vec![
        ("StackName".to_string(), stack.name.clone()),
        template_source(stack)?,
        ("Capabilities.member.1".to_string(), "CAPABILITY_IAM".to_string()),
        ("Capabilities.member.2".to_string(), "CAPABILITY_NAMED_IAM".to_string()),
    ];
    for (i, (k, v)) in stack.parameters.iter().enumerate() {
        params.push((format!("Parameters.member.{}.ParameterKey", i + 1), k.clone()));
        params.push((format!("Parameters.member.{}.ParameterValue", i + 1), v.clone()));
    }
    Ok(params)
}

fn remember(name: &str, region: &str, op: Operation) {
    STATE.with(|s| s.borrow_mut().operations.insert((name.to_string(), region.to_string()), op));
}

/// Change what this instance remembers of the operation on a stack, if any.
fn with_operation(name: &str, region: &str, f: impl FnOnce(&mut Operation)) {
    STATE.with(|s| s.borrow_mut().operations.get_mut(&(name.to_string(), region.to_string())).map(f));
}

fn newest_event(name: &str, region: &str) -> Result<Option<String>, String> {
    Ok(events(name, region)?.into_iter().next().map(|(id, _)| id))
}

/// The deployer.
pub struct CloudFormation;

impl CloudFormation {
    fn update(stack: &Stack, region: &str, previous_params: Vec<(String, String)>) -> Result<String, String> {
        let since_event = newest_event(&stack.name, region)?;
        let previous_template =
            call(region, "GetTemplate", &stack_params(&stack.name), |doc| text_in(doc, "TemplateBody")).map_err(|e| e.to_string())?;
        let serial = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.serial += 1;
            s.serial
        });
        let mut params = template_params(stack)?;
        params.push(("ChangeSetName".into(), format!("lift-{}-{serial}", amz_date())));
        params.push(("ChangeSetType".into(), "UPDATE".into()));
        params.push(("Description".into(), "Lift's update".into()));
        let mut op = Operation { since_event, previous: Some((previous_template, previous_params)), ..Default::default() };
        match call(region, "CreateChangeSet", &params, |doc| text_in(doc, "Id")) {
            // moto refuses an update that changes nothing; AWS makes a change set that fails (see `describe`).
            Err(e) if e.message.contains("No updates are to be performed") => {
                op.no_changes = true;
                remember(&stack.name, region, op);
                Ok("no changes".into())
            }
            Err(e) => Err(e.to_string()),
            Ok(id) => {
                op.change_set = Some(id.clone());
                remember(&stack.name, region, op);
                Ok(id)
            }
        }
    }

    /// A pending change set: still being made, failed, empty, or executed now.
    fn advance_change_set(name: &str, region: &str, id: &str) -> Result<Option<Progress>, String> {
        let change_set = [("ChangeSetName".to_string(), id.to_string()), ("StackName".to_string(), name.to_string())];
        let read = |doc: &roxmltree::Document| {
            let result = find(doc, "DescribeChangeSetResult");
            let status = result.and_then(|r| text_of(r, "Status")).unwrap_or_default();
            let reason = result.and_then(|r| text_of(r, "StatusReason")).filter(|r| !r.is_empty());
            let changes: Vec<String> = result
                .map(|r| members(r, "Changes"))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| c.children().find(|n| n.has_tag_name("ResourceChange")))
                .map(|rc| {
                    let f = |n: &str| text_of(rc, n).unwrap_or_default();
                    let replacement = text_of(rc, "Replacement").map(|r| format!(" (replacement: {r})")).unwrap_or_default();
                    format!("change: {} {} {}{replacement}", f("Action"), f("LogicalResourceId"), f("ResourceType"))
                })
                .collect();
            (status, reason, changes)
        };
        let (status, reason, changes) = call(region, "DescribeChangeSet", &change_set, read).map_err(|e| e.to_string())?;
        let progress = |status, events: Vec<String>, reason| Progress { status, events, outputs: Vec::new(), reason };
        match status.as_str() {
            "CREATE_PENDING" | "CREATE_IN_PROGRESS" => {
                Ok(Some(progress(StackStatus::InProgress, vec![format!("change set {status}")], None)))
            }
            "FAILED" if reason.as_deref().is_some_and(|r| r.contains("didn't contain changes") || r.contains("No updates")) => {
                let _ = call_only(region, "DeleteChangeSet", &change_set[..1]);
                with_operation(name, region, |op| {
                    op.change_set = None;
                    op.no_changes = true;
                });
                Ok(None)
            }
            "FAILED" => Ok(Some(progress(StackStatus::Failed, vec!["change set FAILED".into()], reason))),
            _ => {
                call_only(region, "ExecuteChangeSet", &change_set)?;
                log(Level::Info, &format!("executing change set for {name} in {region}: {} changes", changes.len()));
                with_operation(name, region, |op| {
                    op.change_set = None;
                    op.changes = changes;
                });
                Ok(None)
            }
        }
    }
}

impl Guest for CloudFormation {
    fn configure(settings: Vec<(String, String)>) -> Result<(), String> {
        let client = Client::from_settings(&settings, &["template-bucket"])?;
        let bucket = settings.iter().find(|(k, _)| k == "template-bucket").map(|(_, v)| v.clone()).filter(|b| !b.is_empty());
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.client = client;
            s.template_bucket = bucket;
        });
        Ok(())
    }

    fn apply(stack: Stack) -> Result<String, String> {
        let region = stack.region.clone();
        match describe(&stack.name, &region)? {
            Some(d) if d.status == "ROLLBACK_COMPLETE" => {
                Err(format!("stack {} in {region} is ROLLBACK_COMPLETE (its creation failed): delete it, then apply again", stack.name))
            }
            Some(d) if status_of(&d.status) == StackStatus::InProgress && d.status != "REVIEW_IN_PROGRESS" => {
                Err(format!("stack {} in {region} is busy ({})", stack.name, d.status))
            }
            Some(d) if status_of(&d.status) != StackStatus::Deleted => Self::update(&stack, &region, d.parameters),
            _ => {
                let id =
                    call(&region, "CreateStack", &template_params(&stack)?, |doc| text_in(doc, "StackId")).map_err(|e| e.to_string())?;
                remember(&stack.name, &region, Operation { created: true, ..Default::default() });
                Ok(id)
            }
        }
    }

    fn describe(name: String, region: String) -> Result<Progress, String> {
        let key = (name.clone(), region.clone());
        let pending = STATE.with(|s| s.borrow().operations.get(&key).and_then(|op| op.change_set.clone()));
        if let Some(id) = pending
            && let Some(progress) = Self::advance_change_set(&name, &region, &id)?
        {
            return Ok(progress);
        }
        let (since, mut lines, no_changes) = STATE.with(|s| {
            s.borrow().operations.get(&key).map(|op| (op.since_event.clone(), op.changes.clone(), op.no_changes)).unwrap_or_default()
        });
        let Some(stack) = describe(&name, &region)? else {
            return Ok(Progress { status: StackStatus::Deleted, events: lines, outputs: Vec::new(), reason: None });
        };
        if no_changes {
            lines.push("no changes".into());
        } else {
            let mut own: Vec<String> =
                events(&name, &region)?.into_iter().take_while(|(id, _)| Some(id) != since.as_ref()).map(|(_, l)| l).collect();
            own.reverse();
            lines.extend(own);
        }
        let status = status_of(&stack.status);
        let outputs = if status == StackStatus::Complete { stack.outputs } else { Vec::new() };
        let reason = stack.reason.or_else(|| (status != StackStatus::Complete).then(|| stack.status.clone()));
        Ok(Progress { status, events: lines, outputs, reason })
    }

    fn roll_back(name: String, region: String) -> Result<(), String> {
        let key = (name.clone(), region.clone());
        let op = STATE.with(|s| s.borrow_mut().operations.remove(&key)).unwrap_or_default();
        if let Some(id) = op.change_set {
            return call_only(&region, "DeleteChangeSet", &[("ChangeSetName".into(), id)]);
        }
        let Some(stack) = describe(&name, &region)? else { return Err(format!("stack {name} in {region} does not exist")) };
        let simple = |action: &str| call_only(&region, action, &stack_params(&name));
        match stack.status.as_str() {
            "UPDATE_IN_PROGRESS" => return simple("CancelUpdateStack"),
            "UPDATE_ROLLBACK_FAILED" => return simple("ContinueUpdateRollback"),
            _ => {}
        }
        if op.created {
            let since_event = newest_event(&name, &region)?;
            remember(&name, &region, Operation { since_event, ..Default::default() });
            return simple("DeleteStack");
        }
        match op.previous {
            Some(_) if op.no_changes => Ok(()),
            Some((template, parameters)) => {
                let since_event = newest_event(&name, &region)?;
                let before = Stack { name: name.clone(), region: region.clone(), template, parameters };
                call_only(&region, "UpdateStack", &template_params(&before)?)?;
                remember(&name, &region, Operation { since_event, ..Default::default() });
                Ok(())
            }
            None => Err(format!("nothing to roll back: this deployer started no operation on {name} in {region}")),
        }
    }

    fn delete(name: String, region: String) -> Result<(), String> {
        let since_event = newest_event(&name, &region)?;
        call_only(&region, "DeleteStack", &stack_params(&name))?;
        remember(&name, &region, Operation { since_event, ..Default::default() });
        Ok(())
    }

    fn read_route(alias: Alias) -> Result<Route, String> {
        STATE.with(|s| lambda::read_route(&s.borrow().client, &alias))
    }

    fn set_route(alias: Alias, route: Route) -> Result<(), String> {
        STATE.with(|s| lambda::set_route(&s.borrow().client, &alias, &route))
    }

    fn invoke(alias: Alias, payload: String) -> Result<Invocation, String> {
        STATE.with(|s| lambda::invoke(&s.borrow().client, &alias, &payload))
    }

    fn set_concurrency(function: String, region: String, reserved: Option<u32>) -> Result<(), String> {
        STATE.with(|s| lambda::set_concurrency(&s.borrow().client, &function, &region, reserved))
    }
}

lift_plugin_sdk::export_deployer!(CloudFormation);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stack status CloudFormation documents, as a deployer reports it.
    #[test]
    fn maps_every_stack_status() {
        let expect = [
            ("CREATE_IN_PROGRESS", StackStatus::InProgress),
            ("CREATE_FAILED", StackStatus::Failed),
            ("CREATE_COMPLETE", StackStatus::Complete),
            ("ROLLBACK_IN_PROGRESS", StackStatus::InProgress),
            ("ROLLBACK_FAILED", StackStatus::Failed),
            ("ROLLBACK_COMPLETE", StackStatus::RolledBack),
            ("DELETE_IN_PROGRESS", StackStatus::InProgress),
            ("DELETE_FAILED", StackStatus::Failed),
            ("DELETE_COMPLETE", StackStatus::Deleted),
            ("UPDATE_IN_PROGRESS", StackStatus::InProgress),
            ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", StackStatus::InProgress),
            ("UPDATE_COMPLETE", StackStatus::Complete),
            ("UPDATE_FAILED", StackStatus::Failed),
            ("UPDATE_ROLLBACK_IN_PROGRESS", StackStatus::InProgress),
            ("UPDATE_ROLLBACK_FAILED", StackStatus::Failed),
            ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", StackStatus::InProgress),
            ("UPDATE_ROLLBACK_COMPLETE", StackStatus::RolledBack),
            ("REVIEW_IN_PROGRESS", StackStatus::InProgress),
            ("IMPORT_IN_PROGRESS", StackStatus::InProgress),
            ("IMPORT_COMPLETE", StackStatus::Complete),
            ("IMPORT_ROLLBACK_IN_PROGRESS", StackStatus::InProgress),
            ("IMPORT_ROLLBACK_FAILED", StackStatus::Failed),
            ("IMPORT_ROLLBACK_COMPLETE", StackStatus::RolledBack),
        ];
        for (text, status) in expect {
            assert_eq!(status_of(text), status, "{text}");
        }
    }
}
