#!/usr/bin/env bash
# The whole update on one machine: keygen, encrypt a valid app, serve it over HTTPS, and the
# simulated device downloads, decrypts, flashes and switches its boot slot; then a tampered
# image, a server killed mid-transfer and a wrong certificate leave the device as it was.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_BINARY
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../support/lib.sh"
command -v curl >/dev/null || { echo "curl is not installed"; exit 1; }
sim() { "$SIM" --flash dev.img "$@"; }
boots() { [ "$(sim --boot-slot)" = "$1" ] && pass || fail "boots $(sim --boot-slot), wanted $1"; }
same_app() { sim --dump-slot now.bin && expect_same now.bin "$1"; }

# the release engineer: keys, then the build encrypted for the device
mkdir www
"$E" keygen hmac --out-dir keys >/dev/null && "$E" keygen rsa --out-dir keys >/dev/null
"$MKAPP" v2.bin --size 300000 --version 2.0.0 --seed 2
"$MKAPP" v3.bin --size 250000 --version 3.0.0 --seed 3
"$E" encrypt v2.bin keys/device_pub_key.pem www/fw_v2.bin
"$E" encrypt v3.bin keys/rsa_pub_key.pem www/fw_v3.bin
cp www/fw_v3.bin www/fw_tampered.bin
flip_byte www/fw_tampered.bin 200000

start_server www --self-signed 127.0.0.1 || exit 1
CA=server_certs/ca_cert.pem
U=https://127.0.0.1:$port

# the device: downloads over HTTPS, decrypts, flashes, switches
expect_rc 0 sim --hmac-key keys/device_hmac_key.bin --url $U/fw_v2.bin --ca $CA
boots ota_1
same_app v2.bin
# the same with ESP-IDF's partial download (Range requests of 16 KiB)
expect_rc 0 sim --rsa-key keys/rsa_priv_key.pem --url $U/fw_v3.bin --ca $CA --range-size 16384
boots ota_0
same_app v3.bin
ranges=$(grep -c '"GET /fw_v3.bin" 206' serve.log)
[ "$ranges" -ge 15 ] && pass || fail "only $ranges range requests"

# rejections leave the boot slot and its bytes alone
expect_rc 1 sim --rsa-key keys/rsa_priv_key.pem --url $U/fw_tampered.bin --ca $CA --skip-version-check
expect_err "authentication failed"
boots ota_0
same_app v3.bin
expect_rc 1 sim --rsa-key keys/rsa_priv_key.pem --url $U/missing.bin --ca $CA
expect_err "link-http: HTTP status 404"
expect_rc 3 sim --hmac-key keys/device_hmac_key.bin --url $U/fw_v2.bin --ca "$SRC/keys/rsa_pub_key.pem"
expect_err "error: cannot read the CA certificate" # a firmware built with no certificate in it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=other \
    -keyout other_key.pem -out other_ca.pem 2>/dev/null
expect_rc 1 sim --hmac-key keys/device_hmac_key.bin --url $U/fw_v2.bin --ca other_ca.pem
expect_err "link-tls: TLS handshake with 127.0.0.1 failed: self-signed certificate"
expect_rc 1 sim --hmac-key keys/device_hmac_key.bin --url https://localhost:$port/fw_v2.bin --ca $CA \
    --skip-version-check
expect_err "link-tls: TLS handshake with localhost failed: hostname mismatch" # it names 127.0.0.1
boots ota_0
# path traversal is answered 400 or 404, never with a file
for p in /../server_certs/ca_key.pem /%2e%2e/server_certs/ca_key.pem /www/../../etc/passwd; do
    c=$(curl -s --path-as-is --cacert $CA -o /dev/null -w '%{http_code}' "$U$p")
    case $c in 400 | 404) pass ;; *) fail "$p answered $c" ;; esac
done

# a link that drops every 64 KiB: the device resumes with Range requests where it stopped,
# and the image it writes is the one that was served, byte for byte
"$MKAPP" v4.bin --size 400000 --version 4.0.0 --seed 4
"$E" encrypt v4.bin keys/device_pub_key.pem www/fw_v4.bin
expect_rc 0 sim --hmac-key keys/device_hmac_key.bin --url $U/fw_v4.bin --ca $CA --drop-every 65536
boots ota_1
same_app v4.bin
drops=$((($(stat -c %s www/fw_v4.bin) - 1) / 65536))
for _ in $(seq 40); do # the server logs a request once its answer is sent
    resumed=$(grep -c '"GET /fw_v4.bin" 206' serve.log)
    [ "$resumed" -ge "$drops" ] && break
    sleep 0.05
done
[ "$resumed" = "$drops" ] && pass || fail "$resumed resumed requests in the server's log, not $drops"
# a resume that gets another length (the image changed on the server) is not spliced in
"$E" encrypt v2.bin keys/device_pub_key.pem www/fw_swap.bin
cat >swap.sh <<SH
sleep 0.3; cp www/fw_v4.bin www/fw_swap.bin.new && mv www/fw_swap.bin.new www/fw_swap.bin
SH
bash swap.sh &
swap_pid=$!
expect_rc 1 sim --hmac-key keys/device_hmac_key.bin --url $U/fw_swap.bin --ca $CA --skip-version-check \
    --drop-every 16384 --rate 100000
wait $swap_pid
boots ota_1
same_app v4.bin

# the server killed in the middle of a (slow) transfer in Range requests, so no socket buffer
# can hold the rest of the image
sim --hmac-key keys/device_hmac_key.bin --url $U/fw_v2.bin --ca $CA --allow-downgrade \
    --range-size 16384 --rate 200000 >/dev/null 2>sim.err &
sim_pid=$!
sleep 0.5 # of about 1.5 s
kill -KILL $srv_pid
wait $srv_pid 2>/dev/null
wait $sim_pid
rc=$?
[ $rc = 1 ] && pass || fail "server killed: the device exited $rc"
grep -Eq "link-(cut|connect): " sim.err && pass || fail "reason: $(cat sim.err)"
boots ota_1
same_app v4.bin
finish
