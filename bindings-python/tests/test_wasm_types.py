"""The browser module's TypeScript declarations (generated from the Rust types
by tsify) type-check real use with TypeScript's own compiler, strict, and are
not `any`: a misuse must fail to compile."""

import json
import shutil
import subprocess
from pathlib import Path

import lift
from conftest import node_modules

USAGE = """
import init, { validate, synth, plan, graph, schema, formats, type Diagnostic, type Synthesized, type Checked } from "./pkg/lift_wasm.js";

await init();
const checked: Checked = validate("app: x");
const first: Diagnostic | undefined = checked.diagnostics[0];
const line: number | undefined = first?.location?.line;
const severity: "error" | "warning" | undefined = first?.severity;
const out: Synthesized = synth("app: x", "cloudformation");
const paths: string[] = out.files.map((f) => f.path);
const warned: string[] = out.warnings.map((w) => `${w.code}: ${w.message}`);
const p = plan("app: x");
const pictures: string[] = [p.svg, p.text, graph("app: x", "us-east-1"), schema(), ...formats()];
// @ts-expect-error: a file has no size; were the types `any`, this would compile
out.files[0].size;
// @ts-expect-error: a diagnostic's line is a number, not a string
const wrong: string = first!.location!.line;
export { line, severity, paths, warned, pictures, wrong };
"""


def test_the_typescript_declarations_check_real_use(tmp_path):
    pkg = Path(lift.__file__).parent / "preview" / "pkg"
    assert (pkg / "lift_wasm.d.ts").exists(), "the preview page is not installed (scripts/build-web)"
    shutil.copytree(pkg, tmp_path / "pkg")
    (tmp_path / "usage.ts").write_text(USAGE)
    config = {"compilerOptions": {"strict": True, "noEmit": True, "target": "es2022", "module": "es2022", "moduleResolution": "bundler", "lib": ["es2022", "dom"]}, "files": ["usage.ts"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    tsc = node_modules() / "typescript" / "bin" / "tsc"
    r = subprocess.run(["node", str(tsc), "-p", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    # And a plain misuse fails, naming the property.
    (tmp_path / "usage.ts").write_text(USAGE.replace("// @ts-expect-error: a file has no size; were the types `any`, this would compile\n", ""))
    r = subprocess.run(["node", str(tsc), "-p", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "size" in r.stdout, r.stdout + r.stderr
