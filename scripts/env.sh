# Shared settings for Lift's scripts. Sourced, not run.
# Caches live outside the clone so a fresh clone (as in CI) reuses them.
LIFT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LIFT_CACHE="${LIFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lift}"
LIFT_VENV="${LIFT_VENV:-$LIFT_CACHE/venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$LIFT_CACHE/target}"
export PATH="$LIFT_VENV/bin:$HOME/.cargo/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The checkov the compliance tests run (its own venv: $LIFT_CACHE/checkov).
export CHECKOV_VERSION=3.3.30
step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
