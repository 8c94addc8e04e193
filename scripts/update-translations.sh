#!/usr/bin/env bash
# Refresh the translation catalogues after adding or changing strings, then compile them.
#   1. extract translations/{messages,admin,wtforms}.pot (scripts/i18n.py says what goes in each);
#   2. merge them into translations/{it,en}/LC_MESSAGES/<domain>.po (new entries empty, never guessed);
#   3. compile the .mo files.
# Then translate the empty Italian entries: tests/kernel/test_i18n.py fails while any is left.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

"$BIN/python" -m scripts.i18n extract
for domain in messages admin wtforms; do
  for locale in it en; do
    "$BIN/pybabel" -q update -i "translations/$domain.pot" -d translations -D "$domain" -l "$locale" \
      --no-fuzzy-matching --ignore-obsolete --init-missing --ignore-pot-creation-date --width 110
  done
done
"$BIN/pybabel" -q compile -d translations -D "messages admin wtforms"
