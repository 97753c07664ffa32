#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds, at run time (corpora are never committed): the
# fixtures under tests/fixtures/<source>/ for the importers, each fixture prefixed with its own
# file name for import_any_name, snapshots and journals made from the same fixtures by the
# stable test in tests/fuzz_regressions.rs for restore_snapshot and apply_journal, and every
# input committed under tests/fuzz-crashes/<target>/. Run by scripts/fuzz; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
shopt -s nullglob
F=tests/fixtures
C=fuzz/corpus

# seed TARGET FILE...: copies each file into TARGET's corpus (cases.json files are expectations,
# not exports, and are left out).
seed() {
  local target=$1 f
  shift
  mkdir -p "$C/$target"
  for f in "$@"; do
    [ "$(basename "$f")" = cases.json ] || cp "$f" "$C/$target/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
}
seed import_whatsapp_txt "$F"/whatsapp/*.txt
seed import_zip "$F"/*/*.zip
seed import_telegram_json "$F"/telegram/*.json
seed import_meta_json "$F"/messenger/*.json "$F"/instagram/*.json
seed import_linkedin_csv "$F"/linkedin/*.csv
seed import_mbox "$F"/mbox/*.mbox "$F"/mbox/*.txt
seed import_contacts "$F"/contacts/*.vcf "$F"/contacts/*.csv
seed restore_snapshot "$F"/snapshots/*

mkdir -p "$C/import_any_name"
for f in "$F"/*/*; do
  case "$f" in *.py | */cases.json) continue ;; esac
  { printf '%s\n' "$(basename "$f")"; cat "$f"; } >"$C/import_any_name/$(basename "$(dirname "$f")")-$(basename "$f")"
done

for dir in tests/fuzz-crashes/*/; do
  target=$(basename "$dir")
  files=("$dir"*)
  [ ${#files[@]} -eq 0 ] || { mkdir -p "$C/$target"; cp "${files[@]}" "$C/$target/"; }
done

# Snapshot and journal seeds: written by the stable toolchain's test of the same name.
KITH_FUZZ_SEED_DIR="$PWD/$C" cargo test -q --test fuzz_regressions state_seeds >/dev/null
for dir in "$C"/*/; do
  printf '[seed] %-22s %3d inputs\n' "$(basename "$dir")" "$(find "$dir" -type f | wc -l)"
done
