#!/usr/bin/env bash
# Fails if a tracked file looks like a secret or a build product: by name (keys, databases,
# bytecode) or by content (SQLite database header, PEM private keys). Test fixtures that must
# look like that live under testdata/ and are named in ALLOWED.
set -euo pipefail
cd "$(dirname "$0")/.."
ALLOWED=()
bad=()
while IFS= read -r -d '' f; do
  [[ -f $f ]] || continue
  for a in "${ALLOWED[@]}"; do [[ $f == "$a" ]] && continue 2; done
  case $f in
    *.key|*.db|*.db-wal|*.db-shm|*.db-journal|*.sqlite|*.sqlite3|*.pyc|*.pem|*/__pycache__/*) bad+=("$f (name)"); continue ;;
  esac
  if head -c 16 "$f" | grep -q "SQLite format 3"; then bad+=("$f (SQLite database)"); continue; fi
  if grep -qE -- "-----BEGIN ([A-Z]+ )?PRIVATE KEY-----" "$f" 2>/dev/null; then bad+=("$f (PEM private key)"); continue; fi
done < <(git ls-files -z)
if (( ${#bad[@]} )); then
  printf 'tracked files that look like secrets or build products:\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "tracked files: no keys, databases or bytecode"
