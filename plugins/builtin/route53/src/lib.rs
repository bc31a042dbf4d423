//! A DNS router for Route 53: reads a name's records per region and moves its
//! traffic by rewriting them in one atomic change batch, through the host's
//! HTTP capability, signed with SigV4 (Route 53 is global: it signs as
//! `us-east-1`).
//!
//! Failover records send all traffic to one region: the region given the
//! largest share becomes `PRIMARY`, every other `SECONDARY`. Weighted records
//! take the shares as weights out of 255. A record is rewritten from its own
//! XML with only its role or weight changed, so its alias target, health
//! check and TTL stay as the stack made them.

use std::cell::RefCell;

use lift_plugin_sdk::aws::query::{self, Client};
use lift_plugin_sdk::aws::{Call, amz_date_now};
use lift_plugin_sdk::dns::http::{self, Header};
use lift_plugin_sdk::dns::{Guest, RegionRecord};

/// Route 53's API version, in every path.
const PATH: &str = "/2013-04-01/hostedzone";
const XMLNS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";
/// The largest weight Route 53 takes.
const MAX_WEIGHT: u64 = 255;
const PPM: u64 = 1_000_000;

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

/// A record of the name as Route 53 holds it, with its XML to rewrite it from.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Its set identifier: the region.
    pub region: String,
    /// `PRIMARY` or `SECONDARY`, for a failover record.
    pub failover: Option<String>,
    /// Its weight, for a weighted record.
    pub weight: Option<u64>,
    /// Where it points.
    pub target: String,
    /// Its health check.
    pub health_check: Option<String>,
    /// Its child elements, verbatim, in order.
    pub children: Vec<(String, String)>,
}

/// The zone's ID as the API's paths take it (`Z123`, from `/hostedzone/Z123` too), checked.
pub fn zone_id(zone: &str) -> Result<&str, String> {
    let id = zone.trim_start_matches("/hostedzone/");
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("`{zone}` is not a hosted zone ID"));
    }
    Ok(id)
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// The records of `name` in a `ListResourceRecordSets` answer that carry a set identifier.
pub fn read_records(text: &str, name: &str) -> Result<(Vec<Found>, bool), String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("the answer is not XML: {e}"))?;
    let mut out = vec![];
    for set in doc.descendants().filter(|n| n.has_tag_name("ResourceRecordSet")) {
        let child = |tag: &str| set.children().find(|c| c.has_tag_name(tag));
        let text_of = |tag: &str| child(tag).and_then(|c| c.text()).map(str::to_owned);
        if !text_of("Name").is_some_and(|n| same_name(&n, name)) {
            continue;
        }
        let Some(region) = text_of("SetIdentifier") else { continue };
        let weight = match text_of("Weight") {
            Some(w) => Some(w.trim().parse::<u64>().map_err(|_| format!("record `{region}`: weight `{w}` is not a number"))?),
            None => None,
        };
        let target = child("AliasTarget")
            .and_then(|a| a.children().find(|c| c.has_tag_name("DNSName")))
            .and_then(|d| d.text())
            .map(str::to_owned)
            .or_else(|| set.descendants().find(|n| n.has_tag_name("Value")).and_then(|v| v.text()).map(str::to_owned))
            .unwrap_or_default();
        let children = set
            .children()
            .filter(roxmltree::Node::is_element)
            .map(|c| (c.tag_name().name().to_owned(), text.get(c.range()).unwrap_or_default().to_owned()))
            .collect();
        out.push(Found { region, failover: text_of("Failover"), weight, target, health_check: text_of("HealthCheckId"), children });
    }
    let truncated = doc.descendants().find(|n| n.has_tag_name("IsTruncated")).and_then(|n| n.text()) == Some("true");
    Ok((out, truncated))
}

/// Each region's share of the answers (ppm), as the records route now.
pub fn shares(found: &[Found]) -> Vec<RegionRecord> {
    let total: u64 = found.iter().filter_map(|f| f.weight).sum();
    found
        .iter()
        .map(|f| {
            let weight_ppm = match (&f.failover, f.weight) {
                (Some(role), _) if role == "PRIMARY" => PPM,
                (Some(_), _) => 0,
                (None, Some(w)) if total > 0 => w * PPM / total,
                _ => 0,
            };
            RegionRecord {
                region: f.region.clone(),
                weight_ppm: u32::try_from(weight_ppm).unwrap_or(u32::MAX),
                target: f.target.clone(),
                health_check: f.health_check.clone(),
            }
        })
        .collect()
}

/// The records rewritten to route so (only those that change), or why not.
pub fn rewrite(found: &[Found], weights: &[(String, u32)]) -> Result<Vec<Found>, String> {
    if found.is_empty() {
        return Err("the name has no records with a set identifier (failover or weighted) to route between".into());
    }
    if let Some((r, _)) = weights.iter().find(|(r, _)| !found.iter().any(|f| f.region == *r)) {
        let known: Vec<&str> = found.iter().map(|f| f.region.as_str()).collect();
        return Err(format!("no record routes to region `{r}` (the name's records: {})", known.join(", ")));
    }
    let share = |region: &str| weights.iter().filter(|(r, _)| r == region).map(|(_, w)| u64::from(*w)).sum::<u64>();
    let primary = weights.iter().filter(|(_, w)| *w > 0).max_by_key(|(_, w)| *w).map(|(r, _)| r.clone());
    let mut out = vec![];
    for f in found {
        let mut new = f.clone();
        if f.failover.is_some() {
            let Some(primary) = &primary else { return Err("failover records need one region with a share".into()) };
            new.failover = Some(if f.region == *primary { "PRIMARY" } else { "SECONDARY" }.into());
        } else if f.weight.is_some() {
            let s = share(&f.region);
            // A region with any share keeps at least weight 1: rounding must not take it out.
            new.weight = Some(if s == 0 { 0 } else { (s * MAX_WEIGHT).div_ceil(PPM).clamp(1, MAX_WEIGHT) });
        } else {
            return Err(format!("record `{}` is neither a failover nor a weighted record", f.region));
        }
        if new != *f {
            out.push(new);
        }
    }
    Ok(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The `ChangeResourceRecordSets` body that UPSERTs `records`, each from its own XML.
pub fn change_batch(records: &[Found], comment: &str) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest xmlns=\"{XMLNS}\"><ChangeBatch><Comment>{}</Comment><Changes>",
        escape(comment)
    );
    for r in records {
        xml.push_str("<Change><Action>UPSERT</Action><ResourceRecordSet>");
        for (tag, verbatim) in &r.children {
            match tag.as_str() {
                "Failover" => xml.push_str(&format!("<Failover>{}</Failover>", r.failover.as_deref().unwrap_or_default())),
                "Weight" => xml.push_str(&format!("<Weight>{}</Weight>", r.weight.unwrap_or_default())),
                _ => xml.push_str(verbatim),
            }
        }
        xml.push_str("</ResourceRecordSet></Change>");
    }
    xml.push_str("</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
    xml
}

fn send(method: &str, path_and_query: &str, body: Vec<u8>) -> Result<String, String> {
    let url = CLIENT.with(|c| {
        let c = c.borrow();
        let base =
            if c.endpoint.is_empty() { "https://route53.amazonaws.com".to_owned() } else { c.endpoint.trim_end_matches('/').to_owned() };
        format!("{base}{path_and_query}")
    });
    let call = Call { method, url: &url, region: "us-east-1", service: "route53" };
    let headers = CLIENT.with(|c| c.borrow().signed(&call, &[("content-type", "text/xml")], &body, &amz_date_now()));
    let request = http::Request {
        method: method.into(),
        url: url.clone(),
        headers: headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
        body,
        timeout_ms: 0,
    };
    let response = http::send(&request).map_err(|e| format!("{method} {url}: {e:?}"))?;
    // Route 53's errors are `<ErrorResponse><Error><Code>..` like the Query APIs'.
    query::read(response.status, &response.body).map_err(|e| format!("{method} {url}: {e}"))?;
    String::from_utf8(response.body).map_err(|_| format!("{method} {url}: the answer is not UTF-8"))
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn list(zone: &str, name: &str) -> Result<Vec<Found>, String> {
    let id = zone_id(zone)?;
    // `name` and `type` start the listing at the name; its records come first, in order.
    let text = send("GET", &format!("{PATH}/{id}/rrset?name={}&type=A", encode(name)), vec![])?;
    let (found, truncated) = read_records(&text, name)?;
    if truncated && found.len() >= 300 {
        return Err(format!("`{name}` has more records than one page holds"));
    }
    Ok(found)
}

struct Route53;

impl Guest for Route53 {
    fn configure(settings: Vec<(String, String)>) -> Result<(), String> {
        let client = Client::from_settings(&settings, &[])?;
        CLIENT.with(|c| *c.borrow_mut() = client);
        Ok(())
    }

    fn read_records(zone: String, name: String) -> Result<Vec<RegionRecord>, String> {
        Ok(shares(&list(&zone, &name)?))
    }

    fn route(zone: String, name: String, weights: Vec<(String, u32)>) -> Result<(), String> {
        let changes = rewrite(&list(&zone, &name)?, &weights)?;
        if changes.is_empty() {
            return Ok(());
        }
        let said: Vec<String> = weights.iter().map(|(r, w)| format!("{r} {}%", f64::from(*w) / 10_000.0)).collect();
        let body = change_batch(&changes, &format!("lift: route {name} to {}", said.join(", ")));
        send("POST", &format!("{PATH}/{}/rrset/", zone_id(&zone)?), body.into_bytes())?;
        Ok(())
    }
}

lift_plugin_sdk::export_dns!(Route53);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;

    const LISTED: &str = r#"<?xml version="1.0"?>
<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets>
<ResourceRecordSet><Name>api.shop.example.com.</Name><Type>A</Type><SetIdentifier>us-east-1</SetIdentifier><Failover>PRIMARY</Failover><AliasTarget><HostedZoneId>Z1UJRXOUMOOFQ8</HostedZoneId><DNSName>d-1.execute-api.us-east-1.amazonaws.com</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget><HealthCheckId>hc-1</HealthCheckId></ResourceRecordSet>
<ResourceRecordSet><Name>api.shop.example.com.</Name><Type>A</Type><SetIdentifier>eu-west-1</SetIdentifier><Failover>SECONDARY</Failover><AliasTarget><HostedZoneId>Z1UJRXOUMOOFQ8</HostedZoneId><DNSName>d-2.execute-api.eu-west-1.amazonaws.com</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget><HealthCheckId>hc-2</HealthCheckId></ResourceRecordSet>
<ResourceRecordSet><Name>other.shop.example.com.</Name><Type>A</Type><SetIdentifier>x</SetIdentifier><Weight>1</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>1.2.3.4</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>"#;

    #[test]
    fn reads_the_names_failover_records_and_nothing_else() {
        let (found, truncated) = read_records(LISTED, "API.shop.example.com").unwrap();
        assert!(!truncated);
        let s = shares(&found);
        assert_eq!(s.iter().map(|r| (r.region.as_str(), r.weight_ppm)).collect::<Vec<_>>(), [("us-east-1", 1_000_000), ("eu-west-1", 0)]);
        assert_eq!(s[1].target, "d-2.execute-api.eu-west-1.amazonaws.com");
        assert_eq!(s[0].health_check.as_deref(), Some("hc-1"));
    }

    #[test]
    fn failing_over_swaps_the_roles_and_keeps_everything_else() {
        let (found, _) = read_records(LISTED, "api.shop.example.com").unwrap();
        let changes = rewrite(&found, &[("eu-west-1".into(), 1_000_000)]).unwrap();
        assert_eq!(changes.len(), 2);
        let xml = change_batch(&changes, "a <drill> & more");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let sets: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("ResourceRecordSet")).collect();
        let get = |i: usize, tag: &str| sets[i].descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).unwrap().to_owned();
        assert_eq!((get(0, "SetIdentifier"), get(0, "Failover")), ("us-east-1".into(), "SECONDARY".into()));
        assert_eq!((get(1, "SetIdentifier"), get(1, "Failover")), ("eu-west-1".into(), "PRIMARY".into()));
        assert_eq!(get(1, "HealthCheckId"), "hc-2");
        assert_eq!(get(1, "DNSName"), "d-2.execute-api.eu-west-1.amazonaws.com");
        assert_eq!(doc.descendants().find(|n| n.has_tag_name("Comment")).and_then(|n| n.text()), Some("a <drill> & more"));
        // Already so: nothing to change.
        assert!(rewrite(&found, &[("us-east-1".into(), 1_000_000)]).unwrap().is_empty());
        // A gradual step keeps the larger share's region primary.
        assert!(rewrite(&found, &[("us-east-1".into(), 100_000), ("eu-west-1".into(), 900_000)]).unwrap().len() == 2);
    }

    #[test]
    fn weighted_records_take_the_shares_out_of_255_and_unknown_regions_are_refused() {
        let listed = LISTED
            .replace("<Failover>PRIMARY</Failover>", "<Weight>255</Weight>")
            .replace("<Failover>SECONDARY</Failover>", "<Weight>0</Weight>");
        let (found, _) = read_records(&listed, "api.shop.example.com").unwrap();
        let changes = rewrite(&found, &[("us-east-1".into(), 500_000), ("eu-west-1".into(), 500_000)]).unwrap();
        assert_eq!(changes.iter().map(|c| c.weight).collect::<Vec<_>>(), [Some(128), Some(128)]);
        let tiny = rewrite(&found, &[("us-east-1".into(), 999_000), ("eu-west-1".into(), 1_000)]).unwrap();
        assert_eq!(tiny.iter().find(|c| c.region == "eu-west-1").unwrap().weight, Some(1));
        let err = rewrite(&found, &[("ap-south-1".into(), 1_000_000)]).unwrap_err();
        assert_eq!(err, "no record routes to region `ap-south-1` (the name's records: us-east-1, eu-west-1)");
        assert!(zone_id("/hostedzone/Z0SHOP").is_ok() && zone_id("../x").is_err());
    }
}
