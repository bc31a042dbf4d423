//! A metrics reader for CloudWatch: `GetMetricData` through the Query API,
//! every page of it, signed with SigV4; through the host's HTTP capability.

use std::cell::RefCell;

use lift_plugin_sdk::aws::query::{self, Api, Client, find, members, text_of};
use lift_plugin_sdk::aws::{iso8601, parse_iso8601};
use lift_plugin_sdk::metrics::http::{self, Header};
use lift_plugin_sdk::metrics::{Guest, MetricQuery, Series};

/// CloudWatch's Query API (its endpoint and signing name are `monitoring`).
pub const CLOUDWATCH: Api = Api { service: "monitoring", version: "2010-08-01" };
/// `GetMetricData` takes at most 500 queries in one call.
pub const MAX_QUERIES: usize = 500;
/// Pages read before giving up: a bound on what one fetch may cost.
const MAX_PAGES: usize = 100;

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

/// The form parameters of one `GetMetricData` page.
pub fn params(queries: &[MetricQuery], start_ms: u64, end_ms: u64, step_ms: u32, token: Option<&str>) -> Vec<(String, String)> {
    let period = (step_ms / 1000).max(1).to_string();
    let mut p = vec![
        ("StartTime".to_string(), iso8601(start_ms)),
        ("EndTime".to_string(), iso8601(end_ms)),
        ("ScanBy".to_string(), "TimestampAscending".to_string()),
    ];
    for (i, q) in queries.iter().enumerate() {
        let at = format!("MetricDataQueries.member.{}", i + 1);
        p.push((format!("{at}.Id"), q.id.clone()));
        p.push((format!("{at}.MetricStat.Metric.Namespace"), q.namespace.clone()));
        p.push((format!("{at}.MetricStat.Metric.MetricName"), q.name.clone()));
        for (j, (name, value)) in q.dimensions.iter().enumerate() {
            p.push((format!("{at}.MetricStat.Metric.Dimensions.member.{}.Name", j + 1), name.clone()));
            p.push((format!("{at}.MetricStat.Metric.Dimensions.member.{}.Value", j + 1), value.clone()));
        }
        p.push((format!("{at}.MetricStat.Period"), period.clone()));
        p.push((format!("{at}.MetricStat.Stat"), q.stat.clone()));
    }
    if let Some(t) = token {
        p.push(("NextToken".to_string(), t.to_string()));
    }
    p
}

/// One page's series (added to `out`, by ID) and its next token.
pub fn read_page(doc: &roxmltree::Document, out: &mut Vec<Series>) -> Result<Option<String>, String> {
    let result = find(doc, "GetMetricDataResult").ok_or("the answer has no GetMetricDataResult")?;
    for m in members(result, "MetricDataResults") {
        let id = text_of(m, "Id").unwrap_or_default();
        let times: Vec<String> = members(m, "Timestamps").iter().map(|t| t.text().unwrap_or_default().to_string()).collect();
        let values: Vec<String> = members(m, "Values").iter().map(|v| v.text().unwrap_or_default().to_string()).collect();
        if times.len() != values.len() {
            return Err(format!("series `{id}` has {} timestamps and {} values", times.len(), values.len()));
        }
        let series = match out.iter_mut().position(|s| s.id == id) {
            Some(i) => out.get_mut(i),
            None => {
                out.push(Series { id: id.clone(), timestamps_ms: vec![], values: vec![] });
                out.last_mut()
            }
        }
        .ok_or("unreachable")?;
        for (t, v) in times.iter().zip(&values) {
            let at = parse_iso8601(t).ok_or_else(|| format!("series `{id}`: `{t}` is not a time"))?;
            let value: f64 = v.trim().parse().map_err(|_| format!("series `{id}`: `{v}` is not a number"))?;
            series.timestamps_ms.push(at);
            series.values.push(value);
        }
    }
    Ok(text_of(result, "NextToken").filter(|t| !t.is_empty()))
}

fn send(region: &str, params: &[(String, String)]) -> Result<(u16, Vec<u8>), String> {
    let date = lift_plugin_sdk::aws::amz_date_now();
    let prepared = CLIENT.with(|c| c.borrow().prepare(CLOUDWATCH, region, "GetMetricData", params, &date));
    let request = http::Request {
        method: "POST".into(),
        url: prepared.url.clone(),
        headers: prepared.headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
        body: prepared.body.into_bytes(),
        timeout_ms: 0,
    };
    let response = http::send(&request).map_err(|e| format!("GetMetricData to {}: {e:?}", prepared.url))?;
    Ok((response.status, response.body))
}

struct CloudWatch;

impl Guest for CloudWatch {
    fn configure(settings: Vec<(String, String)>) -> Result<(), String> {
        let client = Client::from_settings(&settings, &[])?;
        CLIENT.with(|c| *c.borrow_mut() = client);
        Ok(())
    }

    fn fetch(region: String, queries: Vec<MetricQuery>, start_ms: u64, end_ms: u64, step_ms: u32) -> Result<Vec<Series>, String> {
        if queries.len() > MAX_QUERIES {
            return Err(format!("GetMetricData takes at most {MAX_QUERIES} queries; asked for {}", queries.len()));
        }
        if let Some(q) = queries.iter().find(|q| q.namespace.is_empty()) {
            return Err(format!("query `{}` names no namespace: CloudWatch reads a metric by namespace and name", q.id));
        }
        let mut out: Vec<Series> = queries.iter().map(|q| Series { id: q.id.clone(), timestamps_ms: vec![], values: vec![] }).collect();
        let mut token = None;
        for _ in 0..MAX_PAGES {
            let (status, body) = send(&region, &params(&queries, start_ms, end_ms, step_ms, token.as_deref()))?;
            let doc = query::read(status, &body).map_err(|e| e.to_string())?;
            token = read_page(&doc, &mut out)?;
            if token.is_none() {
                return Ok(out);
            }
        }
        Err(format!("GetMetricData answered more than {MAX_PAGES} pages"))
    }
}

lift_plugin_sdk::export_metrics!(CloudWatch);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly by design")]
    use super::*;

    fn q() -> MetricQuery {
        MetricQuery {
            id: "errors".into(),
            namespace: "AWS/Lambda".into(),
            name: "Errors".into(),
            dimensions: vec![("FunctionName".into(), "api".into()), ("ExecutedVersion".into(), "2".into())],
            stat: "Sum".into(),
        }
    }

    #[test]
    fn asks_as_getmetricdata_takes_it() {
        let p = params(&[q()], 1_796_637_600_000, 1_796_637_900_000, 300_000, Some("t"));
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("StartTime"), Some("2026-12-07T10:00:00Z"));
        assert_eq!(get("EndTime"), Some("2026-12-07T10:05:00Z"));
        assert_eq!(get("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value"), Some("2"));
        assert_eq!(get("MetricDataQueries.member.1.MetricStat.Period"), Some("300"));
        assert_eq!(get("MetricDataQueries.member.1.MetricStat.Stat"), Some("Sum"));
        assert_eq!(get("NextToken"), Some("t"));
        // A step under a second asks for a one-second period, CloudWatch's finest.
        let p = params(&[q()], 0, 1, 10, None);
        assert!(p.contains(&("MetricDataQueries.member.1.MetricStat.Period".into(), "1".into())));
    }

    #[test]
    fn reads_pages_into_series() {
        let xml = br#"<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult><MetricDataResults><member><Id>errors</Id><Label>Errors</Label><Timestamps><member>2026-12-07T10:00:00Z</member><member>2026-12-07T10:01:00.000Z</member></Timestamps><Values><member>3.0</member><member>1</member></Values><StatusCode>Complete</StatusCode></member></MetricDataResults><NextToken>next</NextToken></GetMetricDataResult></GetMetricDataResponse>"#;
        let doc = query::read(200, xml).unwrap();
        let mut out = vec![];
        assert_eq!(read_page(&doc, &mut out).unwrap().as_deref(), Some("next"));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].timestamps_ms, vec![1_796_637_600_000, 1_796_637_660_000]);
        assert_eq!(out[0].values, vec![3.0, 1.0]);
        let bad = br#"<R><GetMetricDataResult><MetricDataResults><member><Id>x</Id><Timestamps><member>yesterday</member></Timestamps><Values><member>1</member></Values></member></MetricDataResults></GetMetricDataResult></R>"#;
        let doc = query::read(200, bad).unwrap();
        assert_eq!(read_page(&doc, &mut vec![]).unwrap_err(), "series `x`: `yesterday` is not a time");
    }
}
