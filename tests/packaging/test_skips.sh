#!/usr/bin/env bash
# A test that cannot run says why, and the reason reaches whoever runs the suite:
# - test_deb_fresh.sh given a Debian archive it cannot reach ($EEI_DEBIAN_MIRROR: a file: URL of
#   nothing, a closed loopback port) prints one "SKIPPED: why" line naming the archive, exits 0
#   at once and leaves nothing behind (CTest's SKIP_REGULAR_EXPRESSION then reports a skip);
# - scripts/run_ctest.sh, the CTest run of test.sh, prints each skipped test's reason after
#   CTest and exits with CTest's status: in a scratch CTest project, with a test skipped with a
#   reason, one skipped by its exit code without one, one passed and one failed.
# Seconds, no network. Its own output never says SKIPPED: (that would make CTest skip it).
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR BUILD_DIR
. "$(dirname "$0")/../support/lib.sh"
B=$(readlink -f "$4")
quote() { sed 's/SKIPPED:/skipped:/g' "$@" | head -c 300; }

# everything test_deb_fresh.sh needs before it reaches for the archive
ready=yes
[ "$(id -u)" = 0 ] || ready=
for tool in debootstrap cpack curl; do
    command -v $tool >/dev/null || ready=
done
[ -n "$ready" ] || echo "SKIP: not root, or no debootstrap, cpack or curl: only the reason is checked"

mkdir tmp
fresh() { # MIRROR: test_deb_fresh.sh with that archive, its scratch folder under $T/tmp
    EEI_DEBIAN_MIRROR=$1 TMPDIR=$T/tmp run timeout 120 bash "$SRC/tests/packaging/test_deb_fresh.sh" \
        "$E" "$V" "$SRC" "$B"
    [ "$rc" = 0 ] && pass || fail "exit $rc, wanted 0 (skipped) for archive $1: $(quote err.txt)"
    [ "$(grep -c '^SKIPPED: ' out.txt)" = 1 ] && [ "$(wc -l <out.txt)" = 1 ] && pass ||
        fail "wanted one SKIPPED: line for archive $1, got: $(quote out.txt)"
    grep -qE '^SKIPPED: .{20,}' out.txt && pass || fail "no reason given: $(quote out.txt)"
    if [ -n "$ready" ]; then
        grep -qF "SKIPPED: the Debian archive $1 cannot be reached: curl: " out.txt && pass ||
            fail "the reason does not name the archive $1: $(quote out.txt)"
    fi
    expect_only tmp
}
fresh "file://$T/no-archive/debian"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fresh "http://127.0.0.1:$port/debian"

# run_ctest.sh in a CTest project of its own
mkdir proj
cat >proj/CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(skips NONE)
enable_testing()
add_test(NAME t.reason COMMAND sh -c "echo working; echo 'SKIPPED: no frobnicator here'; echo more")
set_tests_properties(t.reason PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")
add_test(NAME t.code COMMAND sh -c "exit 77")
set_tests_properties(t.code PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME t.passed COMMAND sh -c "echo fine")
add_test(NAME t.failed COMMAND sh -c "echo broken; exit 1")
CMAKE
cmake -S proj -B proj/build >cmake.txt 2>&1 && pass || fail "cmake: $(quote cmake.txt)"
cd proj/build || exit 1
RUN_CTEST=$SRC/scripts/run_ctest.sh
skipped_section() { sed -n '/^Skipped, and why/,$p' "$T/out.txt"; }
run "$RUN_CTEST" -j2
[ "$rc" = 8 ] && pass || fail "exit $rc, wanted CTest's 8 (a test failed)"
skipped_section >"$T/why.txt"
grep -qx '  t.reason: no frobnicator here' "$T/why.txt" && pass ||
    fail "no reason for t.reason: $(quote "$T/why.txt")"
grep -qx '  t.code: (it printed no SKIPPED: line)' "$T/why.txt" && pass ||
    fail "t.code is not listed as skipped without a reason: $(quote "$T/why.txt")"
grep -qE 't\.(passed|failed)' "$T/why.txt" && fail "a test that ran is listed as skipped" || pass
run "$RUN_CTEST" -E t.failed
[ "$rc" = 0 ] && pass || fail "exit $rc, wanted 0"
[ "$(skipped_section | wc -l)" = 3 ] && pass || fail "wanted a title and two reasons: $(quote "$T/out.txt")"
# a run that tests nothing lists nothing, though the last run's log is still there
run "$RUN_CTEST" -R no-such-test
[ "$rc" = 0 ] && [ -z "$(skipped_section)" ] && pass || fail "a run of no test listed: $(quote "$T/out.txt")"
cd "$T" || exit 1
# it is what test.sh runs
grep -q '^\.\./scripts/run_ctest\.sh ' "$SRC/scripts/test.sh" && pass ||
    fail "scripts/test.sh does not run CTest through run_ctest.sh"
finish
