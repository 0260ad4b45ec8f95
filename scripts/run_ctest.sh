#!/usr/bin/env bash
# CTest in the current folder (a build directory) with the given arguments, then the reason of
# each test it skipped: the first "SKIPPED: why" line the test printed, read from
# Testing/Temporary/LastTest.log (CTest shows a skipped test's output only with -V).
# Exit status: CTest's. Used by test.sh; e.g. cd build && ../scripts/run_ctest.sh -L package
set -uo pipefail
out=$(mktemp "${TMPDIR:-/tmp}/eei-ctest.XXXXXX")
trap 'rm -f "$out"' EXIT
ctest "$@" | tee "$out"
rc=${PIPESTATUS[0]}
# CTest's summary names the skipped tests: "  12 - NAME (Skipped)"
awk 'FILENAME == ARGV[1] { if (match($0, /^[[:space:]]*[0-9]+ - .* \(Skipped\)$/)) {
                     name = $0; sub(/^[[:space:]]*[0-9]+ - /, "", name); sub(/ \(Skipped\)$/, "", name)
                     order[++n] = name; why[name] = "(it printed no SKIPPED: line)" }
                 next }
     /^[0-9]+\/[0-9]+ Test: / { name = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", name); found = 0 }
     /^Output:$/ { out = 1; next }
     /^<end of output>$/ { out = 0 }
     out && !found && (name in why) && /SKIPPED:/ { found = 1; why[name] = $0
                                                   sub(/^.*SKIPPED: */, "", why[name]) }
     END { if (n) print "Skipped, and why (ctest -V -R NAME shows all a test printed):"
           for (i = 1; i <= n; i++) print "  " order[i] ": " why[order[i]] }' \
    "$out" Testing/Temporary/LastTest.log 2>/dev/null
exit "$rc"
