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
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
# The crate names: the directory's name as a Rust identifier.
name=$(basename "$dest" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9_]/_/g; s/^\([0-9]\)/app_\1/')
case "$name" in
  leptos* | server_props* | axum* | tokio* | tachys* | reactive_* )
    echo "new-app: \"$name\" would name crates like ${name}_server, which clash with the kit's dependencies: choose another directory name" >&2
    exit 1 ;;
esac
case "$root" in
  *'"'* | *'\'* )
    echo "new-app: the checkout's path ($root) has a quote or a backslash, which Cargo.toml cannot hold as it is" >&2
    exit 1 ;;
esac
cp -R "$root/starter/." "$dest/"
mv "$dest/gitignore" "$dest/.gitignore"
# What the app shares with this repository is copied, not kept twice: the
# installer, the browser launch settings, the npm and Cargo lockfiles (so the
# app builds with the versions this kit is tested with).
mkdir -p "$dest/scripts"
cp "$root/scripts/setup.sh" "$root/scripts/apt.sh" "$dest/scripts/"
cp "$root/end2end/package.json" "$root/end2end/package-lock.json" "$root/end2end/chromium.mjs" "$dest/end2end/"
cp "$root/Cargo.lock" "$dest/Cargo.lock"
# The app builds in this checkout's target directory, so its first build
# reuses the dependencies built here (the same versions, features and
# profile); its README says how to give it its own.
mkdir -p "$dest/.cargo"
cat > "$dest/.cargo/config.toml" <<TOML
# The kit checkout's target directory: this app's first build reuses the
# dependencies built there. Delete this file for a target directory of the
# app's own.
[build]
target-dir = "$root/target"
TOML
# Literal substitution (the path may hold `&`, `|` or spaces).
grep -rlF '{{' "$dest" | while read -r file; do
  KIT="$root/kit" NAME="$name" perl -pi -e 's/\{\{kit\}\}/$ENV{KIT}/g; s/\{\{name\}\}/$ENV{NAME}/g' "$file"
done
# Line breaks depend on the names: format the app as rustfmt would.
if command -v cargo >/dev/null; then
  (cd "$dest" && cargo fmt)  # its own crates, not the kit it depends on
fi
echo "new-app: created $dest (crates ${name}_app, ${name}_server, ${name}_client)"
echo "new-app: cd $dest && make dev"
