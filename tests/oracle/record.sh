#!/bin/sh
# Records the expected output of oracle cases with the real Elixir: ./record.sh [cases/NAME.exs ...]
set -e
cd "$(dirname "$0")/cases"
if [ "$#" -eq 0 ]; then set -- *.exs; else set -- $(for f in "$@"; do basename "$f"; done); fi
for f in "$@"; do
    name="${f%.exs}"
    rc=0
    timeout 60 elixir "$f" > "$name.out" 2>/dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then echo "$rc" > "$name.rc"; else rm -f "$name.rc"; fi
    echo "$name: exit $rc"
done
