//! The plan as an SVG picture: one lane per region, time across; each step a
//! bar as tall as its traffic weight, gates as diamonds at the end of a bake,
//! waves separated by dashed lines.

use super::plan::{Action, Plan};
use crate::markup::escape as esc;
use crate::spec::units::Duration;
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 74.0;
const LANE: f64 = 44.0;
const BAR: f64 = 30.0;

impl Plan {
    /// The plan as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let regions: Vec<&String> = self.waves.iter().flat_map(|w| w.regions.iter()).collect();
        let height = TOP + LANE * regions.len() as f64 + 48.0;
        let total = self.fastest_promotion.as_millis().max(1) as f64;
        let x = |ms: u64| LEFT + (WIDTH - LEFT - RIGHT) * (ms as f64) / total;
        let lane = |r: &str| regions.iter().position(|x| x.as_str() == r).unwrap_or(0) as f64;
        let mut s = String::with_capacity(8 * 1024);
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="system-ui, sans-serif" font-size="12">
<title>{}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="22" font-size="14" font-weight="600">{} {}: {}</text>
<text x="{LEFT}" y="40" fill="#555">fastest promotion {}, worst-case rollback {}</text>
"##,
            esc(&format!("{} {} rollout plan", self.app, self.version)),
            esc(&self.app),
            esc(&self.version),
            esc(&self.strategy.describe()),
            self.fastest_promotion,
            self.worst_rollback,
        );
        for (i, r) in regions.iter().enumerate() {
            let y = TOP + LANE * i as f64;
            let _ = writeln!(s, r##"<text x="10" y="{:.1}" dominant-baseline="middle">{}</text>"##, y + LANE / 2.0, esc(r));
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#ddd"/>"##,
                y + LANE - 4.0,
                WIDTH - RIGHT,
                y + LANE - 4.0
            );
        }
        for w in &self.waves {
            let wx = x(w.start.as_millis());
            let _ = writeln!(
                s,
                r##"<line x1="{wx:.1}" y1="{:.1}" x2="{wx:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
                TOP - 6.0,
                height - 40.0
            );
            let _ = writeln!(s, r##"<text x="{:.1}" y="{:.1}" fill="#555">wave {}</text>"##, wx + 4.0, TOP - 8.0, w.index);
        }
        for step in &self.steps {
            let x0 = x(step.start.as_millis());
            let x1 = x((step.start + step.duration).as_millis()).max(x0 + 1.0);
            for r in &step.regions {
                let base = TOP + LANE * lane(r) + LANE - 4.0;
                let (h, fill, label) = match step.action {
                    Action::Deploy => (6.0, "#b0b7c3", "deploy".to_owned()),
                    Action::Shift { weight } => ((BAR * f64::from(weight.ppm()) / 1_000_000.0).max(2.0), "#3b82f6", weight.to_string()),
                };
                let _ = writeln!(
                    s,
                    r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{fill}" opacity="0.85"><title>{} {}: {} from {} for {}</title></rect>"##,
                    base - h,
                    x1 - x0,
                    esc(r),
                    step.wave,
                    esc(&label),
                    step.start - crate::time::Timestamp::ZERO,
                    step.duration
                );
                if x1 - x0 > 34.0 {
                    let _ = writeln!(
                        s,
                        r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#1e3a8a">{}</text>"##,
                        x0 + 3.0,
                        base - h - 3.0,
                        esc(&label)
                    );
                }
                if !step.checks.is_empty() {
                    let cy = base - BAR - 6.0;
                    let _ = writeln!(
                        s,
                        r##"<path d="M{x1:.1} {:.1} l5 5 l-5 5 l-5 -5 z" fill="#f59e0b"><title>gates: {}</title></path>"##,
                        cy - 5.0,
                        esc(&step.checks.join(", "))
                    );
                }
                if step.approval {
                    let _ = writeln!(
                        s,
                        r##"<circle cx="{x0:.1}" cy="{:.1}" r="5" fill="#a855f7"><title>a person approves</title></circle>"##,
                        base - BAR - 6.0
                    );
                }
            }
        }
        // A time axis with about eight ticks on round minutes.
        let axis_y = height - 36.0;
        let _ = writeln!(s, r##"<line x1="{LEFT}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" stroke="#333"/>"##, WIDTH - RIGHT);
        let minute = 60_000u64;
        let step_ms = ((self.fastest_promotion.as_millis() / 8).div_ceil(minute) * minute).max(minute);
        let mut t = 0;
        while t <= self.fastest_promotion.as_millis() {
            let tx = x(t);
            let _ = writeln!(
                s,
                r##"<line x1="{tx:.1}" y1="{axis_y:.1}" x2="{tx:.1}" y2="{:.1}" stroke="#333"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}</text>"##,
                axis_y + 5.0,
                axis_y + 18.0,
                Duration::from_millis(t)
            );
            t = t.saturating_add(step_ms);
        }
        let _ = writeln!(
            s,
            r##"<text x="{LEFT}" y="{:.1}" fill="#555" font-size="11">bars: traffic on the new version; ◆ gates; ● approval</text>"##,
            height - 4.0
        );
        s.push_str("</svg>\n");
        s
    }
}
