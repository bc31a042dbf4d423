//! Runs one operation many times, for a profiler:
//! `profile synth|validate|parse|render[500] [n] [format]`, format as `lift synth --format`.
use lift_benches::{Counting, SHOP, generated_spec};

#[global_allocator]
static ALLOC: Counting = Counting;
use lift_core::{App, Format};

fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "synth".into());
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let text = if what.ends_with("500") { generated_spec(50) } else { SHOP.to_owned() };
    let format: Format = std::env::args().nth(3).and_then(|s| s.parse().ok()).unwrap_or(Format::CloudFormationJson);
    let Ok(app) = App::from_text(&text) else { return };
    let graph = app.graph("us-east-1").ok();
    let mut total = 0;
    for _ in 0..n {
        total += match what.trim_end_matches("500") {
            "validate" => app.validate().len(),
            "parse" => App::from_text(&text).map(|a| a.regions().len()).unwrap_or(0),
            "render" => graph.as_ref().map_or(0, |g| lift_benches::render(g, format)),
            _ => app.synth("us-east-1", format).map(|s| s.text.len()).unwrap_or(0),
        };
    }
    println!("{total}");
}
