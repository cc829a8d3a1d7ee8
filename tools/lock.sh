#!/usr/bin/env bash
# The project's lock of tested dependency versions (requirements/lock.txt), and an early warning of upstream drift.
#
#   tools/lock.sh drift     fresh venv with the NEWEST versions pyproject.toml allows -> ruff + the test suite;
#                           prints which versions differ from the lock and the test summary. Changes nothing.
#   tools/lock.sh refresh   the same, and if the suite passes, rewrites requirements/lock.txt from that venv
#                           (every transitive package pinned with its sha256 hashes, through pip-tools).
#
# Options (environment): PYTHON (default python3), VENV (default a new temporary folder, removed at the end),
# PYTEST_ARGS (default "-q"). Needs the package registries; takes ~5 min for the venv + the suite's run time.
set -euo pipefail
mode=${1:-}
if [[ "$mode" != drift && "$mode" != refresh ]]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
repo=$(pwd)
python=${PYTHON:-python3}
venv=${VENV:-$(mktemp -d /tmp/st-unimr-drift.XXXXXX)}
[[ -n "${VENV:-}" ]] || trap 'rm -rf "$venv"' EXIT
# pip-tools writes the hashes; pinned so the lock's format does not drift with it.
PIP_TOOLS="pip-tools==7.6.2"

echo "== fresh venv with the newest allowed versions: $venv"
"$python" -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
# torch is the one pin fixed by the machine: the CPU build of 2.13.0 (a plain range would pull CUDA builds).
pip install -q torch==2.13.0
pip install -q "setuptools>=68"  # the build backend pyproject.toml asks for; locked too (builds run without isolation)
pip install -q -e ".[test,bench]"

echo "== versions that differ from requirements/lock.txt (lock -> newest)"
pip freeze --exclude-editable | sort >"$venv/newest.txt"
python - "$venv/newest.txt" requirements/lock.txt <<'EOF'
import os
import re
import sys

def pins(path):
    found = {}
    for line in open(path, encoding="utf8"):
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found

newest = pins(sys.argv[1])
locked = pins(sys.argv[2]) if os.path.exists(sys.argv[2]) else {}
# torch is pinned by the install command (the machine's CPU build), not by the lock.
newest.pop("torch", None)
changed = [(name, locked.get(name, "-"), version) for name, version in sorted(newest.items()) if locked.get(name) != version]
# pip freeze hides the packaging tools; setuptools is locked for the editable build, not missing.
hidden = {"pip", "setuptools", "wheel", "distribute"}
changed += [(name, version, "-") for name, version in sorted(locked.items()) if name not in newest.keys() | hidden]
for name, old, new in changed:
    print(f"  {name}: {old} -> {new}")
print(f"  ({len(changed)} of {len(newest)} packages differ)")
EOF

echo "== ruff + tests on the newest versions"
status=0
ruff check . || status=$?
# shellcheck disable=SC2086
python -m pytest ${PYTEST_ARGS:--q} || status=$?
if [[ $status -ne 0 ]]; then
    echo "DRIFT: the newest allowed versions FAIL (exit $status); the lock stays as it is." >&2
    exit $status
fi
echo "OK: the newest allowed versions pass."

if [[ "$mode" == refresh ]]; then
    echo "== writing requirements/lock.txt"
    pip install -q "$PIP_TOOLS"
    grep -v -E '^(torch|pip-tools|build|pyproject-hooks|wheel)==' "$venv/newest.txt" >"$venv/lock.in"
    # The editable build runs without isolation from the lock's own setuptools, so no unpinned build tool is fetched.
    echo "setuptools==$(python -c 'import setuptools; print(setuptools.__version__)')" >>"$venv/lock.in"
    echo "torch==$(python -c 'import torch; print(torch.__version__)')" >"$venv/torch.txt"
    # torch itself stays out (installed first with `pip install torch==2.13.0`); its dependencies are locked.
    pip-compile --quiet --generate-hashes --unsafe-package torch --strip-extras --no-header \
        --no-emit-index-url --no-emit-find-links -c "$venv/torch.txt" -o "$venv/lock.txt" "$venv/lock.in"
    {
        echo "# The tested dependency set of st-unimr[test,bench], every transitive package pinned with sha256 hashes."
        echo "# Written by \`tools/lock.sh refresh\` after the suite passed on these versions; do not edit by hand."
        echo "# Install: pip install torch==2.13.0 && pip install --require-hashes -r requirements/lock.txt"
        echo "#          && pip install --no-deps --no-build-isolation -e ."
        # pip-compile's closing note asks to pin torch; it is pinned by the install command instead.
        sed -e "s#-r $venv/lock.in#st-unimr[test,bench]#g" -e '/^# WARNING: The following packages were not pinned/,$d' \
            "$venv/lock.txt"
    } >"$repo/requirements/lock.txt"
    echo "wrote requirements/lock.txt ($(grep -c '==' "$repo/requirements/lock.txt") pins)"
fi
