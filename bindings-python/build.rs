//! What `lift` needs at run time besides the extension, built into the
//! Python package when the package is built (maturin turns on the `package`
//! feature): the shipped plugins (`lift/plugins/`, by `scripts/build-plugins`)
//! and the preview page (`lift/preview/`, by `scripts/build-web`).
//!
//! From a checkout they are built when missing or older than their sources,
//! so `pip install ./bindings-python`, `pip wheel`, `maturin build` on a
//! fresh clone give a complete package. From an sdist (no sources beside it)
//! they must already be in the package, as `maturin sdist` includes them;
//! when they are not, the build stops and says what to do, so a package that
//! would break at run time is never made. The nested builds use their own
//! cargo target directory: the outer build holds its own directory's lock.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn main() {
    if std::env::var_os("CARGO_FEATURE_PACKAGE").is_none() {
        return;
    }
    if let Err(e) = package() {
        println!("cargo::error={e}");
    }
}

/// The plugins the package ships, by manifest name: an sdist has no
/// `plugins/builtin` to list them from, so they are named here, and a
/// checkout's build fails if the two disagree.
const SHIPPED: [&str; 6] = ["business-hours", "cloudformation", "cloudwatch", "http-prober", "route53", "webhook"];

fn package() -> Result<(), String> {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let root = here.parent().ok_or("the crate has no parent directory")?.to_path_buf();
    // A checkout keeps the Python package beside this crate; maturin's sdist puts it at the top.
    let lift =
        [here.join("python/lift"), root.join("python/lift")].into_iter().find(|p| p.is_dir()).unwrap_or_else(|| here.join("python/lift"));
    let plugin_sources = [root.join("plugins/builtin"), root.join("plugins/sdk"), root.join("plugins/wit")];
    let page_sources = [
        root.join("core/src"),
        root.join("bindings-wasm/src"),
        root.join("bindings-wasm/web/index.html"),
        root.join("bindings-wasm/web/app.js"),
        root.join("bindings-wasm/web/style.css"),
        root.join("examples"),
    ];
    for p in plugin_sources.iter().chain(&page_sources) {
        println!("cargo::rerun-if-changed={}", p.display());
    }
    let checkout = root.join("scripts/build-plugins").is_file() && root.join("plugins/builtin").is_dir();
    if checkout {
        let mut names = builtin_names(&root);
        names.sort();
        if names != SHIPPED {
            return Err(format!("plugins/builtin holds {names:?}, but build.rs ships {SHIPPED:?}: make them agree"));
        }
    }
    let plugins: Vec<PathBuf> = SHIPPED
        .iter()
        .flat_map(|n| [lift.join("plugins").join(format!("{n}.wasm")), lift.join("plugins").join(format!("{n}.toml"))])
        .collect();
    let page = [lift.join("preview/index.html"), lift.join("preview/pkg/lift_wasm_bg.wasm")];
    if !checkout {
        let missing: Vec<String> = plugins.iter().chain(&page).filter(|p| !p.is_file()).map(|p| p.display().to_string()).collect();
        return if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "this source package lacks what `lift` needs at run time ({}); build it from a checkout of Lift, \
                 where the build makes them (it needs Rust through rustup and bash)",
                missing.join(", ")
            ))
        };
    }
    let target = std::env::var_os("LIFT_ASSETS_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| outer_target().join("lift-assets"));
    if stale(&plugins, &plugin_sources) {
        run(&root, "scripts/build-plugins", &target)?;
    }
    if stale(&page, &page_sources) {
        run(&root, "scripts/build-web", &target)?;
    }
    Ok(())
}

/// The manifest name of every plugin under `plugins/builtin`.
fn builtin_names(root: &Path) -> Vec<String> {
    let Ok(dirs) = std::fs::read_dir(root.join("plugins/builtin")) else { return vec![] };
    dirs.flatten()
        .filter_map(|dir| {
            let manifest = std::fs::read_to_string(dir.path().join("plugin.toml")).ok()?;
            manifest.lines().find_map(|l| l.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')).map(str::to_owned))
        })
        .collect()
}

/// Whether any of `outputs` is missing or older than the newest file under `sources`.
fn stale(outputs: &[PathBuf], sources: &[PathBuf]) -> bool {
    let oldest = outputs.iter().map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok()).min().flatten();
    let Some(oldest) = oldest else { return true };
    sources.iter().filter_map(|s| newest(s)).any(|t| t > oldest)
}

fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path).ok()?.flatten().filter(|e| e.file_name() != "target").filter_map(|e| newest(&e.path())).max()
}

/// The outer build's target directory: OUT_DIR is `<target>/[<triple>/]<profile>/build/<crate>-<hash>/out`.
fn outer_target() -> PathBuf {
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t);
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let mut up = out.ancestors().nth(4).unwrap_or(&out).to_path_buf();
    let triple = std::env::var("TARGET").unwrap_or_default();
    if up.file_name().is_some_and(|n| n.to_string_lossy() == triple) {
        up.pop();
    }
    up
}

fn run(root: &Path, script: &str, target: &Path) -> Result<(), String> {
    println!("cargo::warning=building what the package ships: {script} (once; cargo target directory {})", target.display());
    let mut cmd = Command::new("bash");
    cmd.arg(root.join(script)).current_dir(root).env("CARGO_TARGET_DIR", target);
    // The outer build's flags and jobserver are for the extension, not for these builds.
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS", "CARGO_BUILD_TARGET", "RUSTC_WRAPPER"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().map_err(|e| format!("{script} could not start ({e}): building the package needs bash"))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = said.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
    let hint = if said.contains("rustup") || said.contains("wasm32") {
        " (it needs Rust through rustup, which adds the wasm32-wasip2 and wasm32-unknown-unknown targets)"
    } else {
        ""
    };
    Err(format!("{script} failed{hint}:\n{}", tail.join("\n")))
}
