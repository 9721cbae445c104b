#!/usr/bin/env bash
# Creates a new app on the server_props kit: `make new-app DEST=<dir>`.
# The app is its own workspace (app, server, client, style, end2end) that
# depends on this checkout's kit by path, with the same two commands as this
# repository: `make dev` and `make test`, both installing what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: scripts/new-app.sh DEST}
if [[ -e $dest && -n $(ls -A "$dest" 2>/dev/null) ]]; then
  echo "new-app: $dest exists and is not empty" >&2
  exit 1
fi
# The crate names: the directory's name as a Rust identifier.
name=$(basename "$dest" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9_]/_/g; s/^\([0-9]\)/app_\1/')
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cp -R "$root/starter/." "$dest/"
mv "$dest/gitignore" "$dest/.gitignore"
# What the app shares with this repository is copied, not kept twice: the
# installer, the browser launch settings, the npm and Cargo lockfiles (so the
# app builds with the versions this kit is tested with).
mkdir -p "$dest/scripts"
cp "$root/scripts/setup.sh" "$dest/scripts/setup.sh"
cp "$root/end2end/package.json" "$root/end2end/package-lock.json" "$root/end2end/chromium.mjs" "$dest/end2end/"
cp "$root/Cargo.lock" "$dest/Cargo.lock"
grep -rlF '{{' "$dest" | while read -r file; do
  sed -i "s|{{kit}}|$root/kit|g; s|{{name}}|$name|g" "$file"
done
# Line breaks depend on the names: format the app as rustfmt would.
if command -v cargo >/dev/null; then
  (cd "$dest" && cargo fmt --all)
fi
echo "new-app: created $dest (crates ${name}_app, ${name}_server, ${name}_client)"
echo "new-app: cd $dest && make dev"
