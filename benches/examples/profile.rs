//! Runs one operation many times, for a profiler:
//! `profile synth|validate|parse|loads|render[500] [n] [format]`, format as `lift synth --format`;
//! `LIFT_PROFILE_SPEC=FILE` profiles that spec instead of the shop.
use lift_benches::{Counting, SHOP, generated_spec};

#[global_allocator]
static ALLOC: Counting = Counting;
use lift_core::{App, Format};

fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "synth".into());
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    // LIFT_PROFILE_SPEC: another spec than the shop (benches/compare counts the small app's).
    let other = std::env::var("LIFT_PROFILE_SPEC").ok().and_then(|p| std::fs::read_to_string(p).ok());
    let text = if what.ends_with("500") { generated_spec(50) } else { other.unwrap_or_else(|| SHOP.to_owned()) };
    let format: Format = std::env::args().nth(3).and_then(|s| s.parse().ok()).unwrap_or(Format::CloudFormationJson);
    let Ok(app) = App::from_text(&text) else { return };
    let graph = app.graph("us-east-1").ok();
    let mut total = 0;
    for _ in 0..n {
        total += match what.trim_end_matches("500") {
            "validate" => app.validate().len(),
            "parse" => App::from_text(&text).map(|a| a.regions().len()).unwrap_or(0),
            // What `lift.loads(text).synth(...)` does: read, check, render, drop.
            "loads" => App::from_text(&text).ok().and_then(|a| a.synth("us-east-1", format).ok()).map_or(0, |s| s.text.len()),
            "render" => graph.as_ref().map_or(0, |g| lift_benches::render(g, format)),
            _ => app.synth("us-east-1", format).map(|s| s.text.len()).unwrap_or(0),
        };
    }
    println!("{total}");
}
