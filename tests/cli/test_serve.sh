#!/usr/bin/env bash
# serve: HTTPS GET/HEAD of files in one folder, ranges, refusals, many clients, stalled
# clients, a clean stop.
. "$(dirname "$0")/../support/lib.sh"
command -v curl >/dev/null || { echo "curl is not installed"; exit 1; }
mkdir -p www/sub outside
make_input www/big.bin 4194304
echo hello >www/sub/small.txt
echo secret >outside/secret.txt
ln -s ../outside/secret.txt www/leak.txt
ln -s sub/small.txt www/inside.txt

start_server www --self-signed 127.0.0.1 --timeout 2 || exit 1
CA=server_certs/ca_cert.pem
grep -q "this machine only" serve.* && pass || fail "no word that it binds loopback"
expect_mode server_certs/ca_key.pem 600
openssl x509 -in $CA -noout -text >cert.txt
grep -q "CN *= *127.0.0.1" cert.txt && pass || fail "CN"
grep -q "IP Address:127.0.0.1" cert.txt && pass || fail "subjectAltName"
U=https://127.0.0.1:$port
code() { curl -s --cacert $CA -o /dev/null -w '%{http_code}' "$@"; }

# files, HEAD, ranges
curl -s --cacert $CA $U/big.bin -o got.bin && expect_same got.bin www/big.bin
[ "$(code $U/sub/small.txt)" = 200 ] && pass || fail "subfolder file"
curl -s -I --cacert $CA $U/big.bin >head.txt
grep -q "Content-Length: 4194304" head.txt && pass || fail "HEAD Content-Length"
grep -q "^HTTP/1.1 200" head.txt && pass || fail "HEAD status"
curl -s --cacert $CA -r 1000-1999 -D hdr.txt $U/big.bin -o part.bin
grep -q "^HTTP/1.1 206" hdr.txt && pass || fail "range status"
grep -q "Content-Range: bytes 1000-1999/4194304" hdr.txt && pass || fail "Content-Range"
grep -q "Content-Length: 1000" hdr.txt && pass || fail "range Content-Length"
tail -c +1001 www/big.bin | head -c 1000 | cmp -s - part.bin && pass || fail "range bytes"
curl -s --cacert $CA -r 4194000- $U/big.bin | cmp -s - <(tail -c 304 www/big.bin) && pass ||
    fail "open range"
curl -s --cacert $CA -r -100 $U/big.bin | cmp -s - <(tail -c 100 www/big.bin) && pass ||
    fail "suffix range"
[ "$(code -r 4194304- $U/big.bin)" = 416 ] && pass || fail "unsatisfiable range"
curl -s --cacert $CA -r 5000000-6000000 -D hdr.txt -o /dev/null $U/big.bin
grep -q "Content-Range: bytes \*/4194304" hdr.txt && pass || fail "416 Content-Range"

# nothing outside the folder, no listings, only GET and HEAD
[ "$(code --path-as-is $U/../outside/secret.txt)" = 400 ] && pass || fail "../ traversal"
[ "$(code --path-as-is $U/sub/../../outside/secret.txt)" = 400 ] && pass || fail "deep traversal"
[ "$(code $U/%2e%2e/outside/secret.txt)" = 400 ] && pass || fail "encoded traversal"
[ "$(code $U/..%2foutside%2fsecret.txt)" = 400 ] && pass || fail "encoded slash"
[ "$(code $U/leak.txt)" = 404 ] && pass || fail "symlink leaving the folder"
[ "$(code $U/inside.txt)" = 404 ] && pass || fail "a symlink is not followed, even inside"
[ "$(code $U/)" = 404 ] && pass || fail "listing of /"
[ "$(code $U/sub/)" = 404 ] && pass || fail "listing of a folder"
[ "$(code $U/missing.bin)" = 404 ] && pass || fail "missing file"
[ "$(code -X POST $U/big.bin)" = 405 ] && pass || fail "POST"
[ "$(code -X DELETE $U/big.bin)" = 405 ] && pass || fail "DELETE"
curl -s --cacert $CA -X PUT -D hdr.txt -o /dev/null $U/big.bin
grep -q "Allow: GET, HEAD" hdr.txt && pass || fail "Allow header"
# an absolute URL as the target is not a path
printf 'GET https://127.0.0.1/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    openssl s_client -quiet -connect 127.0.0.1:$port -CAfile $CA 2>/dev/null | head -1 >abs.txt
grep -q " 400 " abs.txt && pass || fail "absolute-form target: $(cat abs.txt)"
# TLS 1.2 and 1.3 both work
for v in -tls1_2 -tls1_3; do
    printf 'HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
        openssl s_client -quiet $v -connect 127.0.0.1:$port -CAfile $CA 2>/dev/null | head -1 >v.txt
    grep -q " 200 " v.txt && pass || fail "TLS ${v#-}"
done

# 32 clients at once, each byte-identical; a stalled client does not hold them up
exec 7<>/dev/tcp/127.0.0.1/$port # connects and says nothing
for i in $(seq 32); do
    curl -s --cacert $CA $U/big.bin -o dl.$i &
done
wait $(jobs -p | grep -v "^$srv_pid$") 2>/dev/null
ok=0
for i in $(seq 32); do cmp -s dl.$i www/big.bin && ok=$((ok + 1)); done
[ $ok = 32 ] && pass || fail "only $ok of 32 concurrent downloads were complete"
sleep 2.5 # past --timeout: the stalled connection is closed by the server
if timeout 2 cat <&7 >/dev/null; then pass; else fail "the stalled client was not dropped"; fi
exec 7<&-
kill -0 $srv_pid && pass || fail "the server died"

# a FIFO in the folder is refused at once, not waited on: the server keeps answering
mkfifo www/fifo
for i in 1 2 3 4 5 6; do code $U/fifo >fifo.$i & done
wait $(jobs -p | grep -v "^$srv_pid$") 2>/dev/null
[ "$(cat fifo.* | fold -w3 | sort -u)" = 404 ] && pass || fail "FIFO requests: $(cat fifo.*)"
[ "$(code $U/sub/small.txt)" = 200 ] && pass || fail "the server stopped answering after FIFOs"
rm www/fifo

# a folder swapped for a symlink while requests run: nothing outside is ever served
mkdir -p www/d outside/d
echo inside >www/d/x.txt
echo OUTSIDE >outside/d/x.txt
(end=$((SECONDS + 3)); while [ $SECONDS -lt $end ]; do
    mv www/d www/d.real && ln -s ../outside/d www/d && rm www/d && mv www/d.real www/d
done) &
swap=$!
for i in $(seq 150); do curl -s --cacert $CA $U/d/x.txt; done >race.txt
wait $swap
grep -q OUTSIDE race.txt && fail "an outside file was served during the swaps" || pass
grep -q inside race.txt && pass || fail "the file was never served during the swaps"

# the client's bytes reach the log escaped, with a timestamp on every line
printf 'GET /\x1b[2J\x07x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    openssl s_client -quiet -connect 127.0.0.1:$port -CAfile $CA >/dev/null 2>&1
grep -q $'\x1b' serve.log && fail "an escape sequence reached the log" || pass
grep -qF '"GET /\x1b[2J\x07x" 400' serve.log && pass || fail "escaped target not logged"
grep -v "^serving\|certificate\|embed it" serve.log | grep -qv '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T' &&
    fail "a log line without a timestamp" || pass

# one log line per request, then a clean stop on SIGTERM
lines=$(grep -c '"GET \|"HEAD \|"POST \|"PUT \|"DELETE ' serve.log)
[ "$lines" -ge 55 ] && pass || fail "only $lines log lines"
grep -q '"GET /big.bin" 206 1000' serve.log && pass || fail "log line of a range"
stop_server
rc=$?
[ $rc = 0 ] && pass || fail "SIGTERM: exit $rc"
grep -q "serve: stopped" serve.log && pass || fail "no stop line"

# the certificate is made once and reused; one for another host is not silently replaced (each
# server below is stopped once it serves: making a key can take seconds on a busy machine)
before=$(sha256sum $CA)
start_server www --self-signed 127.0.0.1 || exit 1
grep -q "using the certificate" serve.* && pass || fail "not reused"
stop_server
[ "$(sha256sum $CA)" = "$before" ] && pass || fail "the certificate changed"
expect_rc 3 "$E" serve www --self-signed updates.example.com --port 0
expect_err "not as a certificate and key for updates.example.com"
serve_once() { # ARGS...: start a server, wait until it serves, stop it (its exit status);
    # its stdout in once.txt
    "$E" serve www "$@" --port 0 >once.txt 2>once.err &
    local pid=$!
    for _ in $(seq 600); do grep -q "^serving" once.txt && break; sleep 0.05; done
    kill -INT $pid
    wait $pid
}
serve_once --self-signed updates.example.com --cert-dir other && pass || fail "$(cat once.err)"
grep -q "DNS:updates.example.com" <(openssl x509 -in other/ca_cert.pem -noout -text) && pass ||
    fail "DNS subjectAltName"
# its validity: 825 days unless --days says otherwise, and the last day is printed
serve_once --self-signed 127.0.0.1 --cert-dir d3 --days 3 && pass || fail "$(cat once.err)"
want=$(date -u -d '+3 days' +%F)
grep -q "made a certificate for 127.0.0.1, valid until $want" once.txt && pass || fail "days: $(cat once.txt once.err)"
end=$(date -u -d "$(openssl x509 -in d3/ca_cert.pem -noout -enddate | cut -d= -f2)" +%F)
[ "$end" = "$want" ] && pass || fail "--days 3: the certificate ends $end"
serve_once --self-signed 127.0.0.1 --cert-dir d3 --days 99 && pass || fail "$(cat once.err)"
grep -q "using the certificate for 127.0.0.1, valid until $want" once.txt && pass || fail "reused: $(cat once.txt)"
grep -q "esp_enc_img: warning: --days applies to a new certificate" once.err && pass ||
    fail "--days ignored silently"
# --quiet: no warning, no request log, no line when it stops; where it serves is still said
serve_once --self-signed 127.0.0.1 --cert-dir d3 --days 99 --quiet && pass || fail "$(cat once.err)"
[ -s once.err ] && fail "serve --quiet wrote: $(cat once.err)" || pass
start_server www --self-signed 127.0.0.1 --quiet --verbose || exit 1
curl -s --cacert $CA -o /dev/null "https://127.0.0.1:$port/sub/small.txt" && pass || fail "quiet serve"
stop_server
[ -s "$T/serve.log" ] && fail "serve --quiet logged: $(cat "$T/serve.log")" || pass
serve_once --self-signed 127.0.0.1 --cert-dir d825 && pass || fail "$(cat once.err)"
end=$(date -u -d "$(openssl x509 -in d825/ca_cert.pem -noout -enddate | cut -d= -f2)" +%F)
[ "$end" = "$(date -u -d '+825 days' +%F)" ] && pass || fail "the default validity ends $end"
expect_rc 2 "$E" serve www --cert x.pem --key y.pem --days 3
expect_err "--days goes with --self-signed"

# slow and idle peers: a request head (TLS handshake included) has --timeout in all, however
# slowly its bytes drip; when every place is taken, the longest-idle peer gives its place up
start_server www --self-signed 127.0.0.1 --timeout 3 --max-clients 4 || exit 1
exec 8<>/dev/tcp/127.0.0.1/$port
(for i in $(seq 12); do printf 'x' >&8 2>/dev/null || break; sleep 1; done) &
drip=$!
t0=$SECONDS
timeout 15 cat <&8 >/dev/null
took=$((SECONDS - t0))
kill $drip 2>/dev/null
exec 8<&-
[ $took -le 5 ] && pass || fail "a client dripping a byte a second held its place ${took}s"
for fd in 10 11 12 13; do eval "exec $fd<>/dev/tcp/127.0.0.1/$port"; done # four idle peers
t0=$(date +%s%N)
curl -s --cacert $CA $U/sub/small.txt -o idle.txt && expect_same idle.txt www/sub/small.txt
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 2000 ] && pass || fail "a device waited ${ms}ms behind idle peers"
for fd in 10 11 12 13; do eval "exec $fd<&-"; done
# a slow but steady download (1 MiB at 300 KB/s, longer than --timeout) is not cut
head -c 1048576 www/big.bin >www/mid.bin
curl -s --cacert $CA --limit-rate 300K $U/mid.bin -o slow.bin && expect_same slow.bin www/mid.bin
stop_server

# the timeout counts bytes, not writes: a reader that never stalls for --timeout 1 gets a file
# larger than the server's socket buffer (while the buffer drains, nothing tells the server the
# socket is writable again: at this pace that takes 2 s), and one that stops reading is dropped
slow_get() { # PATH OUT BYTES_PER_TENTH [STOP_AT_BYTES]: GET PATH through a small receive buffer
    # (OUT.started appears with the first bytes of the answer)
    python3 - "$port" "$CA" "$@" <<'EOF'
import socket, ssl, sys, time
port, ca, path, out, step = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
stop_at = int(sys.argv[6]) if len(sys.argv) > 6 else None
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect(("127.0.0.1", port))
tls = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname="127.0.0.1")
tls.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
got, paced = bytearray(), True
while True:
    if stop_at is not None and len(got) >= stop_at:
        time.sleep(4)  # still, past the timeout; then what the server had sent, at once
        stop_at, paced = None, False
    want, tick = step, time.monotonic() + 0.1
    try:
        while want > 0:
            data = tls.recv(want)
            if not data:
                break
            if not got:
                open(out + ".started", "w").close()
            got += data
            want -= len(data)
    except (ssl.SSLError, OSError):
        break
    if want > 0:
        break
    if paced:
        time.sleep(max(0, tick - time.monotonic()))
open(out, "wb").write(bytes(got).split(b"\r\n\r\n", 1)[-1])
EOF
}
buffer=$(awk '{print $3}' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null || echo 4194304)
size=$((buffer + 1048576))
make_input www/slow.bin $size
start_server www --self-signed 127.0.0.1 --timeout 1 || exit 1
slow_get slow.bin steady.bin $((buffer / 60)) # a sixth of the buffer a second
expect_same steady.bin www/slow.bin
grep -q "\"GET /slow.bin\" 200 $size [0-9]*ms\$" serve.log && pass ||
    fail "the steady download: $(grep slow.bin serve.log)"
slow_get slow.bin stalled.bin $((buffer / 60)) 100000
s=$(stat -c %s stalled.bin)
[ "$s" -lt $size ] && pass || fail "a client that stopped reading got all $s bytes"
grep -q '"GET /slow.bin" 200 [0-9]* [0-9]*ms (cut short)' serve.log && pass ||
    fail "the stalled download: $(grep slow.bin serve.log)"
stop_server

# a stop request lets a download under way end (for at most --timeout) before the server stops;
# a second one ends it at once
started() { # OUT: wait until slow_get's answer for OUT began
    for _ in $(seq 200); do [ -e "$1.started" ] && return 0; sleep 0.05; done
    return 1
}
start_server www --self-signed 127.0.0.1 --timeout 5 || exit 1
slow_get slow.bin drained.bin $((buffer / 20)) & # the whole file in about 2 s
getter=$!
started drained.bin && pass || fail "the download did not start"
kill -TERM $srv_pid
sleep 0.5
kill -0 $srv_pid 2>/dev/null && pass || fail "the server did not wait for the download under way"
wait $getter
expect_same drained.bin www/slow.bin
wait $srv_pid
rc=$?
[ $rc = 0 ] && pass || fail "SIGTERM during a download: exit $rc"
grep -q "\"GET /slow.bin\" 200 $size [0-9]*ms\$" serve.log && pass ||
    fail "the download under way at the stop: $(grep slow.bin serve.log)"
tail -1 serve.log | grep -q "serve: stopped" && pass || fail "the last line: $(tail -1 serve.log)"
start_server www --self-signed 127.0.0.1 --timeout 5 || exit 1
slow_get slow.bin held.bin $((buffer / 60)) 100000 & # reads 100 kB, then nothing for 4 s
getter=$!
started held.bin && pass || fail "the download did not start"
kill -TERM $srv_pid
sleep 0.5
kill -0 $srv_pid 2>/dev/null && pass || fail "the server did not wait for the download under way"
t0=$(date +%s%N)
kill -TERM $srv_pid
wait $srv_pid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 143 ] && pass || fail "a second SIGTERM: exit $rc"
[ $ms -lt 1000 ] && pass || fail "a second SIGTERM took ${ms}ms to end it"
wait $getter
# SIGHUP (its terminal closed) stops it as cleanly as SIGINT and SIGTERM
start_server www --self-signed 127.0.0.1 || exit 1
kill -HUP $srv_pid
wait $srv_pid
rc=$?
[ $rc = 0 ] && pass || fail "SIGHUP: exit $rc"
grep -q "serve: stopped" serve.log && pass || fail "no stop line after SIGHUP"

# --bind :: takes IPv4 connections as well as IPv6 ones
if grep -q . /proc/net/if_inet6 2>/dev/null; then
    "$E" serve www --self-signed 127.0.0.1 --bind :: --port 0 >v6.txt 2>v6.err &
    pid=$!
    p6=
    for _ in $(seq 200); do
        p6=$(sed -n 's|^serving .* on https://\[::\]:\([0-9]*\)/.*|\1|p' v6.txt)
        [ -n "$p6" ] && break
        sleep 0.05
    done
    [ "$(code https://127.0.0.1:$p6/sub/small.txt)" = 200 ] && pass || fail "--bind :: over IPv4"
    [ "$(code --connect-to 127.0.0.1:$p6:[::1]:$p6 https://127.0.0.1:$p6/sub/small.txt)" = 200 ] &&
        pass || fail "--bind :: over IPv6"
    kill -INT $pid
    wait $pid
else
    echo "SKIP: no IPv6 on this machine: --bind :: not tested"
fi

# the TLS private key is never in the served folder
expect_rc 3 "$E" serve www --self-signed 127.0.0.1 --cert-dir www/certs --port 0
expect_err "inside the served folder"
expect_absent www/certs
cp server_certs/ca_key.pem www/key.pem
expect_rc 3 "$E" serve www --cert $CA --key www/key.pem --port 0
expect_err "inside the served folder"
# links are resolved before '..': with out/up -> ../www, out/up/.. is this test's folder, not out
# (a server that wrongly starts is stopped by timeout: exit 124)
mkdir -p out
ln -s ../www out/up
expect_rc 3 timeout 10 "$E" serve www --self-signed 127.0.0.1 --cert-dir out/up/../www/certs \
    --port 0
expect_err "inside the served folder"
expect_absent www/certs
expect_rc 3 timeout 10 "$E" serve www --self-signed 127.0.0.1 --cert-dir out/up/new/../certs --port 0
expect_err "inside the served folder"
expect_absent www/certs
expect_rc 3 timeout 10 "$E" serve www --cert $CA --key out/up/../www/key.pem --port 0
expect_err "inside the served folder"
ln -s www/key.pem key_link.pem
expect_rc 3 timeout 10 "$E" serve www --cert $CA --key key_link.pem --port 0
expect_err "inside the served folder"
# a --cert-dir outside whose key is a link into the folder
mkdir -p linked
cp $CA linked/ca_cert.pem
ln -s ../www/key.pem linked/ca_key.pem
expect_rc 3 timeout 10 "$E" serve www --self-signed 127.0.0.1 --cert-dir linked --port 0
expect_err "inside the served folder"
rm www/key.pem
ln -s loop loop
expect_rc 3 timeout 10 "$E" serve www --cert $CA --key loop/key.pem --port 0
expect_err "loop/key.pem: cannot be resolved (too long, a loop of links"
# '/' holds everything; a sibling whose name starts like the folder's is not inside it
expect_rc 3 timeout 10 "$E" serve / --cert $CA --key server_certs/ca_key.pem --port 0
expect_err "inside the served folder /"
mkdir -p www2
cp server_certs/ca_key.pem www2/key.pem
serve_once --cert $CA --key www2/key.pem && pass || fail "a key in www2 beside www: $(cat once.err)"

# usage and configuration errors
expect_rc 2 "$E" serve www
expect_rc 2 "$E" serve www --cert $CA
expect_rc 2 "$E" serve www --self-signed 127.0.0.1 --cert $CA --key x
expect_rc 2 "$E" serve www --self-signed 127.0.0.1 --port 70000
expect_rc 2 "$E" serve www --self-signed 'bad host' --port 0
expect_rc 3 "$E" serve missing-dir --self-signed 127.0.0.1 --port 0
expect_rc 3 "$E" serve www --cert www/sub/small.txt --key server_certs/ca_key.pem --port 0
expect_err "not a PEM certificate"
finish
