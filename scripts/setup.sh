#!/usr/bin/env bash
# Set-up shared by the main job and the tests: a virtualenv in .venv holding the project
# (editable) with its dev tools, and the generated client in generated/. One line per step
# with its time; each step's output goes to build/setup.log, whose tail is printed on failure.
# Idempotent: a rerun only regenerates (byte-identical output).
#   MM_SETUP_DOCS=1   also the docs extra and Debian's chromium (the docs build and its test)
#   arguments         passed to scripts/generate.py
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
DOCS=${MM_SETUP_DOCS:-0}
mkdir -p build
LOG=build/setup.log
: >"$LOG"

step() {  # step LABEL COMMAND...: run quietly, print "setup: LABEL (N.N s)", the log tail on failure
  local label=$1 t0 rc=0
  shift
  t0=$(date +%s.%N)
  echo "\$ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || rc=$?
  local took
  took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ "$rc" -ne 0 ]; then
    echo "setup: $label FAILED after ${took} s (exit $rc); the end of $LOG:" >&2
    tail -n 25 "$LOG" | sed 's/^/  | /' >&2
    exit "$rc"
  fi
  echo "setup: $label (${took} s)${STEP_NOTE:+: $STEP_NOTE}"
}

# The requirements of the project and its extras, read from pyproject.toml, so they install
# before generated/ exists (the project itself is installed last, once it does).
requirements() {
  .venv/bin/python - "$@" <<'PYEOF'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = list(project["dependencies"])
for extra in sys.argv[1:]:
    wanted += project["optional-dependencies"][extra]
print("\n".join(wanted))
PYEOF
}

install_requirements() {
  .venv/bin/python -m pip install -q --upgrade pip 'setuptools>=77' wheel
  requirements "$@" >build/requirements.txt
  .venv/bin/python -m pip install -q -r build/requirements.txt
}

install_chromium() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null && return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
}

extras=(dev)
[ "$DOCS" = 1 ] && extras+=(docs)
stamp=".venv/.installed-$(cat pyproject.toml <(echo "${extras[*]}") | sha256sum | cut -c1-16)"

[ -x .venv/bin/python ] || step "virtualenv .venv" "$PY" -m venv .venv
if [ ! -f "$stamp" ]; then
  step "requirements (${extras[*]})" install_requirements "${extras[@]}"
fi
if [ "$DOCS" = 1 ] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  step "chromium (Debian packages)" install_chromium
fi
STEP_NOTE=$(
  .venv/bin/python scripts/generate.py --quiet "$@" 2>>"$LOG" | tail -n 1 | tee -a "$LOG"
) || { echo "setup: generate FAILED; the end of $LOG:" >&2; tail -n 25 "$LOG" | sed 's/^/  | /' >&2; exit 1; }
echo "setup: generated/ from the spec: $STEP_NOTE"
STEP_NOTE=
# An editable install records the packages present when it runs: install once generated/ is
# there (the build backend then has nothing to generate).
if [ ! -f "$stamp" ] || ! .venv/bin/python -c 'import mattermost_api' 2>/dev/null; then
  step "install the project (editable)" \
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  touch "$stamp"
fi
