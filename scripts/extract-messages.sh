#!/usr/bin/env bash
# The messages marked in the code (_(), ngettext(), N_()) into the Chinese catalog, with Babel:
# new ones arrive untranslated, ones the code no longer has are dropped, translations are kept.
# Then translate the empty msgstr entries in playground/locale/zh/LC_MESSAGES/playground.po.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALE=playground/locale
pybabel extract -F "$LOCALE/babel.cfg" -k _ -k N_ -k ngettext:1,2 --no-location --omit-header --sort-output \
  -o "$LOCALE/playground.pot" playground pages app.py
if [ -f "$LOCALE/zh/LC_MESSAGES/playground.po" ]; then
  pybabel update -D playground -i "$LOCALE/playground.pot" -d "$LOCALE" -l zh --no-wrap --ignore-obsolete \
    --no-fuzzy-matching
else
  pybabel init -D playground -i "$LOCALE/playground.pot" -d "$LOCALE" -l zh --no-wrap
fi
