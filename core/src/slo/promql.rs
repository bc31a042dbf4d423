//! Just enough of PromQL's lexical structure to put a foreign query over a
//! rule's window: range selectors become `[{{window}}]`, and the instant
//! selectors of a cumulative counter are wrapped in `rate(...)`. Not a parser:
//! promtool checks every rule Lift writes.

/// `rate(x[5m])` as `rate(x[{{window}}])`: every range selector becomes the
/// rule's window (Sloth's `{{.window}}` included); a subquery's `[1h:1m]` keeps
/// its resolution.
pub(crate) fn with_window(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(i) = rest.find('[') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        match tail.find(']') {
            Some(j) if !tail.get(..j).unwrap_or_default().contains(':') => {
                out.push_str("[{{window}}]");
                rest = tail.get(j + 1..).unwrap_or_default();
            }
            _ => {
                out.push('[');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the query reads a range (`x[5m]`, a subquery): it is already over a window.
pub(crate) fn has_range(query: &str) -> bool {
    let mut in_string = None;
    query.chars().any(|c| match in_string {
        Some(q) => {
            if c == q {
                in_string = None;
            }
            false
        }
        None if matches!(c, '"' | '\'' | '`') => {
            in_string = Some(c);
            false
        }
        None => c == '[',
    })
}

/// Words that are not metric names where a selector could stand.
const KEYWORDS: [&str; 14] =
    ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2"];

/// Aggregation operators, which may take `by (...)` before their parentheses.
const AGGREGATIONS: [&str; 14] = [
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

/// Keywords followed by a list of label names in parentheses, which hold no selectors.
const LABEL_LISTS: [&str; 6] = ["by", "without", "on", "ignoring", "group_left", "group_right"];

/// Every instant vector selector of `query` (`http_requests{code="5xx"}`,
/// `{__name__="x"}`) wrapped as `rate(selector[{{window}}])`: a query over
/// cumulative counters becomes one over their rate in the window, rate
/// before sum as Prometheus needs (a sum of counters drops when one resets).
pub(crate) fn rate_selectors(query: &str) -> Result<String, String> {
    let s = query.as_bytes();
    let mut out = String::with_capacity(query.len() + 32);
    let mut i = 0;
    let mut wrapped = 0;
    let text = |a: usize, b: usize| query.get(a..b).unwrap_or_default();
    while let Some(&c) = s.get(i) {
        let start = i;
        if matches!(c, b'"' | b'\'' | b'`') {
            i = skip_string(s, i);
            out.push_str(text(start, i));
        } else if c.is_ascii_digit() || (c == b'.' && s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            // A number, or a duration such as `5m` after `offset`.
            while s.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.') {
                i += 1;
            }
            out.push_str(text(start, i));
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b':' || c == b'{' {
            let mut end = i;
            while s.get(end).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b':') {
                end += 1;
            }
            let word = text(i, end);
            let mut next = end;
            while s.get(next).is_some_and(u8::is_ascii_whitespace) {
                next += 1;
            }
            let lower = word.to_ascii_lowercase();
            if LABEL_LISTS.contains(&lower.as_str()) && s.get(next) == Some(&b'(') {
                // `by (code)`: label names, not selectors.
                let close = query.get(next..).and_then(|t| t.find(')')).map_or(s.len(), |j| next + j + 1);
                out.push_str(text(start, close));
                i = close;
            } else if !word.is_empty()
                && (s.get(next) == Some(&b'(') || KEYWORDS.contains(&lower.as_str()) || AGGREGATIONS.contains(&lower.as_str()))
            {
                // A function, an aggregation or an operator word.
                out.push_str(word);
                i = end;
            } else {
                // A selector: the name, then its matchers if any.
                let mut stop = end;
                let brace = if word.is_empty() { Some(i) } else { (s.get(next) == Some(&b'{')).then_some(next) };
                if let Some(b) = brace {
                    stop = skip_braces(s, b).ok_or_else(|| format!("`{query}` has an unclosed `{{`"))?;
                }
                out.push_str("rate(");
                out.push_str(text(start, stop));
                out.push_str("[{{window}}])");
                wrapped += 1;
                i = stop;
            }
        } else {
            let len = query.get(i..).and_then(|t| t.chars().next()).map_or(1, char::len_utf8);
            i += len;
            out.push_str(text(start, i));
        }
    }
    if wrapped == 0 {
        return Err(format!("`{query}` selects no series to take the rate of"));
    }
    Ok(out)
}

fn skip_string(s: &[u8], open: usize) -> usize {
    let quote = s.get(open).copied();
    let mut i = open + 1;
    while let Some(&c) = s.get(i) {
        i += 1;
        if c == b'\\' && quote != Some(b'`') {
            i += 1;
        } else if Some(c) == quote {
            break;
        }
    }
    i.min(s.len())
}

/// The index just past the `}` closing the `{` at `open`.
fn skip_braces(s: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while let Some(&c) = s.get(i) {
        match c {
            b'"' | b'\'' | b'`' => i = skip_string(s, i),
            b'}' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_take_their_rate_before_the_sum() {
        let q = r#"sum(http_requests{k8s_cluster="prod",code=~"2xx|4xx"})"#;
        assert_eq!(rate_selectors(q).as_deref(), Ok(r#"sum(rate(http_requests{k8s_cluster="prod",code=~"2xx|4xx"}[{{window}}]))"#));
        assert_eq!(rate_selectors("x").as_deref(), Ok("rate(x[{{window}}])"));
        assert_eq!(
            rate_selectors(r#"sum by (code) (a{l="}{"}) / ignoring(code) group_left sum(b) offset 5m"#).as_deref(),
            Ok(r#"sum by (code) (rate(a{l="}{"}[{{window}}])) / ignoring(code) group_left sum(rate(b[{{window}}])) offset 5m"#)
        );
        assert_eq!(rate_selectors(r#"{__name__="x"} * 2"#).as_deref(), Ok(r#"rate({__name__="x"}[{{window}}]) * 2"#));
        assert!(rate_selectors("sum(1)").is_err());
        assert!(rate_selectors("x{a=\"1\"").is_err());
    }

    #[test]
    fn ranges_become_the_window() {
        assert!(has_range("rate(x[5m])") && !has_range(r#"x{a="[5m]"}"#));
        assert_eq!(with_window("rate(x[{{.window}}])"), "rate(x[{{window}}])");
        assert_eq!(with_window("max_over_time(x[1h:1m])"), "max_over_time(x[1h:1m])");
    }
}
