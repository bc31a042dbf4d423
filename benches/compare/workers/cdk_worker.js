// A warm, in-process timing worker for the CDK app (benches/compare): the
// compiled app module is loaded once; each `{"reps": N, "warmup": W}` line on
// stdin is answered with `{"ns": [...]}`, one construct-and-synth per
// repetition (a new App each time, written to a scratch cdk.out).
// Usage: node cdk_worker.js APP_JS validate|skip-validation OUTDIR
const { synth } = require(process.argv[2]);
const validate = process.argv[3] === "validate";
const outdir = process.argv[4];
const readline = require("readline");
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = JSON.parse(line);
  if (cmd.describe) {
    const out = JSON.stringify(synth(outdir, validate));
    const types = {};
    const resources = JSON.parse(out).Resources || {};
    for (const r of Object.values(resources)) types[r.Type] = (types[r.Type] || 0) + 1;
    process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(out), resources: Object.keys(resources).length, types }) + "\n");
    return;
  }
  for (let i = 0; i < (cmd.warmup || 0); i++) synth(outdir, validate);
  const ns = [];
  for (let i = 0; i < cmd.reps; i++) {
    const t0 = process.hrtime.bigint();
    synth(outdir, validate);
    ns.push(Number(process.hrtime.bigint() - t0));
  }
  process.stdout.write(JSON.stringify({ ns }) + "\n");
});
