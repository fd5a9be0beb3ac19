#!/bin/sh
# preload.sh LIB: run system programs (sort with its threads, awk, python3 when present) with LIB
# preloaded as their malloc and require the same output as without it.
set -eu
lib=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Deterministic input: 300,000 lines of numbers and words in a scrambled order.
awk 'BEGIN { x = 12345; for (i = 0; i < 300000; i++) { x = (x * 1103515245 + 12345) % 2147483648;
     printf "%d %s%d\n", x % 100000, substr("abcdefghij", x % 10 + 1, 1 + x % 7), i } }' >"$work/in"
compare() {
  name=$1
  shift
  "$@" <"$work/in" >"$work/plain" 2>&1
  LD_PRELOAD=$lib "$@" <"$work/in" >"$work/gomem" 2>&1
  if cmp -s "$work/plain" "$work/gomem"; then
    echo "ok  $name: identical output ($(wc -c <"$work/plain") bytes)"
  else
    echo "FAIL $name: output differs with gomem as malloc"
    exit 1
  fi
}
compare "sort -n (parallel)" sort -n --parallel=2 -S 1M
compare "sort -k2 | uniq -c" sh -c 'sort -k2 | uniq -c'
compare "awk associative arrays" awk '{ count[$2] += $1 } END { for (k in count) n++; print n }'
if command -v python3 >/dev/null 2>&1; then
  compare "python3 dicts and strings" python3 -c '
import sys
d = {}
for line in sys.stdin:
    a, b = line.split()
    d.setdefault(b, []).append(int(a))
print(len(d), sum(len(v) for v in d.values()), sum(max(v) for v in d.values()))'
fi
