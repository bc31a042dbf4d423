//! Debug helper: print diagnostics and templates for a spec file.
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    match lift_core::App::from_text(&text) {
        Err(d) => d.iter().for_each(|d| println!("{}", d.render(&path))),
        Ok(app) => {
            app.validate().iter().for_each(|d| println!("{}", d.render(&path)));
            for r in app.regions() {
                match app.synth(&r, lift_core::Format::CloudFormationJson) {
                    Ok(s) => println!("--- {r}\n{}", s.text),
                    Err(e) => println!("{e}"),
                }
            }
        }
    }
}
