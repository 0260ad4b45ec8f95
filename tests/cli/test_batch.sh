#!/usr/bin/env bash
# batch: 50 devices of mixed key kinds, each output decrypted with its own device key; a broken
# key and a bad id fail alone; manifest.json checked field by field; re-runs replace cleanly, and
# a device that fails keeps its earlier image; no output may be a file the run reads.
. "$(dirname "$0")/../support/lib.sh"
JG=${EEI_JSON_GET:?}
mkdir keys dev
make_input app.bin 150001
app_sha=$(sha256sum app.bin | cut -d' ' -f1)

# 48 good devices: RSA-3072, HMAC-derived P-256 and plain P-256 keys, mixed
devices=()
for i in $(seq -w 1 48); do
    case $((10#$i % 6)) in
    0) kind=rsa priv=rsa_priv_key.pem pub=rsa_pub_key.pem ;;
    1 | 3 | 5) kind=hmac priv=device_hmac_key.bin pub=device_pub_key.pem ;;
    *) kind=ecc priv=ecc_priv_key.pem pub=ecc_pub_key.pem ;;
    esac
    "$E" keygen "$kind" --out-dir "dev/$i" >/dev/null || fail "keygen $kind"
    cp "dev/$i/$pub" "keys/dev-$i.pem"
    echo "$i $kind $priv" >>devices.txt
    devices+=("{\"id\": \"dev-$i\", \"public_key\": \"../keys/dev-$i.pem\"}")
done
echo "not a key" >keys/broken.pem
devices+=("{\"id\": \"dev-broken\", \"public_key\": \"../keys/broken.pem\"}")
devices+=("{\"id\": \"../escape\", \"public_key\": \"../keys/dev-01.pem\"}")
mkdir fleet
(IFS=,; echo "{\"input\": \"../app.bin\", \"devices\": [${devices[*]}]}") >fleet/manifest.json

expect_rc 1 "$E" batch fleet/manifest.json --out-dir out --jobs 3
expect_err "dev-broken: "
expect_err "batch: ../escape: bad id"
expect_err "2 of 50 devices failed"
M=out/manifest.json
[ "$("$JG" $M devices)" = 50 ] && pass || fail "manifest lists $("$JG" $M devices) devices"
[ "$("$JG" $M succeeded)" = 48 ] && pass || fail "succeeded"
[ "$("$JG" $M failed)" = 2 ] && pass || fail "failed"
[ "$("$JG" $M input_sha256)" = "$app_sha" ] && pass || fail "input_sha256"
[ "$("$JG" $M input_size)" = 150001 ] && pass || fail "input_size"
n=0
while read -r i kind priv; do
    j=$((10#$i - 1))
    [ "$("$JG" $M devices.$j.id)" = "dev-$i" ] && pass || fail "id $j"
    [ "$("$JG" $M devices.$j.status)" = ok ] && pass || fail "dev-$i status"
    want=ecies-p256
    [ "$kind" = rsa ] && want=rsa-3072
    [ "$("$JG" $M devices.$j.scheme)" = "$want" ] && pass || fail "dev-$i scheme"
    [ "$("$JG" $M devices.$j.output)" = "dev-$i.bin" ] && pass || fail "dev-$i output"
    [ "$("$JG" $M devices.$j.size)" = 150513 ] && pass || fail "dev-$i size"
    [ "$("$JG" $M devices.$j.sha256)" = "$(sha256sum "out/dev-$i.bin" | cut -d' ' -f1)" ] &&
        pass || fail "dev-$i sha256"
    fp=$(openssl pkey -pubin -in "keys/dev-$i.pem" -outform DER | sha256sum | cut -d' ' -f1)
    [ "$("$JG" $M devices.$j.key_fingerprint)" = "$fp" ] && pass || fail "dev-$i fingerprint"
    # each image opens with its own device's key, and only with it
    "$E" decrypt "out/dev-$i.bin" "dev/$i/$priv" plain.bin && cmp -s plain.bin app.bin && pass ||
        fail "dev-$i does not decrypt"
    n=$((n + 1))
done <devices.txt
[ $n = 48 ] && pass || fail "checked $n devices"
"$E" decrypt out/dev-02.bin dev/04/ecc_priv_key.pem x.bin 2>/dev/null && fail "wrong key opened" || pass
[ "$("$JG" $M devices.48.status)" = failed ] && pass || fail "broken status"
"$JG" $M devices.48.error | grep -q "not a key" && pass || fail "broken reason"
[ "$("$JG" $M devices.49.status)" = failed ] && pass || fail "bad id status"
expect_absent out/dev-broken.bin
expect_absent escape.bin
[ "$(ls out | wc -l)" = 49 ] && pass || fail "out holds $(ls out | wc -l) files" # 48 + manifest

# a re-run replaces every image with fresh key material; a device that now fails keeps the image
# the earlier run wrote, untouched, and its entry says that this file is the earlier run's: its
# key unreadable (a dangling link, a folder: root reads any file) or not a key
cp out/dev-01.bin old-01.bin
for i in 02 03 04; do cp out/dev-$i.bin old-$i.bin && mv keys/dev-$i.pem keys/dev-$i.good; done
cp keys/broken.pem keys/dev-02.pem
ln -s nowhere.pem keys/dev-03.pem
mkdir keys/dev-04.pem
expect_rc 1 "$E" batch fleet/manifest.json --out-dir out --quiet --json
[ "$("$JG" "$T/out.txt" ok)" = false ] && pass || fail "--json ok"
[ "$("$JG" "$T/out.txt" failed)" = 5 ] && pass || fail "--json failed"
for j in 1 2 3; do
    i=0$((j + 1))
    [ "$("$JG" "$T/out.txt" devices.$j.status)" = failed ] && pass || fail "dev-$i should fail"
    [ "$("$JG" "$T/out.txt" devices.$j.previous_kept)" = true ] && pass ||
        fail "dev-$i: previous_kept is $("$JG" "$T/out.txt" devices.$j.previous_kept)"
    "$JG" "$T/out.txt" devices.$j.output >/dev/null && fail "dev-$i failed with an output" || pass
    expect_same out/dev-$i.bin old-$i.bin
    expect_err "batch: dev-$i: "
    expect_err "(out/dev-$i.bin, an earlier run's image, is kept)"
done
[ "$("$JG" out/manifest.json devices.3.previous_kept)" = true ] && pass || fail "manifest.json"
# a device that failed with no earlier image says nothing of one
"$JG" out/manifest.json devices.48.previous_kept >/dev/null && fail "previous_kept of a new" || pass
expect_differ out/dev-01.bin old-01.bin
[ "$(ls -A out | grep -c '^\.')" = 0 ] && pass || fail "temporary files left in out"
# a disk that fills up (writes refused past a size: RLIMIT_FSIZE, its signal ignored) fails every
# image while it is written; every earlier image stays whole and the manifest says so
cp out/dev-05.bin old-05.bin
if posix_only "ulimit -f"; then
    run bash -c 'ulimit -f 100 && trap "" XFSZ && exec "$0" "$@"' "$E" batch fleet/manifest.json \
        --out-dir out --quiet --jobs 2
    [ "$rc" = 1 ] && pass || fail "batch on a full disk: exit $rc ($(head -c 300 err.txt))"
    expect_err "batch: dev-05: out/dev-05.bin: write failed: File too large"
    expect_err "(out/dev-05.bin, an earlier run's image, is kept)"
    [ "$("$JG" out/manifest.json failed)" = 50 ] && pass || fail "not every device failed"
    [ "$("$JG" out/manifest.json devices.4.previous_kept)" = true ] && pass || fail "dev-05 not kept"
    expect_same out/dev-05.bin old-05.bin
    [ "$(ls out | grep -c '\.bin$')" = 48 ] && pass || fail "images lost: $(ls out | wc -l) files"
    [ "$(ls -A out | grep -c '^\.')" = 0 ] && pass || fail "temporary files left in out"
fi
rm keys/dev-02.pem keys/dev-03.pem && rmdir keys/dev-04.pem
for i in 02 03 04; do mv keys/dev-$i.good keys/dev-$i.pem; done

# all good: exit 0, one summary line; --jobs 1 gives the same result
cp dev/02/*_pub_key.pem keys/dev-02.pem
printf '{"input": "../app.bin", "devices": [%s]}\n' \
    "$(IFS=,; echo "${devices[*]:0:48}")" >fleet/good.json
expect_rc 0 "$E" batch fleet/good.json --out-dir out2 --jobs 1
grep -q "48 images written to out2" out.txt && pass || fail "summary line"
expect_rc 0 "$E" batch fleet/good.json --out-dir out2 --quiet
[ -s out.txt ] && fail "--quiet printed" || pass

# progress on a terminal only
on_terminal tty.txt "'$E' batch fleet/good.json --out-dir out3"
grep -q "devices" tty.txt && pass || fail "no progress line on a terminal"
on_terminal tty.txt "'$E' batch fleet/good.json --out-dir out3 --quiet"
grep -q "devices," tty.txt && fail "progress despite --quiet" || pass

# every failure says its own reason, and keeps the image an earlier run left for its id
mkdir stale && for id in nokey twice; do printf 'old' >stale/$id.bin; done
printf '%s\n' '{"input": "../app.bin", "devices": [' \
    '{"id": "nokey"}, {"id": "twice", "public_key": "../keys/dev-01.pem"},' \
    '{"id": "twice", "public_key": "../keys/dev-03.pem"}, {"public_key": "../keys/dev-01.pem"},' \
    '{"id": 7, "public_key": "../keys/dev-01.pem"}, {"id": "a b", "public_key": "../keys/dev-01.pem"},' \
    '{"id": "ok", "public_key": "../keys/dev-01.pem"}]}' >fleet/reasons.json
expect_rc 1 "$E" batch fleet/reasons.json --out-dir stale
expect_err "batch: nokey: no \"public_key\""
expect_err "batch: twice: duplicate id"
expect_err "batch: #4: no \"id\" for this device"
expect_err "batch: #5: the \"id\" is not a string"
expect_err "batch: a b: bad id"
[ "$(grep -c "duplicate id" err.txt)" = 2 ] && pass || fail "only the two twins are duplicates"
expect_only stale ok.bin manifest.json nokey.bin twice.bin
[ "$(cat stale/nokey.bin stale/twice.bin)" = oldold ] && pass || fail "an earlier image changed"
[ "$("$JG" stale/manifest.json failed)" = 6 ] && pass || fail "six failed"
for j in 0 1 2; do
    [ "$("$JG" stale/manifest.json devices.$j.previous_kept)" = true ] && pass ||
        fail "entry $j: previous_kept"
done
"$JG" stale/manifest.json devices.5.previous_kept >/dev/null && fail "'a b' kept an image" || pass
# ids that differ only in case name one file on Windows and macOS (Dev1.bin is dev1.bin there):
# one device's image would replace the other's while the manifest listed both. Duplicates on
# every system, so a manifest means the same everywhere; an exact twin is still "duplicate id"
printf '%s\n' '{"input": "../app.bin", "devices": [' \
    '{"id": "Dev1", "public_key": "../keys/dev-01.pem"}, {"id": "x", "public_key": "../keys/dev-01.pem"},' \
    '{"id": "dev1", "public_key": "../keys/dev-03.pem"}, {"id": "X", "public_key": "../keys/dev-01.pem"},' \
    '{"id": "x", "public_key": "../keys/dev-01.pem"}, {"id": "dev-1", "public_key": "../keys/dev-01.pem"}]}' \
    >fleet/case.json
expect_rc 1 "$E" batch fleet/case.json --out-dir case
expect_err "batch: Dev1: duplicate id, but for letter case"
expect_err "batch: dev1: duplicate id, but for letter case"
expect_err "batch: X: duplicate id, but for letter case"
[ "$(grep -c "batch: x: duplicate id$" err.txt)" = 2 ] && pass || fail "the exact twins: $(cat err.txt)"
expect_only case dev-1.bin manifest.json
[ "$("$JG" case/manifest.json failed)" = 5 ] && pass || fail "five failed"
# a device's HMAC key (32 secret bytes) where its public key belongs: refused, saying what it is
# and what to give instead, whatever the file is called; its public key PEM works
cp dev/01/device_hmac_key.bin keys/secret.key
printf '{"input": "../app.bin", "devices": [%s, %s]}\n' \
    '{"id": "leak", "public_key": "../keys/secret.key"}' \
    '{"id": "fine", "public_key": "../keys/dev-01.pem"}' >fleet/secret.json
expect_rc 1 "$E" batch fleet/secret.json --out-dir secret
expect_err "batch: leak: fleet/../keys/secret.key: its public_key is a secret: the 32-byte HMAC key"
expect_err "not a public key; give the device's public key instead (device_pub_key.pem, or 'esp_enc_img pubkey"
expect_only secret fine.bin manifest.json
"$JG" secret/manifest.json devices.0.error | grep -q "is a secret: the 32-byte HMAC key" && pass ||
    fail "the manifest does not say why leak failed"
# the longest id (128 characters) names its image whole
long=$(printf 'd%.0s' $(seq 128))
printf '{"input": "../app.bin", "devices": [{"id": "%s", "public_key": "../keys/dev-01.pem"}]}' \
    "$long" >fleet/long.json
expect_rc 0 "$E" batch fleet/long.json --out-dir longout --quiet
expect_only longout "$long.bin" manifest.json
[ "$("$JG" longout/manifest.json devices.0.id)" = "$long" ] && pass || fail "the long id, cut"
# a NUL spelled in JSON would cut an id or a path short: the manifest is refused, with where
printf '{"input": "../app.bin",\n "devices": [{"id": "ok\\u0000../../x", "public_key": "k"}]}\n' \
    >fleet/nulchar.json
expect_rc 3 "$E" batch fleet/nulchar.json --out-dir nulout
expect_err "fleet/nulchar.json:2:24: \\u0000"
expect_absent nulout
# a JSON mistake is said with its file, line and column, and the text there
printf '{"input": "../app.bin",\n "devices": [\n  {"id": "a", "public_key": "k"},\n  {"id": "b" "public_key": "k"}\n]}\n' \
    >fleet/syntax.json
expect_rc 3 "$E" batch fleet/syntax.json --out-dir syntax
expect_err "esp_enc_img: fleet/syntax.json:4:14: JSON syntax error near '\"public_key\": \"k\"}'"
expect_err_lines 1
expect_absent syntax
printf '{"input": "../app.bin",\n "devices": [],\n}\n' >fleet/comma.json # a comma too many
expect_rc 3 "$E" batch fleet/comma.json --out-dir syntax
expect_err "fleet/comma.json:3:1: JSON syntax error near '}'"
printf '{"input": "../app.bin",\n "devices": [\n' >fleet/cut.json
expect_rc 3 "$E" batch fleet/cut.json --out-dir syntax
expect_err "fleet/cut.json:3:1: JSON syntax error at the end of the file"
printf '{"input": "../app.bin", "devices": []}\n{"input": "../app.bin", "devices": []}\n' >fleet/two.json
expect_rc 3 "$E" batch fleet/two.json --out-dir syntax
expect_err "fleet/two.json:2:1: JSON syntax error near '{\"input\": \"../app.bin\", '"
: >fleet/empty.json
expect_rc 3 "$E" batch fleet/empty.json --out-dir syntax
expect_err "fleet/empty.json: empty, not JSON"
expect_absent syntax

# the input is read once into a stable copy: cut or rewritten on disk during the run, every image
# still holds the build that was read, the one the manifest's hash names
head -c $((8 << 20)) /dev/urandom >big.bin
big_sha=$(sha256sum big.bin | cut -d' ' -f1)
cp big.bin big.orig
list=$(for i in $(seq -w 1 24); do printf '{"id": "b%s", "public_key": "../keys/dev-01.pem"},' $i; done)
printf '{"input": "../big.bin", "devices": [%s]}\n' "${list%,}" >fleet/big.json
"$E" batch fleet/big.json --out-dir bigout --jobs 1 --quiet 2>batch.err &
bpid=$!
sleep 0.3
truncate -s 1000 big.bin
head -c 5000 /dev/urandom >>big.bin
wait $bpid
rc=$?
[ $rc = 0 ] && pass || fail "batch on a changing input: exit $rc ($(cat batch.err))"
[ "$("$JG" bigout/manifest.json input_sha256)" = "$big_sha" ] && pass || fail "manifest hash"
for i in 01 12 24; do
    "$E" decrypt bigout/b$i.bin dev/01/device_hmac_key.bin back.bin && cmp -s back.bin big.orig &&
        pass || fail "b$i is not the build that was read"
done

# Ctrl-C: the devices done so far are in manifest.json, the others marked interrupted, no image
# beside them; the exit says interrupted, and the --json answer says the same, whole
list=$(for i in $(seq -w 1 400); do printf '{"id": "i%s", "public_key": "../keys/dev-01.pem"},' $i; done)
printf '{"input": "../big.orig", "devices": [%s]}\n' "${list%,}" >fleet/long.json
"$E" batch fleet/long.json --out-dir intr --jobs 1 --quiet --json >intr.json 2>intr.err &
bpid=$!
for _ in $(seq 200); do [ -e intr/i002.bin ] && break; sleep 0.02; done
kill -INT $bpid
wait $bpid
rc=$?
[ $rc = 130 ] && pass || fail "interrupted batch: exit $rc"
grep -q "interrupted" intr.err && pass || fail "no word of the interruption: $(cat intr.err)"
expect_present intr/manifest.json
done_n=$("$JG" intr/manifest.json succeeded)
[ "$done_n" -ge 1 ] && [ "$done_n" -lt 400 ] && pass || fail "$done_n devices done"
[ "$(ls intr | grep -c '\.bin$')" = "$done_n" ] && pass || fail "images do not match the manifest"
"$JG" intr/manifest.json devices.399.error | grep -q "interrupted" && pass || fail "last not marked"
[ "$("$JG" intr.json succeeded)" = "$done_n" ] && [ "$("$JG" intr.json ok)" = false ] && pass ||
    fail "the --json answer of the interrupted run: $(tail -c 200 intr.json)"
"$JG" intr.json error | grep -q "interrupted" && pass || fail "the --json answer's error"

# Ctrl-C while the result is printed (a --json answer larger than a pipe holds, read late): the
# work is done, yet the run ends as interrupted, as at any other moment of it
if posix_only "signals sent by kill"; then
    make_input small.bin 1000
    list=$(for i in $(seq -w 1 1000); do printf '{"id": "p%s", "public_key": "../keys/dev-02.pem"},' $i; done)
    printf '{"input": "../small.bin", "devices": [%s]}\n' "${list%,}" >fleet/print.json
    mkfifo print.pipe
    "$E" batch fleet/print.json --out-dir print --json --quiet >print.pipe 2>print.err &
    bpid=$!
    exec 3<print.pipe
    for _ in $(seq 1500); do [ -e print/manifest.json ] && break; sleep 0.02; done
    sleep 0.3
    kill -INT $bpid
    cat <&3 >print.out
    exec 3<&-
    wait $bpid
    rc=$?
    [ $rc = 130 ] && pass || fail "batch interrupted while it printed its answer: exit $rc"
    [ "$("$JG" print/manifest.json succeeded)" = 1000 ] && pass || fail "print/manifest.json"
fi

# a second Ctrl-C ends the run at once, in the middle of a device: nothing of the image being
# written is left (where it has a name, macOS and the BSDs, it is removed as on any other stop)
if posix_only "signals sent by kill"; then
    head -c $((96 << 20)) /dev/zero >huge.bin
    printf '{"input": "../huge.bin", "devices": [%s, %s]}\n' \
        '{"id": "h1", "public_key": "../keys/dev-01.pem"}' \
        '{"id": "h2", "public_key": "../keys/dev-01.pem"}' >fleet/huge.json
    mkdir twice
    "$E" batch fleet/huge.json --out-dir twice --jobs 1 --quiet --max-size 100M 2>twice.err &
    bpid=$!
    caught=false
    for _ in $(seq 3000); do
        for fd in /proc/$bpid/fd/*; do
            case "$(readlink "$fd" 2>/dev/null)" in
            "$T/twice/"*)
                [ "$(stat -L -c %s "$fd" 2>/dev/null || echo 0)" -gt 1000000 ] && caught=true ;;
            esac
        done
        $caught && break
        sleep 0.01
    done
    kill -STOP $bpid
    kill -INT $bpid
    kill -CONT $bpid
    sleep 0.05
    kill -INT $bpid
    wait $bpid
    rc=$?
    $caught && pass || fail "no device got going"
    [ $rc = 130 ] && pass || fail "batch stopped twice: exit $rc"
    expect_only twice $(cd twice && ls h?.bin 2>/dev/null)
    rm -f huge.bin
fi

# No output may be a file the run reads: the manifest's own folder as --out-dir (the results would
# replace the manifest), an app or a key named as a device's image, by any path or link. Refused
# before any work, exit 3, naming both files; nothing written, nothing changed.
mkdir own && cp app.bin own/app.bin && cp keys/dev-01.pem own/dev-1.pem && cp keys/dev-05.pem own/k5
printf '{"input": "app.bin", "devices": [%s, %s]}\n' '{"id": "dev-1", "public_key": "dev-1.pem"}' \
    '{"id": "dev-2", "public_key": "k5"}' >own/manifest.json
cp -r own own.before
refused_own() { # WHY ARGS...: refused, own/ as it was
    local why=$1
    shift
    expect_rc 3 "$E" batch "$@"
    expect_err "$why"
    expect_err "nothing written"
    expect_err_lines 1
    diff -r own own.before >/dev/null && pass || fail "own/ changed: $why"
}
refused_own "batch: the output own/manifest.json (the results) is the same file as \
own/manifest.json (the manifest): it would be replaced" own/manifest.json --out-dir own
refused_own "the output own/../own/./manifest.json (the results) is the same file as \
own/manifest.json (the manifest)" own/manifest.json --out-dir own/../own/.
ln -s own own-link
refused_own "the output own-link/manifest.json (the results) is the same file as own/manifest.json" \
    own/manifest.json --out-dir own-link
not_under_wine "which file stdin reads" &&
    refused_own "the output own/manifest.json (the results) is the same file as stdin (the manifest)" \
        - --out-dir own <own/manifest.json
expect_absent own-link/dev-1.bin

# Images written into FIFOs (to uploaders, say) by several workers at once: each reader gets its
# own device's image whole, the one whose hash the manifest lists
if posix_only "FIFOs"; then
    head -c $((6 << 20)) /dev/urandom >fifo_app.bin
    list=$(for i in 1 2 3 4 5 6; do printf '{"id": "f%s", "public_key": "../keys/dev-01.pem"},' $i; done)
    printf '{"input": "../fifo_app.bin", "devices": [%s]}\n' "${list%,}" >fleet/fifos.json
    mkdir fifos
    readers=()
    for i in 1 2 3 4 5 6; do
        mkfifo fifos/f$i.bin
        cat fifos/f$i.bin >fifo_got$i.bin &
        readers+=($!)
    done
    expect_rc 0 timeout 120 "$E" batch fleet/fifos.json --out-dir fifos --jobs 6 --quiet
    wait "${readers[@]}"
    for i in 1 2 3 4 5 6; do
        [ "$("$JG" fifos/manifest.json devices.$((i - 1)).sha256)" = \
            "$(sha256sum fifo_got$i.bin | cut -d' ' -f1)" ] && pass || fail "f$i: not the image listed"
        "$E" decrypt fifo_got$i.bin dev/01/device_hmac_key.bin fifo_back.bin && cmp -s fifo_back.bin fifo_app.bin &&
            pass || fail "f$i: its reader got no whole image"
    done
    rm -f fifo_app.bin fifo_got*.bin fifo_back.bin
fi

# Nor may two outputs be one file: a link in DIR from one device's image to another's (or to
# manifest.json, or two links to one name) would leave one device with the other's image while
# the manifest lists both as written. Refused before any work, naming both; nothing written.
if posix_only "symbolic links made by ln -s"; then
    printf '{"input": "../app.bin", "devices": [%s, %s, %s]}\n' \
        '{"id": "a1", "public_key": "../keys/dev-01.pem"}' \
        '{"id": "a2", "public_key": "../keys/dev-03.pem"}' \
        '{"id": "a3", "public_key": "../keys/dev-01.pem"}' >fleet/alias.json
    mkdir alias && printf 'old a2' >alias/a2.bin && ln -s a2.bin alias/a1.bin
    expect_rc 3 "$E" batch fleet/alias.json --out-dir alias
    expect_err "batch: the outputs alias/a1.bin (the image of device a1) and alias/a2.bin (the image of device a2) are one file"
    expect_err "nothing written"
    [ "$(cat alias/a2.bin)" = "old a2" ] && pass || fail "a2.bin changed"
    expect_only alias a1.bin a2.bin
    rm alias/a1.bin && ln -s manifest.json alias/a3.bin
    expect_rc 3 "$E" batch fleet/alias.json --out-dir alias
    expect_err "alias/a3.bin (the image of device a3) and alias/manifest.json (the results) are one file"
    rm alias/a3.bin && ln -s elsewhere.bin alias/a1.bin && ln -s ./elsewhere.bin alias/a3.bin
    expect_rc 3 "$E" batch fleet/alias.json --out-dir alias
    expect_err "are one file"
    expect_only alias a1.bin a2.bin a3.bin
    # a link to a file of no other output is followed, as for any output
    rm alias/a3.bin
    expect_rc 0 "$E" batch fleet/alias.json --out-dir alias --quiet
    [ -L alias/a1.bin ] && [ -f alias/elsewhere.bin ] && pass || fail "a1.bin's link not followed"
    expect_rc 0 "$E" decrypt alias/a1.bin dev/01/device_hmac_key.bin back.bin
fi
# the manifest elsewhere; in the out-dir, an app or a key bear a device's image name
mkdir img && cp app.bin img/dev-1.bin && cp keys/dev-02.pem img/dev-2.bin && cp -r img img.before
printf '{"input": "../img/dev-1.bin", "devices": [%s, %s]}\n' \
    '{"id": "dev-2", "public_key": "../img/dev-2.bin"}' \
    '{"id": "dev-1", "public_key": "../keys/dev-01.pem"}' >fleet/img.json
expect_rc 3 "$E" batch fleet/img.json --out-dir img --jobs 1
expect_err "batch: the output img/dev-2.bin (the image of device dev-2) is the same file as \
fleet/../img/dev-2.bin (the public_key of device dev-2)"
diff -r img img.before >/dev/null && pass || fail "img/ changed"
printf '{"input": "../img/dev-1.bin", "devices": [{"id": "dev-1", "public_key": "../keys/dev-01.pem"}]}' \
    >fleet/img1.json
expect_rc 3 "$E" batch fleet/img1.json --out-dir img --shard 1/1
expect_err "batch: shard 1/1: the output img/dev-1.bin (the image of device dev-1) is the same \
file as fleet/../img/dev-1.bin (the manifest's input)"
# ... a hard link, another device's key, a sign_key, the passphrase file; and with --json
mkdir ln && ln keys/dev-03.pem ln/dev-9.bin
printf '{"input": "../app.bin", "devices": [%s, %s]}\n' '{"id": "dev-9", "public_key": "../keys/dev-01.pem"}' \
    '{"id": "other", "public_key": "../keys/dev-03.pem"}' >fleet/ln.json
expect_rc 3 "$E" batch fleet/ln.json --out-dir ln
expect_err "the output ln/dev-9.bin (the image of device dev-9) is the same file as \
fleet/../keys/dev-03.pem (the public_key of device other)"
"$E" keygen ecc --out-dir sk >/dev/null && cp sk/ecc_priv_key.pem sk/dev-9.bin || fail "keygen"
printf '{"input": "../app.bin", "sign_key": "../sk/dev-9.bin", "devices": [%s]}\n' \
    '{"id": "dev-9", "public_key": "../keys/dev-01.pem"}' >fleet/sk.json
expect_rc 3 "$E" batch fleet/sk.json --out-dir sk
expect_err "the output sk/dev-9.bin (the image of device dev-9) is the same file as \
fleet/../sk/dev-9.bin (a sign_key)"
printf '{"input": "../app.bin", "devices": []}' >fleet/none.json
expect_rc 0 "$E" batch fleet/none.json --out-dir pass --quiet
cp pass/manifest.json pass.before
expect_rc 3 "$E" batch fleet/none.json --out-dir pass --passphrase-file pass/manifest.json --json
expect_json ok false
jget error | grep -qF "the output pass/manifest.json (the results) is the same file as \
pass/manifest.json (the passphrase file)" && pass || fail "--json error: $(cat out.txt)"
expect_same pass/manifest.json pass.before
expect_rc 3 "$E" batch fleet/none.json --out-dir pass --pin-file pass/manifest.json
expect_err "(the PIN file)"
expect_only ln dev-9.bin
expect_only sk dev-9.bin ecc_priv_key.pem ecc_pub_key.pem
# a device that is not written (a bad id, a duplicate) replaces nothing: no refusal for it
mkdir dup && cp keys/dev-01.pem dup/twin.bin
printf '{"input": "../app.bin", "devices": [%s, %s, %s]}\n' \
    '{"id": "twin", "public_key": "../dup/twin.bin"}' '{"id": "twin", "public_key": "../dup/twin.bin"}' \
    '{"id": "fine", "public_key": "../dup/twin.bin"}' >fleet/dup.json
expect_rc 1 "$E" batch fleet/dup.json --out-dir dup
expect_same dup/twin.bin keys/dev-01.pem
expect_present dup/fine.bin

# manifest and usage errors
echo '{"devices": []}' >noinput.json
expect_rc 3 "$E" batch noinput.json --out-dir o
expect_err "not a manifest"
echo '{"input": "missing.bin", "devices": []}' >missing.json
expect_rc 3 "$E" batch missing.json --out-dir o
expect_err "missing.bin"
expect_rc 3 "$E" batch nosuch.json --out-dir o
expect_rc 2 "$E" batch fleet/good.json
expect_rc 2 "$E" batch fleet/good.json --out-dir o --jobs 0
expect_rc 2 "$E" batch fleet/good.json --out-dir o --jobs many
finish
