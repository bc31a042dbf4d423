// The preview page: the spec on the left, what Lift makes of it on the right.
// All of it is computed in this page by Lift's core compiled to WebAssembly
// (pkg/lift_wasm.js); the only requests are for this page's own files.

import init, * as lift from "./pkg/lift_wasm.js";

const TABS = [
  ["cloudformation", "CloudFormation JSON"],
  ["cloudformation-yaml", "CloudFormation YAML"],
  ["terraform", "Terraform"],
  ["terraform-json", "Terraform JSON"],
  ["pulumi", "Pulumi YAML"],
  ["cdk", "CDK app"],
  ["graph", "Resource graph"],
  ["plan", "Rollout plan"],
];

const $ = (id) => document.getElementById(id);
const spec = $("spec");
const gutter = $("gutter");
const output = $("output");
const picture = $("picture");
const fileSelect = $("file");

const state = {
  tab: "cloudformation",
  files: [], // [{path, text}] of the current output
  file: 0,
  diagnostics: [],
  failure: null, // the core's message when an operation failed without diagnostics
  regions: [],
  lastRenderMs: 0,
  lastFrameMs: 0,
  renders: 0,
  example: null,
  pickPrimary: true,
};

// What the tests and the curious read: the state, and when the page is ready.
window.__lift = { state, ready: false };

function lineOf(offset) {
  let line = 1;
  const text = spec.value;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function renderGutter() {
  const lines = spec.value.split("\n").length;
  const marks = new Map();
  for (const d of state.diagnostics) {
    if (!d.location) continue;
    const prev = marks.get(d.location.line);
    if (prev !== "error") marks.set(d.location.line, d.severity);
  }
  if (gutter.childElementCount !== lines || marks.size || gutter.querySelector(".error,.warning")) {
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= lines; i++) {
      const div = document.createElement("div");
      div.textContent = i;
      div.dataset.line = i;
      const mark = marks.get(i);
      if (mark) {
        div.className = mark;
        div.title = state.diagnostics
          .filter((d) => d.location && d.location.line === i)
          .map((d) => `${d.severity}[${d.code}]: ${d.message}`)
          .join("\n");
      }
      frag.appendChild(div);
    }
    gutter.replaceChildren(frag);
  }
  gutter.scrollTop = spec.scrollTop;
}

function goTo(line, column) {
  const lines = spec.value.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Math.max(0, (column || 1) - 1);
  spec.focus();
  spec.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(spec).lineHeight) || 18;
  spec.scrollTop = Math.max(0, (line - 5) * lineHeight);
}

function renderDiagnostics() {
  const list = $("diagnostics");
  const frag = document.createDocumentFragment();
  for (const d of state.diagnostics) {
    const li = document.createElement("li");
    li.className = d.severity;
    const where = d.location ? `${d.location.line}:${d.location.column}` : d.pointer || "(document)";
    li.dataset.line = d.location ? d.location.line : "";
    li.innerHTML = '<span class="where"></span> <span class="code"></span> <span class="message"></span>';
    li.querySelector(".where").textContent = where;
    li.querySelector(".code").textContent = `${d.severity}[${d.code}]`;
    li.querySelector(".message").textContent = d.message + (d.location && d.pointer ? ` (at ${d.pointer})` : "");
    if (d.hint) {
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = `hint: ${d.hint}`;
      li.appendChild(hint);
    }
    if (d.location) li.addEventListener("click", () => goTo(d.location.line, d.location.column));
    frag.appendChild(li);
  }
  list.replaceChildren(frag);
  const errors = state.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = state.diagnostics.length - errors;
  const status = $("status");
  status.className = errors || state.failure ? "bad" : "ok";
  status.textContent = state.failure
    ? state.failure
    : errors
      ? `${errors} error(s), ${warnings} warning(s): fix the errors to see the output`
      : `valid: ${state.regions.length} region(s) (${state.regions.join(", ")})${warnings ? `, ${warnings} warning(s)` : ""}`;
}

// Long outputs (the shop's template is 90 KB) go in blocks of lines that the
// browser lays out only when they scroll into view (CSS content-visibility):
// laying out all of it on every keystroke took 30 ms, two frames.
const BLOCK = 80;
let shown = null;
function setOutput(text) {
  if (text === shown) return;
  shown = text;
  const frag = document.createDocumentFragment();
  let start = 0;
  while (start < text.length) {
    let end = start;
    for (let n = 0; n < BLOCK && end !== -1 && end < text.length; n++) {
      end = text.indexOf("\n", end);
      if (end !== -1) end++;
    }
    if (end === -1 || end > text.length) end = text.length;
    const div = document.createElement("div");
    div.className = "block";
    div.textContent = text.slice(start, end);
    frag.appendChild(div);
    start = end;
  }
  output.replaceChildren(frag);
}

// The current output's files, in the selector, with `selected` chosen.
function setFiles(files, selected) {
  state.files = files;
  state.file = selected < files.length ? selected : 0;
  fileSelect.replaceChildren(...files.map((f, i) => new Option(f.path, i)));
  fileSelect.value = String(state.file);
  fileSelect.hidden = files.length === 0;
}

function showText(files) {
  if (state.pickPrimary) {
    // A new tab or spec opens on the primary region's file, not the first by name.
    const primary = files.findIndex((f) => f.path.includes(state.regions[0]));
    state.file = Math.max(0, primary);
    state.pickPrimary = false;
  }
  setFiles(files, state.file);
  output.hidden = false;
  picture.hidden = true;
  setOutput(files.length ? files[state.file].text : "");
}

function showPicture(svg, extra) {
  output.hidden = true;
  picture.hidden = false;
  picture.innerHTML = svg;
  if (extra) {
    const pre = document.createElement("pre");
    pre.textContent = extra;
    picture.appendChild(pre);
  }
}

// Compute the diagnostics and the current tab's output from the spec text.
function render(startedAt) {
  const text = spec.value;
  const checked = lift.validate(text);
  state.diagnostics = checked.diagnostics;
  state.failure = null;
  state.regions = checked.regions;
  const hasErrors = state.diagnostics.some((d) => d.severity === "error");
  try {
    if (hasErrors) {
      // Keep the last good output on screen, dimmed by the status line.
    } else if (state.tab === "graph") {
      // One picture per region; the file selector picks the region.
      const i = Math.min(state.file, state.regions.length - 1);
      const svg = lift.graph(text, state.regions[i]);
      setFiles(state.regions.map((r, j) => ({ path: `${checked.app}-${r}.graph.svg`, text: j === i ? svg : "" })), i);
      showPicture(svg);
    } else if (state.tab === "plan") {
      const p = lift.plan(text);
      setFiles([{ path: `${checked.app}-rollout.svg`, text: p.svg }, { path: `${checked.app}-rollout.txt`, text: p.text }], state.file);
      showPicture(p.svg, p.text);
    } else {
      showText(lift.synth(text, state.tab).files);
    }
  } catch (e) {
    // The core's diagnostics when the spec is at fault; otherwise its message, as it is.
    if (e.diagnostics) state.diagnostics = e.diagnostics;
    else state.failure = String(e.message || e);
  }
  // The last good output stays, dimmed, while the spec has errors.
  output.classList.toggle("stale", hasErrors);
  picture.classList.toggle("stale", hasErrors);
  renderDiagnostics();
  renderGutter();
  state.renders++;
  state.lastRenderMs = performance.now() - startedAt;
  // And to the frame that shows it: layout and paint run before the frame's
  // callbacks finish; a task queued from requestAnimationFrame runs after it.
  const renders = state.renders;
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (state.renders === renders) state.lastFrameMs = performance.now() - startedAt;
    }),
  );
  $("timing").textContent = `${state.lastRenderMs.toFixed(1)} ms`;
}

// Render at once: validating and synthesizing the shop takes about 6 ms, so
// there is no need to wait for a frame or to coalesce keystrokes.
function schedule(startedAt) {
  render(startedAt);
}

function selectTab(name) {
  state.tab = name;
  state.file = 0;
  state.pickPrimary = true;
  for (const b of $("tabs").children) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  render(performance.now());
}

function download() {
  const f = state.files[state.file];
  if (!f) return;
  const url = URL.createObjectURL(new Blob([f.text], { type: "text/plain" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = f.path.split("/").pop();
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function loadExample(name) {
  const response = await fetch(`examples/${name}.yaml`);
  spec.value = await response.text();
  state.example = name;
  state.pickPrimary = true;
  spec.scrollTop = 0;
  render(performance.now());
}

async function main() {
  await init();
  $("version").textContent = lift.version();
  for (const [name, label] of TABS) {
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.dataset.tab = name;
    b.textContent = label;
    b.addEventListener("click", () => selectTab(name));
    $("tabs").appendChild(b);
  }
  const examples = await (await fetch("examples/index.json")).json();
  for (const name of examples) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.example = name;
    b.textContent = name;
    b.addEventListener("click", () => loadExample(name));
    $("examples").appendChild(b);
  }
  spec.addEventListener("input", (e) => schedule(e.timeStamp || performance.now()));
  spec.addEventListener("scroll", () => (gutter.scrollTop = spec.scrollTop));
  spec.addEventListener("keydown", (e) => {
    if (e.key === "Tab") {
      e.preventDefault();
      spec.setRangeText("  ", spec.selectionStart, spec.selectionEnd, "end");
      schedule(e.timeStamp || performance.now());
    }
  });
  fileSelect.addEventListener("change", () => {
    state.file = Number(fileSelect.value);
    if (state.tab === "graph" || state.tab === "plan") render(performance.now());
    else setOutput(state.files[state.file] ? state.files[state.file].text : "");
  });
  $("copy").addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(state.files[state.file]?.text || ""));
  $("download").addEventListener("click", download);
  selectTab("cloudformation");
  await loadExample(examples.includes("shop") ? "shop" : examples[0]);
  window.__lift.ready = true;
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  $("status").className = "bad";
  $("status").textContent = `the preview could not start: ${e.message || e}`;
  window.__lift.error = String(e);
});
