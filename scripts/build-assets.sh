#!/usr/bin/env bash
# Copy the Bootstrap Italia files the public site and the PDFs use from node_modules (installed by
# `npm ci`) into app/static/vendor/bootstrap-italia/, which is git-ignored. Never a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/bootstrap-italia/dist
dest=app/static/vendor/bootstrap-italia
if [ ! -f "$src/css/bootstrap-italia.min.css" ]; then
  echo "bootstrap-italia is not installed: run 'npm ci --no-audit --no-fund' first" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest/css" "$dest/js" "$dest/svg"
cp "$src/css/bootstrap-italia.min.css" "$dest/css/"
cp "$src/js/bootstrap-italia.bundle.min.js" "$dest/js/"
cp "$src/svg/sprites.svg" "$dest/svg/"
cp -R "$src/fonts" "$dest/fonts"
cp node_modules/bootstrap-italia/LICENSE "$dest/" 2>/dev/null || true
echo "Bootstrap Italia $(node -p "require('./node_modules/bootstrap-italia/package.json').version") copied to $dest"
