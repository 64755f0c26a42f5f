#!/usr/bin/env bash
# Shell-level check of ./nct's stderr: the JVM's incubator-module warning is gone, every other
# stderr line and the exit code are kept. Usage: tools/test/launcher-stderr.sh  (builds first if needed;
# run it under the CPU lock on shared machines).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NCT="$ROOT/nct"
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$NCT" --version >/dev/null 2>&1 || true   # builds first when sources changed ("nct: building..." on stderr)

"$NCT" --version >"$tmp/out" 2>"$tmp/err"; rc=$?
check "--version exits 0" '[ $rc -eq 0 ]'
check "--version prints the build's version" 'grep -Eq "^nct [0-9]+\.[0-9]+\.[0-9]+" "$tmp/out"'
check "no incubator warning on stderr" '! grep -q "incubator" "$tmp/err"'
check "stderr is empty" '[ ! -s "$tmp/err" ]'

"$NCT" no-such-command >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a usage error exits 1, as zstd" '[ $rc -eq 1 ]'
check "a usage error keeps its message" 'grep -q "no-such-command" "$tmp/err"'
check "and still no incubator warning" '! grep -q "incubator" "$tmp/err"'

"$NCT" verify -m "$tmp/missing.safetensors" "$tmp/missing.nct" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a user error exits non-zero ($rc)" '[ $rc -ne 0 ]'
check "a user error's one-line message is kept" '[ "$(wc -l <"$tmp/err")" -ge 1 ] && grep -q "error" "$tmp/err"'

# the VM's own warning (a deprecated option) comes before the incubator line: kept, and that line still dropped
NCT_JAVA_OPTS="-XX:+UseCompressedClassPointers" "$NCT" --version >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a VM warning before it is relayed" 'grep -q "UseCompressedClassPointers" "$tmp/err"'
check "the incubator line after it is dropped" '! grep -q "incubator" "$tmp/err"'
check "and --version still exits 0" '[ $rc -eq 0 ] && grep -q "^nct " "$tmp/out"'

# a JVM start-up error is passed through
NCT_JAVA_OPTS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -Xlog:disable -Xlog:all=warning:stderr -XX:NonExistentOptionForNct" \
  "$NCT" --version >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a JVM start-up error is relayed" 'grep -q "NonExistentOptionForNct" "$tmp/err"'
check "and its exit code kept ($rc)" '[ $rc -ne 0 ]'

exit $fail
