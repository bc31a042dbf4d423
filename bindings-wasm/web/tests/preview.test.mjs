// The preview page in a real browser (Debian's Chromium, driven by
// playwright-core): load it, load each example, switch formats and files,
// compare every output with the Python package's for the same spec (given in
// EXPECTED), type an error and find its diagnostic at its line, take
// screenshots, and measure load and keystroke-to-output times.
//
// Environment: URL (the page), EXPECTED (JSON file), OUT (directory for the
// report and screenshots), NODE_MODULES (where playwright-core is),
// CHROMIUM (the browser's path). Exits 1 listing every failure.

import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(join(process.env.NODE_MODULES, "noop.js"));
const { chromium } = require("playwright-core");

const url = process.env.URL;
const expected = JSON.parse(readFileSync(process.env.EXPECTED, "utf8"));
const out = process.env.OUT;
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const foreign = [];
page.on("request", (r) => {
  if (!r.url().startsWith(url) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) foreign.push(r.url());
});
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));

const report = { examples: {}, load: [], keystroke_ms: [], keystroke_to_frame_ms: [] };

// Page load: a cold first load and warm reloads, to the first rendered output.
for (let i = 0; i < 5; i++) {
  const t0 = Date.now();
  if (i === 0) await page.goto(url);
  else await page.reload();
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  const wall = Date.now() - t0;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return { dom_content_loaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, ready: performance.now() };
  });
  report.load.push({ wall_ms: wall, ...nav });
}

const tabs = ["cloudformation", "cloudformation-yaml", "terraform", "terraform-json", "pulumi", "cdk"];
const renders = () => page.evaluate(() => window.__lift.state.renders);

async function waitRendered(before) {
  await page.waitForFunction((n) => window.__lift.state.renders > n, before, { timeout: 30000 });
}

for (const [example, want] of Object.entries(expected.examples)) {
  let before = await renders();
  await page.click(`nav#examples button[data-example="${example}"]`);
  await waitRendered(before);
  const diagnostics = await page.evaluate(() => window.__lift.state.diagnostics.filter((d) => d.severity === "error").length);
  check(diagnostics === 0, `${example}: the page reports ${diagnostics} error(s)`);
  const seen = {};
  for (const tab of tabs) {
    before = await renders();
    await page.click(`#tabs button[data-tab="${tab}"]`);
    await waitRendered(before);
    const paths = await page.$$eval("#file option", (os) => os.map((o) => o.textContent));
    check(JSON.stringify([...paths].sort()) === JSON.stringify(Object.keys(want[tab]).sort()), `${example} ${tab}: files ${paths} != ${Object.keys(want[tab])}`);
    for (let i = 0; i < paths.length; i++) {
      await page.selectOption("#file", String(i));
      const shown = await page.$eval("#output", (e) => e.textContent);
      check(shown === want[tab][paths[i]], `${example} ${tab} ${paths[i]}: differs from the Python package's output (${shown.length} vs ${(want[tab][paths[i]] || "").length} chars)`);
      seen[`${tab}:${paths[i]}`] = shown.length;
    }
  }
  // The graph and the plan: the same SVG as the Python package draws.
  before = await renders();
  await page.click('#tabs button[data-tab="graph"]');
  await waitRendered(before);
  for (const [i, region] of want.regions.entries()) {
    before = await renders();
    await page.selectOption("#file", String(i));
    await waitRendered(before);
    const svg = await page.$eval("#picture svg", (e) => e.outerHTML.length);
    const same = await page.evaluate(() => window.__lift.state.files[window.__lift.state.file].text);
    check(same === want.graph[region], `${example} graph ${region}: differs from App.graph_svg()`);
    const nodes = await page.$$eval("#picture g.node", (g) => g.length);
    check(nodes === want.resources[region], `${example} graph ${region}: ${nodes} boxes drawn, ${want.resources[region]} resources`);
    check(svg > 0, `${example} graph ${region}: no picture`);
  }
  before = await renders();
  await page.click('#tabs button[data-tab="plan"]');
  await waitRendered(before);
  const plan = await page.evaluate(() => window.__lift.state.files.map((f) => f.text));
  check(plan[0] === want.plan_svg, `${example} plan: the SVG differs from App.plan_svg()`);
  check(plan[1] === want.plan_text, `${example} plan: the text differs from App.plan_text()`);
  check((await page.$$eval("#picture svg", (s) => s.length)) === 1, `${example} plan: no timeline drawn`);
  before = await renders();
  await page.selectOption("#file", "1");
  await waitRendered(before);
  check((await page.$eval("#file", (s) => s.value)) === "1", `${example} plan: choosing the text file did not stick`);
  report.examples[example] = Object.keys(seen).length;
}

// The shop's CloudFormation, as a new user first sees it.
let before = await renders();
await page.click('nav#examples button[data-example="shop"]');
await waitRendered(before);
before = await renders();
await page.click('#tabs button[data-tab="cloudformation"]');
await waitRendered(before);
const opened = await page.$eval("#file", (s) => s.options[s.selectedIndex].textContent);
check(opened === "shop-us-east-1.template.json", `the shop opens on ${opened}, not its primary region's template`);
await page.screenshot({ path: join(out, "preview-shop.png") });
before = await renders();
await page.click('#tabs button[data-tab="graph"]');
await waitRendered(before);
await page.screenshot({ path: join(out, "preview-graph.png") });
before = await renders();
await page.click('#tabs button[data-tab="cloudformation"]');
await waitRendered(before);

// Keystroke to updated output: type at the end of `app: shop`, one key at a time.
const lines = (await page.$eval("#spec", (t) => t.value)).split("\n");
const appLine = lines.findIndex((l) => l.startsWith("app: "));
const offset = lines.slice(0, appLine + 1).join("\n").length;
await page.$eval("#spec", (t, o) => { t.focus(); t.setSelectionRange(o, o); }, offset);
for (const key of "xyzxyzxyzxyzxyzxyzxyz".split("").concat(Array(21).fill("Backspace"))) {
  before = await renders();
  await page.keyboard.press(key);
  await waitRendered(before);
  report.keystroke_ms.push(await page.evaluate(() => window.__lift.state.lastRenderMs));
  await page.waitForFunction(() => window.__lift.state.lastFrameMs > 0);
  report.keystroke_to_frame_ms.push(await page.evaluate(() => window.__lift.state.lastFrameMs));
  await page.evaluate(() => (window.__lift.state.lastFrameMs = 0));
}
const restored = await page.$eval("#output", (e) => e.textContent);
const restoredPath = await page.$eval("#file", (s) => s.options[s.selectedIndex].textContent);
check(restored === expected.examples.shop.cloudformation[restoredPath], `typing and deleting did not bring the shop's ${restoredPath} back`);

// Type an error and find its diagnostic at its line, in the list and the gutter.
before = await renders();
await page.click('nav#examples button[data-example="minimal"]');
await waitRendered(before);
// Appending "\nbogus: 1" puts it one line below the text's last line (which is empty after a final newline).
const count = (await page.$eval("#spec", (t) => t.value)).split("\n").length;
await page.$eval("#spec", (t) => { t.focus(); t.setSelectionRange(t.value.length, t.value.length); });
before = await renders();
await page.keyboard.type("\nbogus: 1");
await page.waitForFunction(() => window.__lift.state.diagnostics.some((d) => d.code === "E101"), null, { timeout: 30000 });
const line = count + 1;
const item = await page.$$eval("#diagnostics li.error", (lis) => lis.map((li) => ({ line: li.dataset.line, text: li.textContent })));
check(item.some((i) => i.line === String(line) && i.text.includes("E101") && i.text.includes("bogus")), `no E101 for line ${line} in the list: ${JSON.stringify(item)}`);
check((await page.$eval(`#gutter div[data-line="${line}"]`, (d) => d.className)) === "error", `line ${line} is not marked in the gutter`);
check((await page.$eval("#status", (s) => s.textContent)).startsWith("1 error(s)"), "the status line does not count the error");
await page.screenshot({ path: join(out, "preview-error.png") });
// Clicking the diagnostic puts the cursor on its line.
await page.click("#diagnostics li.error");
const caretLine = await page.$eval("#spec", (t) => t.value.slice(0, t.selectionStart).split("\n").length);
check(caretLine === line, `clicking the diagnostic went to line ${caretLine}, not ${line}`);

check(foreign.length === 0, `the page requested other origins: ${foreign.join(", ")}`);
check(consoleErrors.length === 0, `errors in the page: ${consoleErrors.join(" | ")}`);
await browser.close();

report.keystroke_median_ms = median(report.keystroke_ms);
report.keystroke_to_frame_median_ms = median(report.keystroke_to_frame_ms);
report.load_cold_ms = report.load[0].wall_ms;
report.load_warm_median_ms = median(report.load.slice(1).map((l) => l.wall_ms));
report.failures = failures;
writeFileSync(join(out, "report.json"), JSON.stringify(report, null, 2));
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(JSON.stringify({ keystroke_median_ms: report.keystroke_median_ms, keystroke_to_frame_median_ms: report.keystroke_to_frame_median_ms, load_cold_ms: report.load_cold_ms, load_warm_median_ms: report.load_warm_median_ms }));
