# Shared helpers of the CLI tests. Each test script: source this, run checks, call finish.
# Arguments of every script: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR
set -u
umask 022
E=$(readlink -f "$1")
V=$(readlink -f "$2")
SRC=$(readlink -f "$3")
T=$(mktemp -d "${TMPDIR:-/tmp}/eei-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 3
passes=0
fails=0

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

. "$(dirname "${BASH_SOURCE[0]}")/bytes.sh"

# run CMD...: sets $rc, and $T/out.txt and $T/err.txt
run() {
    "$@" >"$T/out.txt" 2>"$T/err.txt"
    rc=$?
}
# jget PATH: a value of the last command's JSON (stdout), with json_get (EEI_JSON_GET)
jget() { "${EEI_JSON_GET:?}" "$T/out.txt" "$1"; }
expect_json() { # PATH VALUE
    local got
    got=$(jget "$1")
    if [ "$got" = "$2" ]; then pass; else fail "json $1 = '$got', wanted '$2'"; fi
}
expect_rc() {
    local want=$1
    shift
    run "$@"
    if [ "$rc" = "$want" ]; then pass; else fail "exit $rc, wanted $want: $* ($(head -c 300 "$T/err.txt"))"; fi
}
expect_err() {
    if grep -qF -- "$1" "$T/err.txt"; then pass; else fail "stderr lacks '$1': $(head -c 300 "$T/err.txt")"; fi
}
expect_err_lines() {
    local n
    n=$(wc -l <"$T/err.txt")
    if [ "$n" = "$1" ]; then pass; else fail "stderr has $n lines, wanted $1"; fi
}
expect_same() {
    if cmp -s "$1" "$2"; then pass; else fail "files differ: $1 $2"; fi
}
expect_differ() {
    if cmp -s "$1" "$2"; then fail "files are equal: $1 $2"; else pass; fi
}
expect_absent() {
    if [ ! -e "$1" ]; then pass; else fail "should not exist: $1"; fi
}
expect_present() {
    if [ -e "$1" ]; then pass; else fail "missing: $1"; fi
}
# The Windows build (EEI_TARGET=windows; run under Wine here, tests/windows.cmake).
windows() { [ "${EEI_TARGET:-}" = windows ]; }
# posix_only WHAT: true on POSIX; on Windows it says that WHAT, which only POSIX has (a mode, a
# device node, a signal, a pseudo-terminal), is not checked there, and is false.
posix_only() {
    if windows; then
        echo "SKIP (POSIX only): $*"
        return 1
    fi
}
# not_under_wine WHAT: false, saying so, where Wine runs the Windows build and cannot show WHAT
# (a real Windows can: the windows-latest runner of .github/workflows runs these scripts there).
not_under_wine() {
    if windows && [ -n "${EEI_WINEPREFIX:-}" ]; then
        echo "SKIP (Wine cannot show it): $*"
        return 1
    fi
}
# expect_mode FILE MODE: its permission bits; on Windows what they stand for: without group and
# other bits, a private DACL (its owner's alone), else the folder's inherited rights
# (support/win_acl.c; Wine keeps no DACL on files: there it is said skipped).
expect_mode() {
    local m
    if windows; then
        local want=inherited
        [ $((0$2 & 077)) = 0 ] && want=private
        m=$("${EEI_WIN_ACL:?}" "$1" 2>/dev/null)
        case $m in
        wine*) echo "SKIP (Wine keeps no DACL on files): $1 is to be $want" ;;
        "$want "*) pass ;;
        *) fail "$1: $m, wanted $want" ;;
        esac
        return
    fi
    m=$(stat -c %a "$1" 2>/dev/null)
    if [ "$m" = "$2" ]; then pass; else fail "$1: mode $m, wanted $2"; fi
}
expect_size() {
    local s
    s=$(stat -c %s "$1" 2>/dev/null)
    if [ "$s" = "$2" ]; then pass; else fail "$1: size $s, wanted $2"; fi
}
# No file in DIR besides the ones named (catches leftover temporary files).
expect_only() {
    local dir=$1
    shift
    local want got
    want=$( (($# > 0)) && printf '%s\n' "$@" | sort | tr '\n' ' ')
    got=$(ls -A "$dir" | sort | tr '\n' ' ')
    if [ "$want" = "$got" ]; then pass; else fail "$dir holds '$got', wanted '$want'"; fi
}
# tty_text FILE: what a terminal's output shows, its control sequences taken out (a cursor moved
# right is a space, as a Windows console draws one).
tty_text() {
    sed -E 's/\x1b\[([0-9]*)C/ /g; s/\x1b\[[0-9;?]*[A-Za-z]//g' "$1"
}
# on_terminal FILE CMD: the shell command CMD run on a pseudo-terminal (script), what it shows
# in FILE as text (tty_text)
on_terminal() {
    local f=$1
    shift
    script -qec "$*" /dev/null </dev/null >"$f.raw" 2>&1
    local rc=$?
    tty_text "$f.raw" >"$f"
    return $rc
}
# A deterministic file of N bytes.
make_input() {
    head -c "$2" /dev/urandom >"$1" # content does not matter; sizes do
}
finish() {
    echo "$passes passed, $fails failed"
    [ "$passes" -gt 0 ] || echo "FAIL: no check ran" >&2
    [ "$fails" -eq 0 ] && [ "$passes" -gt 0 ]
}

# Start `esp_enc_img serve DIR ARGS...` on a free loopback port; sets $srv_pid and $port.
start_server() {
    local out=$T/serve.$$.$RANDOM
    "$E" serve "$@" --port 0 >"$out" 2>"$T/serve.log" &
    srv_pid=$!
    port=
    for _ in $(seq 200); do
        port=$(sed -n 's|^serving .* on https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out")
        [ -n "$port" ] && return 0
        kill -0 $srv_pid 2>/dev/null || break
        sleep 0.05
    done
    echo "the server did not start: $(cat "$T/serve.log")" >&2
    return 1
}
stop_server() {
    kill -TERM $srv_pid 2>/dev/null
    wait $srv_pid
}
