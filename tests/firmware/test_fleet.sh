#!/usr/bin/env bash
# The simulated device against servers that behave like the ones a fleet meets
# (tests/support/fleet_server.py): redirect chains (and one to http:, and one that never ends),
# a server that ignores Range, one that trickles, a Content-Length larger than the image,
# chunked answers, HTTP errors; attempts again after a link failure, never after a refused
# image; the server trusted through ESP-IDF's certificate bundle; each outcome in its status
# word on the EEI_UPDATE line (docs/FIRMWARE.md). The slot is checked byte for byte.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_BINARY
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../support/lib.sh"
command -v python3 >/dev/null || { echo "SKIPPED: python3 is not installed"; exit 0; }
K=$SRC/keys
HK=$K/device_hmac_key.bin

# the server: its own CA, certifying 127.0.0.1
mkdir www
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:TRUE -keyout key.pem -out ca.pem 2>/dev/null
: >fleet.log
echo plain >mode
http_port=$((20000 + RANDOM % 20000))
python3 "$SRC/tests/support/fleet_server.py" --dir www --cert ca.pem --key key.pem \
    --mode-file mode --log fleet.log --http-port $http_port >fleet.out 2>fleet.err &
fleet_pid=$!
trap 'kill $fleet_pid 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do
    port=$(sed -n 's/^serving on //p' fleet.out 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "FAIL: the fleet server did not start: $(cat fleet.err)"; exit 1; }
U=https://127.0.0.1:$port/fw.bin

"$MKAPP" v2.bin --size 300000 --version 2.0.0 --seed 2
"$MKAPP" v3.bin --size 250000 --version 3.0.0 --seed 3
"$E" encrypt v2.bin "$K/device_pub_key.pem" v2.img >/dev/null
"$E" encrypt v3.bin "$K/device_pub_key.pem" v3.img >/dev/null
serve() { cp "$1" www/fw.bin; }
mode() { echo "$*" >mode.new && mv mode.new mode && : >fleet.log; } # a new file: a new mode
sim() { "$SIM" --flash dev.img --hmac-key "$HK" "$@"; }
update() { sim --url "$U" --ca ca.pem --allow-downgrade "$@"; } # versions do not matter here
said() { grep -qE -- "$1" "${2:-out.txt}" && pass || fail "no '$1' in: $(cat "${2:-out.txt}")"; }
logged() { grep -qE -- "$1" fleet.log && pass || fail "the server did not log '$1': $(cat fleet.log)"; }
holds() { # APP: the next boot runs it, byte for byte
    sim --dump-slot now.bin && cmp -s now.bin "$1" && pass || fail "the boot slot does not hold $1"
}
fresh() { rm -f dev.img; }

# a chain of 5 redirects (every code, every form of Location) is followed; the rest of a
# download that broke off is asked for at the URL the chain ended at
fresh
serve v2.img
mode redirect 5
expect_rc 0 update --drop-every 100000
said "^EEI_UPDATE ok attempt=1: ota_1 selected"
holds v2.bin
for code in 301 302 303 307 308; do logged "status=$code"; done
logged "GET /files/fw.bin scheme=https range=- status=200"
logged "GET /files/fw.bin scheme=https range=bytes=100000- status=206"
[ "$(grep -c "status=30" fleet.log)" = 5 ] && pass || fail "not 5 redirects: $(cat fleet.log)"
# a sixth is one too many; one that never ends the same; one to http: is refused, and the
# plain listener never hears from the device
fresh
mode redirect 6
expect_rc 1 update
said "^EEI_UPDATE link-redirect attempt=1: more than 5 redirects"
mode redirect-loop
expect_rc 1 update
said "^EEI_UPDATE link-redirect attempt=1: more than 5 redirects"
mode redirect-http
expect_rc 1 update
said "^EEI_UPDATE link-redirect attempt=1: a redirect to http: is refused: HTTPS only"
expect_err "http://127.0.0.1:$http_port/fw.bin"
grep -q "scheme=http " fleet.log && fail "the device spoke plain HTTP" || pass
[ "$(sim --boot-slot)" = ota_0 ] && pass || fail "a refused redirect changed the boot slot"

# a server that ignores Range: the download that broke off starts again from byte 0 in the
# same attempt, and the slot is written again from its start
fresh
mode ignore-range 120000
expect_rc 0 update --verbose
said "^EEI_UPDATE ok attempt=1: ota_1 selected"
said "the server ignored the Range request: starting again from byte 0" err.txt
logged "range=bytes=120000- status=200"
holds v2.bin

# a Content-Length larger than the image: complete at the header's length, at once, whatever
# the server said (it holds the connection open 30 s), the mismatch logged
fresh
mode long-length 5000
start=$(date +%s)
expect_rc 0 update --verbose --recv-timeout-ms 20000
[ $(($(date +%s) - start)) -lt 10 ] && pass || fail "it waited for bytes the image does not have"
said "^EEI_UPDATE ok attempt=1"
said "the server declared $(($(stat -c %s v2.img) + 5000)) bytes, the image's header $(stat -c %s v2.img)" err.txt
holds v2.bin
# chunked transfer, chunks of any size
fresh
mode chunked 999
expect_rc 0 update
said "^EEI_UPDATE ok attempt=1"
holds v2.bin

# a trickle (a byte every 200 ms) never lets the receive timeout fire; the minimum rate ends
# the attempt as too slow, and the next attempt, served at full speed, installs the image
fresh
mode trickle-once 200
expect_rc 0 update --min-rate 1000 --rate-window-ms 1500 --attempts 2 --retry-base-ms 100
said "^EEI_UPDATE link-slow attempt=1: too slow: [0-9]+ bytes in 1[5-9][0-9][0-9] ms, at least 1000 bytes/s wanted"
said "^EEI_NEXT attempt 2 in [0-9]+ ms"
said "^EEI_UPDATE ok attempt=2"
holds v2.bin
# the attempt's deadline ends it the same way
fresh
mode trickle-once 200
expect_rc 1 update --deadline-ms 1500
said "^EEI_UPDATE link-slow attempt=1: too slow: the attempt's deadline of 1 s passed"

# link failures are tried again, with a wait that doubles; refused images are not
fresh
mode status 503
expect_rc 1 update --attempts 3 --retry-base-ms 100 --retry-max-ms 150
[ "$(grep -c '^EEI_UPDATE link-http attempt=.: HTTP status 503' out.txt)" = 3 ] && pass ||
    fail "not 3 attempts: $(cat out.txt)"
said "^EEI_NEXT attempt 2 in ([5-9][0-9]|100) ms"
said "^EEI_NEXT attempt 3 in (7[5-9]|[89][0-9]|1[0-4][0-9]|150) ms"
mode plain
cp v3.img www/fw.bin
flip_byte www/fw.bin 100000
expect_rc 1 update --attempts 3 --retry-base-ms 100
[ "$(grep -c '^EEI_UPDATE' out.txt)" = 1 ] && pass || fail "a refused image was tried again"
said "^EEI_UPDATE rejected-tag attempt=1"
mode status 404
expect_rc 1 update
said "^EEI_UPDATE link-http attempt=1: HTTP status 404"
expect_rc 1 sim --url "https://127.0.0.1:1/fw.bin" --ca ca.pem
said "^EEI_UPDATE link-connect attempt=1: cannot connect to 127.0.0.1 port 1"
expect_rc 1 sim --url "https://update.nonexistent.invalid/fw.bin" --ca ca.pem
said "^EEI_UPDATE link-dns attempt=1: cannot resolve update.nonexistent.invalid"

# the server trusted through ESP-IDF's certificate bundle (made by its gen_crt_bundle.py from
# ../shared/third_party, as its build makes it)
idf=$SRC/../shared/third_party/esp-idf-v6.0.2-min.tar.xz
gen=esp-idf-v6.0.2/components/mbedtls/esp_crt_bundle/gen_crt_bundle.py
if [ -f "$idf" ] && python3 -c 'import cryptography' 2>/dev/null && tar -xJf "$idf" "$gen"; then
    bundle() { (mkdir -p "$1" && cd "$1" && python3 "$T/$gen" -q --input "${@:2}") >/dev/null; }
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=other -keyout other_key.pem -out other_ca.pem 2>/dev/null
    bundle ours "$T/ca.pem"
    bundle others "$T/other_ca.pem"
    bundle both "$T/other_ca.pem" "$T/ca.pem"
    fresh
    serve v2.img
    mode redirect 2
    expect_rc 1 sim --url "$U" --ca-bundle others/x509_crt_bundle
    said "^EEI_UPDATE link-tls attempt=1: TLS handshake with 127.0.0.1 failed"
    expect_rc 1 sim --url "https://localhost:$port/fw.bin" --ca-bundle ours/x509_crt_bundle
    said "^EEI_UPDATE link-tls attempt=1: TLS handshake with localhost failed: hostname mismatch"
    expect_rc 0 sim --url "$U" --ca-bundle both/x509_crt_bundle
    said "^EEI_UPDATE ok attempt=1"
    holds v2.bin
    # its first boot: the default self-test reaches the server through the bundle
    expect_rc 1 sim --url "$U" --ca-bundle both/x509_crt_bundle
    said "^EEI_SELFTEST pass: the update server answers"
    said "^EEI_UPDATE current attempt=1: version 2.0.0 is already running"
else
    echo "SKIP: the certificate bundle (no ../shared/third_party ESP-IDF or python3-cryptography)"
fi
finish
