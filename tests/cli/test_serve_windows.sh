#!/usr/bin/env bash
# serve on Windows: the Windows build's esp_enc_img.exe under Wine, answering curl and openssl on
# this machine (Wine's sockets are its sockets). An image whole and by range, with the
# self-signed certificate and with --cert/--key from a folder named in UTF-8; paths that lead out
# of the folder, names Windows keeps (NUL, CON, COM1, "file:stream", a trailing dot or space) and
# a folder swapped for a link during requests, all refused; a key inside the folder however it
# is spelled (backslashes, another case, '..'); idle and stalled peers; the port in use; the stop
# on Ctrl-C, a download under way let end, a second Ctrl-C ending it at once.
#   tests/cli/test_serve_windows.sh BUILD_WIN_DIR   (BUILD_WIN_DIR/esp_enc_img.exe, as
#                                                    scripts/build-windows.sh builds it)
# What Wine cannot show, and so what this does not prove of Windows itself:
# - Unix links are not reparse points to a Windows program under Wine: a link inside the folder
#   is served here (Windows refuses it), and one leading out is refused by the check of the
#   opened file's final path alone (Windows refuses it earlier, as a reparse point). Junctions,
#   mount points and files whose data a filter provides cannot be made.
# - Wine itself refuses device names and streams on its disks: the server's own refusal of them is
#   shown only for a trailing dot or space (which Wine would open).
# - Ctrl-C is SIGINT to the Wine process, which Wine turns into the console's Ctrl-C event;
#   Ctrl-Break and a closed console cannot be sent from here, and SIGTERM ends a Wine process at
#   once, as TerminateProcess would (exit 143).
# - The sockets are Linux's underneath: Windows' own send buffering is not what slows a reader.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: tests/cli/test_serve_windows.sh BUILD_WIN_DIR}
exe=$dir/esp_enc_img.exe
[ -f "$exe" ] || {
    echo "SKIPPED: no $exe (scripts/build-windows.sh OUTDIR builds it)"
    exit 0
}
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null || command -v wine >/dev/null || {
    echo "SKIPPED: no Wine (wine64) to run $exe"
    exit 0
}
for tool in curl openssl python3; do
    command -v $tool >/dev/null || {
        echo "SKIPPED: $tool is not installed"
        exit 0
    }
done
set -- "$exe" "$src/tests/vectors" "$src"
. "$src/tests/support/lib.sh"
RUN=$SRC/scripts/wine-run.sh
srv_pid=
trap 'kill -KILL $srv_pid 2>/dev/null; rm -rf "$T"' EXIT
# the first run makes the Wine prefix (seconds); a Wine that cannot run the program is no test
"$RUN" "$E" --version >version.txt 2>&1
grep -q "^esp_enc_img " version.txt || {
    echo "SKIPPED: Wine does not run $E: $(head -3 version.txt)"
    exit 0
}

# wserve DIR ARGS...: the .exe's serve under Wine on a free port ($srv_pid, $port, its URL $U);
# its stdout in serve.out, its stderr in serve.log
wserve() {
    "$RUN" "$E" serve "$@" --port 0 >serve.out 2>serve.log &
    srv_pid=$!
    port=
    for _ in $(seq 600); do
        port=$(sed -n 's|^serving .* on https://.*:\([0-9]*\)/.*|\1|p' serve.out)
        U=https://127.0.0.1:$port
        [ -n "$port" ] && return 0
        kill -0 $srv_pid 2>/dev/null || break
        sleep 0.1
    done
    echo "the server did not start: $(cat serve.out serve.log)" >&2
    return 1
}
# wstop: Ctrl-C, then its exit status in $rc
wstop() {
    kill -INT $srv_pid
    wait $srv_pid
    rc=$?
}
code() { curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$@"; }
# started FILE: wait until FILE (a download's output) has its first bytes
started() {
    for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
    return 1
}

# an image of a 1 MiB app, made by the .exe itself
mkdir -p www/sub outside "dépôt www/sous dossier" "clés ü"
make_input app.bin 1048576
"$RUN" "$E" encrypt app.bin "$SRC/keys/rsa_pub_key.pem" www/fw.img >/dev/null 2>enc.err
[ -s www/fw.img ] && pass || fail "encrypt under Wine: $(cat enc.err)"
echo hello >www/sub/small.txt
echo secret >outside/secret.txt
ln -s ../outside/secret.txt www/leak.txt
ln -s ../outside www/out
printf 'dot' >"www/trail."
printf 'space' >"www/trail "

wserve www --self-signed 127.0.0.1 --timeout 2 --max-clients 8 || exit 1
CA=server_certs/ca_cert.pem
grep -q "this machine only" serve.out && pass || fail "no word that it binds loopback"
openssl x509 -in $CA -noout -text | grep -q "IP Address:127.0.0.1" && pass || fail "subjectAltName"

# the image whole, by range, its head; two requests on one connection
curl -s --cacert $CA $U/fw.img -o got.img && expect_same got.img www/fw.img
size=$(stat -c %s www/fw.img)
curl -s --cacert $CA -r 1000-1999 -D hdr.txt $U/fw.img -o part.bin
grep -q "^HTTP/1.1 206" hdr.txt && pass || fail "range status: $(head -1 hdr.txt)"
grep -q "Content-Range: bytes 1000-1999/$size" hdr.txt && pass || fail "Content-Range"
tail -c +1001 www/fw.img | head -c 1000 | cmp -s - part.bin && pass || fail "range bytes"
curl -s --cacert $CA -r -100 $U/fw.img | cmp -s - <(tail -c 100 www/fw.img) && pass ||
    fail "suffix range"
[ "$(code -r $size- $U/fw.img)" = 416 ] && pass || fail "unsatisfiable range"
curl -s -I --cacert $CA $U/fw.img | grep -q "Content-Length: $size" && pass || fail "HEAD"
curl -s --cacert $CA $U/sub/small.txt $U/sub/small.txt -o k1.txt -o k2.txt -w '%{num_connects}\n' \
    >connects.txt
expect_same k1.txt www/sub/small.txt
expect_same k2.txt www/sub/small.txt
[ "$(awk '{ n += $1 } END { print n }' connects.txt)" = 1 ] && pass ||
    fail "keep-alive: $(cat connects.txt) connections"
# eight at once, each byte-identical
for i in $(seq 8); do curl -s --cacert $CA $U/fw.img -o dl.$i & done
wait $(jobs -p | grep -v "^$srv_pid$") 2>/dev/null
ok=0
for i in $(seq 8); do cmp -s dl.$i www/fw.img && ok=$((ok + 1)); done
[ $ok = 8 ] && pass || fail "only $ok of 8 concurrent downloads were complete"

# nothing outside the folder
[ "$(code --path-as-is $U/../outside/secret.txt)" = 400 ] && pass || fail "../ traversal"
[ "$(code $U/%2e%2e/outside/secret.txt)" = 400 ] && pass || fail "encoded traversal"
[ "$(code $U/..%5coutside%5csecret.txt)" = 400 ] && pass || fail "encoded backslash"
[ "$(code "$U/Z:%5ctmp%5csecret.txt")" = 400 ] && pass || fail "a drive and backslashes"
[ "$(code "$U/Z:/tmp/x")" = 404 ] && pass || fail "a drive as a name"
[ "$(code $U/leak.txt)" = 404 ] && pass || fail "a link leading out"
[ "$(code $U/out/secret.txt)" = 404 ] && pass || fail "a folder link leading out"
[ "$(code $U/sub/)" = 404 ] && pass || fail "listing of a folder"
# names Windows keeps for devices and streams, and names it would not take as written
for name in NUL CON nul.txt aux COM1 LPT9.img sub/CON sub/small.txt:x sub/small.txt::%24DATA \
    trail. trail%20 "fw.img%3A%3A%24DATA"; do
    [ "$(code "$U/$name")" = 404 ] && pass || fail "a name Windows keeps: $name"
done
[ "$(code $U/SUB/Small.TXT)" = 200 ] && pass || fail "names in another case (Windows compares without it)"

# a folder swapped for a link while requests run: nothing outside is ever served
mkdir -p www/d outside/d
echo inside >www/d/x.txt
echo OUTSIDE >outside/d/x.txt
(end=$((SECONDS + 4)); while [ $SECONDS -lt $end ]; do
    mv www/d www/d.real && ln -s ../outside/d www/d && rm www/d && mv www/d.real www/d
done) &
swap=$!
for i in $(seq 60); do curl -s --cacert $CA $U/d/x.txt; done >race.txt
wait $swap
grep -q OUTSIDE race.txt && fail "an outside file was served during the swaps" || pass
grep -q inside race.txt && pass || fail "the file was never served during the swaps"

# idle peers give their place up to a device; a silent one is dropped after --timeout
idle="10 11 12 13 14 15 16 17" # as many as --max-clients
for fd in $idle; do eval "exec $fd<>/dev/tcp/127.0.0.1/$port"; done
sleep 0.3
t0=$(date +%s%N)
[ "$(code $U/sub/small.txt)" = 200 ] && pass || fail "a device behind idle peers"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 2000 ] && pass || fail "a device waited ${ms}ms behind idle peers"
for fd in $idle; do eval "exec $fd<&-"; done
exec 7<>/dev/tcp/127.0.0.1/$port
t0=$SECONDS
timeout 10 cat <&7 >/dev/null
[ $((SECONDS - t0)) -le 4 ] && pass || fail "a silent peer kept its place $((SECONDS - t0))s"
exec 7<&-

# the log: a UTC timestamp on each line; then Ctrl-C stops it cleanly
grep -q '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z 127.0.0.1:[0-9]* "GET /fw.img" 200 ' serve.log &&
    pass || fail "log line: $(head -1 serve.log)"
wstop
[ $rc = 0 ] && pass || fail "Ctrl-C: exit $rc"
tail -1 serve.log | grep -q "serve: stopped" && pass || fail "the last line: $(tail -1 serve.log)"

# the port in use: Windows' words for it
wserve www --self-signed 127.0.0.1 || exit 1
expect_rc 3 "$RUN" "$E" serve www --self-signed 127.0.0.1 --port $port
grep -q "cannot listen on 127.0.0.1 port $port: [A-Za-z]" err.txt && pass ||
    fail "the port in use: $(cat err.txt)"
# an address that is none
expect_rc 2 "$RUN" "$E" serve www --self-signed 127.0.0.1 --bind 300.1.1.1 --port 0
expect_err "--bind 300.1.1.1: "
wstop

# --cert and --key from a folder named in UTF-8 with a space; a served folder and file so named
cp $CA "clés ü/cert.pem"
cp server_certs/ca_key.pem "clés ü/key.pem"
echo été >"dépôt www/sous dossier/fichier é.bin"
wserve "dépôt www" --cert "clés ü/cert.pem" --key 'clés ü\key.pem' || exit 1
curl -s --cacert $CA "https://127.0.0.1:$port/sous%20dossier/fichier%20%C3%A9.bin" -o utf8.bin &&
    expect_same utf8.bin "dépôt www/sous dossier/fichier é.bin"
wstop
[ $rc = 0 ] && pass || fail "Ctrl-C: exit $rc"

# the key inside the served folder, however Windows lets it be spelled, is refused
cp server_certs/ca_key.pem www/key.pem
for key in 'www\key.pem' 'WWW\KEY.PEM' 'www/sub/../key.pem' 'www\new\..\key.pem' \
    'outside\..\www\key.pem' "Z:$(pwd | tr / '\\')\\www\\key.pem" 'www\new\key.pem'; do
    expect_rc 3 timeout 60 "$RUN" "$E" serve www --cert $CA --key "$key" --port 0
    expect_err "is inside the served folder"
done
expect_rc 3 timeout 60 "$RUN" "$E" serve www --self-signed 127.0.0.1 --cert-dir 'WWW\certs' --port 0
expect_err "the certificate folder WWW\\certs is inside the served folder"
expect_absent www/certs
ln -s www/key.pem key_link.pem # a Unix link, which Wine follows
expect_rc 3 timeout 60 "$RUN" "$E" serve www --cert $CA --key key_link.pem --port 0
expect_err "is inside the served folder"
rm www/key.pem
# a key beside the folder, in one whose name starts the same, is not inside
mkdir -p www2
cp server_certs/ca_key.pem www2/key.pem
wserve www --cert $CA --key 'www2\key.pem' && pass || fail "a key in www2 beside www"
wstop

# Ctrl-C lets a download under way end (32 MiB, more than the sockets hold, in about 4 s);
# a second one ends the server at once
make_input www/big.bin 33554432
wserve www --self-signed 127.0.0.1 --timeout 10 || exit 1
curl -s --cacert $CA --limit-rate 8M $U/big.bin -o drained.bin &
getter=$!
started drained.bin && pass || fail "the download did not start"
kill -INT $srv_pid
sleep 1
kill -0 $srv_pid 2>/dev/null && pass || fail "the server did not wait for the download under way"
wait $srv_pid
rc=$?
wait $getter
[ $rc = 0 ] && pass || fail "Ctrl-C during a download: exit $rc"
expect_same drained.bin www/big.bin
# (Windows ends the lines of stderr with CR LF)
tr -d '\r' <serve.log | grep -q '"GET /big.bin" 200 33554432 [0-9]*ms$' && pass ||
    fail "the download under way at Ctrl-C: $(grep big.bin serve.log)"
tail -1 serve.log | grep -q "serve: stopped" && pass || fail "the last line: $(tail -1 serve.log)"
wserve www --self-signed 127.0.0.1 --timeout 5 || exit 1
curl -s --cacert $CA --limit-rate 1M $U/big.bin -o held.bin &
getter=$!
started held.bin && pass || fail "the download did not start"
kill -INT $srv_pid
sleep 1
kill -0 $srv_pid 2>/dev/null && pass || fail "the server did not wait for the download under way"
t0=$(date +%s%N)
wstop
ms=$((($(date +%s%N) - t0) / 1000000))
wait $getter
[ $rc = 130 ] && pass || fail "a second Ctrl-C: exit $rc"
[ $ms -lt 3000 ] && pass || fail "a second Ctrl-C took ${ms}ms to end it"
# SIGTERM is no console event under Wine: the process ends at once, as TerminateProcess ends it
wserve www --self-signed 127.0.0.1 || exit 1
kill -TERM $srv_pid
wait $srv_pid
rc=$?
echo "note: SIGTERM under Wine: exit $rc, $(grep -c "serve: stopped" serve.log) stop line"
finish
