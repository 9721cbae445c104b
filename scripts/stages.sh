#!/usr/bin/env bash
# Runs make targets one after another and says how long each took: `make
# test` is its stages run through this, so every run (CI's on a fresh
# clone included) ends with where its time went. Stops at the first stage
# that fails, naming it, with the times so far.
#   scripts/stages.sh setup-test fmt lint ...
set -uo pipefail
cd "$(dirname "$0")/.."
table=()
start=$SECONDS
report() {
  echo
  echo "| stage | seconds |"
  echo "|---|---:|"
  printf '%s\n' "${table[@]}"
  echo "| total | $((SECONDS - start)) |"
}
for stage in "$@"; do
  began=$SECONDS
  if ! make --no-print-directory "$stage"; then
    table+=("| $stage (failed) | $((SECONDS - began)) |")
    report
    echo "make test: the stage \`$stage\` failed" >&2
    exit 1
  fi
  table+=("| $stage | $((SECONDS - began)) |")
done
report
