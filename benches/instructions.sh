#!/usr/bin/env bash
# Instructions per call of Lift's hot paths, counted by callgrind: unlike wall
# time, the count is the same on a busy shared machine. Each operation runs N
# and 2N times; the difference divided by N leaves out start-up and parsing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$LIFT_ROOT"
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo build -q --release -p lift-benches --example profile
BIN="$CARGO_TARGET_DIR/release/examples/profile"
N=${N:-10}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$@" 2>&1 | awk '/refs:/ {gsub(",", "", $4); print $4}'
}
printf '%-52s %14s\n' "operation" "instructions"
for op in "synth:shop us-east-1, parsed spec to JSON text" "validate:shop, every region" "parse:shop, text to typed spec" "validate500:generated 500-resource spec, validate" "synth500:generated 500-resource spec, synth JSON"; do
  name=${op%%:*}; what=${op#*:}
  a=$(count "$name" "$N"); b=$(count "$name" $((2 * N)))
  printf '%-52s %14d\n' "$what" $(((b - a) / N))
done
# Graph to text in each format, 500 resources: each renderer within 2x CloudFormation's.
for format in cloudformation cloudformation-yaml terraform terraform-json pulumi cdk; do
  a=$(count render500 "$N" "$format"); b=$(count render500 $((2 * N)) "$format")
  printf '%-52s %14d\n' "render $format, 500 resources" $(((b - a) / N))
done
