//! Debug helper: print diagnostics and every file of one format for a spec file.
//! `cargo run -p lift-core --example dump -- SPEC [FORMAT]`
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let format: lift_core::Format =
        args.next().as_deref().unwrap_or("cloudformation").parse().unwrap_or(lift_core::Format::CloudFormationJson);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    match lift_core::App::from_text(&text) {
        Err(d) => d.iter().for_each(|d| println!("{}", d.render(&path))),
        Ok(app) => match app.files(format) {
            Ok(out) => {
                out.warnings.iter().for_each(|d| println!("{}", d.render(&path)));
                out.files.iter().for_each(|(p, t)| println!("==> {p} <==\n{t}"));
            }
            Err(e) => println!("{e}"),
        },
    }
}
