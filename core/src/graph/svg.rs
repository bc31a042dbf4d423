//! The resource graph as an SVG picture: resources in columns by depth (a
//! resource stands right of everything it depends on), an arrow from each
//! dependency to its dependent, each box colored by its AWS service.

use super::Graph;
use crate::markup::escape as esc;
use std::collections::BTreeMap;
use std::fmt::Write;

const BOX_W: f64 = 210.0;
const BOX_H: f64 = 34.0;
const COL: f64 = 260.0;
const ROW: f64 = 46.0;
const TOP: f64 = 56.0;
const LEFT: f64 = 20.0;

/// A fill per service, so the eye finds the functions, the tables, the network.
fn fill(type_name: &str) -> &'static str {
    match type_name.split("::").nth(1).unwrap_or_default() {
        "Lambda" => "#fde7c8",
        "DynamoDB" => "#dbe8fb",
        "ApiGatewayV2" => "#e6dcf7",
        "IAM" => "#f7dada",
        "EC2" => "#d9f0e3",
        "SQS" | "SNS" | "Events" => "#fbe0ef",
        "CloudWatch" | "Logs" => "#eeeeee",
        "Route53" => "#d8f1f1",
        _ => "#f4f4f4",
    }
}

impl Graph {
    /// Each resource's column: 0 for one that depends on nothing, else one
    /// more than its deepest dependency. Resources on a cycle stay in column 0.
    pub fn depths(&self) -> BTreeMap<&str, usize> {
        let mut depth: BTreeMap<&str, usize> = self.nodes.keys().map(|k| (k.as_str(), 0)).collect();
        if let Ok(order) = self.topological_order() {
            for id in order {
                let d = self.nodes.get(id).map_or(0, |n| {
                    n.dependencies().iter().filter(|&&dep| dep != id).filter_map(|dep| depth.get(dep)).map(|d| d + 1).max().unwrap_or(0)
                });
                depth.insert(id, d);
            }
        }
        depth
    }

    /// The graph as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let depth = self.depths();
        let columns = depth.values().max().map_or(0, |m| m + 1);
        let mut rows: Vec<Vec<&str>> = vec![Vec::new(); columns.max(1)];
        for (id, d) in &depth {
            if let Some(col) = rows.get_mut(*d) {
                col.push(id);
            }
        }
        let tallest = rows.iter().map(Vec::len).max().unwrap_or(0);
        let width = LEFT * 2.0 + COL * (columns.max(1) as f64 - 1.0) + BOX_W;
        let height = TOP + ROW * tallest as f64 + 20.0;
        let mut at: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (c, col) in rows.iter().enumerate() {
            for (r, id) in col.iter().enumerate() {
                at.insert(id, (LEFT + COL * c as f64, TOP + ROW * r as f64));
            }
        }
        let mut s = String::with_capacity(256 * self.nodes.len() + 1024);
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="11">
<title>{title}</title>
<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="24" font-size="14" font-weight="600">{app} in {region}: {n} resources</text>
<text x="{LEFT}" y="42" fill="#555">arrows point from what a resource needs to the resource</text>
"##,
            title = esc(&format!("{} {} resource graph", self.app, self.region)),
            app = esc(&self.app),
            region = esc(&self.region),
            n = self.nodes.len(),
        );
        for (id, node) in &self.nodes {
            let Some(&(x2, y2)) = at.get(id.as_str()) else { continue };
            for dep in node.dependencies() {
                let Some(&(x1, y1)) = at.get(dep).filter(|_| dep != id) else { continue };
                let (sx, sy, ex, ey) = (x1 + BOX_W, y1 + BOX_H / 2.0, x2, y2 + BOX_H / 2.0);
                let mid = (sx + ex) / 2.0;
                let _ = writeln!(
                    s,
                    r##"<path class="edge" data-from="{}" data-to="{}" d="M{sx},{sy} C{mid},{sy} {mid},{ey} {ex},{ey}" fill="none" stroke="#aaa" marker-end="url(#arrow)"/>"##,
                    esc(dep),
                    esc(id)
                );
            }
        }
        for (id, node) in &self.nodes {
            let Some(&(x, y)) = at.get(id.as_str()) else { continue };
            let type_name = crate::iac::cloudformation::type_name(&node.resource);
            let _ = writeln!(
                s,
                r##"<g class="node" data-id="{id}"><title>{id} ({t}) from {origin}</title><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="5" fill="{fill}" stroke="#999"/><text x="{tx}" y="{ty1}" font-weight="600">{id}</text><text x="{tx}" y="{ty2}" fill="#555">{t}</text></g>"##,
                id = esc(id),
                t = esc(type_name),
                origin = esc(&node.origin),
                fill = fill(type_name),
                tx = x + 8.0,
                ty1 = y + 14.0,
                ty2 = y + 27.0,
            );
        }
        s.push_str("</svg>\n");
        s
    }
}
