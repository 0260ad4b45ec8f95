#!/usr/bin/env bash
# docs/CI.md: every esp_enc_img command line in its code blocks parses. Each option it names is
# one its command's --help lists, and the command, run where none of its files exist, fails on
# the missing files (3), never on its command line (2). The page must show encrypt, verify --json,
# batch --shard and batch --merge.
. "$(dirname "$0")/../support/lib.sh"
DOC=$SRC/docs/CI.md
# The command lines: in code blocks, from "esp_enc_img COMMAND" (at the start of a line or after
# a blank) to the end of the line, or to a pipe, a redirection, &&, || or a comment.
awk '/^[[:space:]]*```/ { code = !code; next }
     code && match($0, /(^|[[:space:]])esp_enc_img [a-z]/) {
         line = substr($0, RSTART); sub(/^[[:space:]]/, "", line)
         sub(/ (\||>|&&|\|\||#).*$/, "", line); print line }' "$DOC" >commands.txt
[ "$(wc -l <commands.txt)" -ge 10 ] && pass || fail "only $(wc -l <commands.txt) command lines found"
grep -q '^esp_enc_img encrypt ' commands.txt && pass || fail "no encrypt"
grep -q '^esp_enc_img verify .*--json' commands.txt && pass || fail "no verify --json"
grep -q '^esp_enc_img batch .*--shard ' commands.txt && pass || fail "no batch --shard"
grep -q '^esp_enc_img batch --merge .* -o ' commands.txt && pass || fail "no batch --merge -o"

mkdir empty
# what the CI systems put in their variables and expressions, for the shell to expand
export JOB_COMPLETION_INDEX=1 SHARDS=8 CI_NODE_INDEX=2 CI_NODE_TOTAL=4 RUNNER_TEMP=$T/runner
while IFS= read -r line; do
    cmd=$(sed -e 's/\${{ *matrix\.shard *}}/2/g; s/\${{ *strategy\.job-total *}}/4/g' \
        -e 's/\${{[^}]*}}/x/g' <<<"$line")
    eval "set -- $cmd"
    shift # esp_enc_img
    sub=$1
    if ! "$E" "$sub" --help >help.txt 2>/dev/null; then
        fail "CI.md: '$sub' is not a command: $line"
        continue
    fi
    for arg in "$@"; do
        case $arg in
        -?*)
            opt=${arg%%=*}
            grep -qE -- "(^|[ ,[])$opt([] ,=]|$)" help.txt && pass ||
                fail "CI.md: $sub has no option $opt: $line"
            ;;
        esac
    done
    (cd empty && "$E" "$@" >/dev/null 2>"$T/err.txt")
    rc=$?
    [ $rc != 2 ] && pass || fail "CI.md: usage error ($(head -c 200 err.txt)): $line"
    [ $rc = 3 ] && pass || fail "CI.md: exit $rc, wanted 3 (no such file): $line"
done <commands.txt
expect_only empty
finish
