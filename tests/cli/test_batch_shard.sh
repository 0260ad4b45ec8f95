#!/usr/bin/env bash
# batch --shard K/N and --merge: N runners write a fleet between them. Merged, their manifests are
# the one a single run writes (only the images' SHA-256 differ: every image has fresh key material);
# their images, as a set, have the same names and open to the same firmware. Each device is in the
# shard the documented rule names. Shards that do not make one run are refused; nothing is merged.
. "$(dirname "$0")/../support/lib.sh"
JG=${EEI_JSON_GET:?}
mkdir keys dev fleet
make_input fleet/app.bin 70001

# 12 good devices (RSA-3072, HMAC-derived and plain P-256 keys), and some that fail: a broken key,
# a bad id, a device's HMAC secret, an id twice. Failures must come out of the shards as they do
# out of one run.
devices=()
for i in $(seq -w 1 12); do
    case $((10#$i % 4)) in
    0) kind=rsa priv=rsa_priv_key.pem pub=rsa_pub_key.pem ;;
    1 | 3) kind=hmac priv=device_hmac_key.bin pub=device_pub_key.pem ;;
    *) kind=ecc priv=ecc_priv_key.pem pub=ecc_pub_key.pem ;;
    esac
    "$E" keygen "$kind" --out-dir "dev/$i" >/dev/null || fail "keygen $kind"
    cp "dev/$i/$pub" "keys/dev-$i.pem"
    echo "dev-$i dev/$i/$priv" >>privs.txt
    devices+=("{\"id\": \"dev-$i\", \"public_key\": \"../keys/dev-$i.pem\"}")
done
echo "not a key" >keys/broken.pem
devices+=('{"id": "broken", "public_key": "../keys/broken.pem"}'
    '{"id": "a b", "public_key": "../keys/dev-01.pem"}'
    '{"id": "secret", "public_key": "../dev/01/device_hmac_key.bin"}'
    '{"id": "twin", "public_key": "../keys/dev-02.pem"}'
    '{"id": "twin", "public_key": "../keys/dev-03.pem"}')
(IFS=,; echo "{\"input\": \"app.bin\", \"devices\": [${devices[*]}]}") >fleet/manifest.json
total=${#devices[@]}
ok_names=$(for i in $(seq -w 1 12); do echo "dev-$i.bin"; done)

# the reference: the whole fleet in one run. It names its manifest and every entry's place.
expect_rc 1 "$E" batch fleet/manifest.json --out-dir whole --quiet
W=whole/manifest.json
[ "$("$JG" $W devices)" = "$total" ] && pass || fail "the whole run lists $("$JG" $W devices)"
[ "$("$JG" $W manifest_sha256)" = "$(sha256sum fleet/manifest.json | cut -d' ' -f1)" ] && pass ||
    fail "manifest_sha256"
[ "$("$JG" $W devices.16.index)" = 16 ] && [ "$("$JG" $W devices.0.index)" = 0 ] && pass ||
    fail "index"
"$JG" $W shard >/dev/null && fail "a whole run is marked as a shard" || pass
[ "$(ls whole | grep -c '\.bin$')" = 12 ] && pass || fail "the whole run wrote $(ls whole)"
while read -r id priv; do
    "$E" decrypt "whole/$id.bin" "$priv" plain.bin && cmp -s plain.bin fleet/app.bin && pass ||
        fail "whole/$id.bin does not open to the input"
done <privs.txt

# The only values that may differ between a merged and a single run: each image's sha256 (fresh
# AES key, IV and, for ECIES, ephemeral key every time). No timings or paths of the run are kept.
strip() { grep -v '^[[:space:]]*"sha256":' "$1"; }

# split N: every shard, its rule, its images; then the merge against the whole run
split_and_merge() {
    local n=$1 k j id h count
    for k in $(seq "$n"); do
        run "$E" batch fleet/manifest.json --out-dir "s$n/$k" --shard "$k/$n" --quiet --jobs 2
        [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "shard $k/$n: exit $rc ($(cat err.txt))"
        local S=s$n/$k/manifest.json
        [ "$("$JG" "$S" shard)" = "$k/$n" ] && pass || fail "$S: shard"
        [ "$("$JG" "$S" devices_total)" = "$total" ] && pass || fail "$S: devices_total"
        count=$("$JG" "$S" devices)
        # the rule the docs give: the first 4 bytes of SHA-256(id), mod N, plus 1
        for ((j = 0; j < count; j++)); do
            id=$("$JG" "$S" devices.$j.id)
            h=$(printf %s "$id" | sha256sum | cut -c1-8)
            [ $((0x$h % n + 1)) = "$k" ] && pass || fail "$id is in shard $k/$n"
        done
        # its own images only, one per device it lists as ok
        want=$(for ((j = 0; j < count; j++)); do
            [ "$("$JG" "$S" devices.$j.status)" = ok ] && echo "$("$JG" "$S" devices.$j.output)"
        done | sort | tr '\n' ' ')
        got=$(ls "s$n/$k" | grep '\.bin$' | sort | tr '\n' ' ')
        [ "$want" = "$got" ] && pass || fail "s$n/$k holds '$got', its manifest lists '$want'"
    done
    # merged (the shards in any order): the whole run's manifest, but for the images' hashes
    expect_rc 1 "$E" batch --merge $(ls -r s"$n"/*/manifest.json) -o "merged$n.json" --quiet
    expect_err "batch: secret: "
    expect_err "batch: 5 of $total devices failed (see merged$n.json)"
    if diff <(strip "merged$n.json") <(strip $W) >diff.txt; then pass; else
        fail "merged$n.json is not the whole run's manifest: $(head -c 600 diff.txt)"
    fi
    [ "$(strip "merged$n.json" | wc -l)" -gt 40 ] && pass || fail "merged$n.json is nearly empty"
    # the images as a set: the same names; each is the one the merged manifest hashes, and opens
    # to the input with its own device's key
    got=$(ls s"$n"/*/ | grep '\.bin$' | sort)
    [ "$got" = "$ok_names" ] && pass || fail "the shards of $n wrote: $got"
    j=0
    while read -r id priv; do
        local img
        img=$(ls s"$n"/*/"$id.bin")
        [ "$("$JG" "merged$n.json" devices.$j.sha256)" = "$(sha256sum "$img" | cut -d' ' -f1)" ] &&
            pass || fail "$img: not the sha256 the merged manifest gives"
        "$E" decrypt "$img" "$priv" plain.bin && cmp -s plain.bin fleet/app.bin && pass ||
            fail "$img does not open to the input"
        j=$((j + 1))
    done <privs.txt
}
split_and_merge 3
split_and_merge 40 # more shards than devices: most write nothing but their manifest.json
empty=0
for k in $(seq 40); do
    [ "$("$JG" s40/$k/manifest.json devices)" = 0 ] && empty=$((empty + 1)) &&
        expect_only s40/$k manifest.json
done
[ $empty -ge 23 ] && pass || fail "only $empty of 40 shards of 17 devices are empty"
# an empty shard is a success, and says so in JSON too
for k in $(seq 40); do [ "$("$JG" s40/$k/manifest.json devices)" = 0 ] && break; done
expect_rc 0 "$E" batch fleet/manifest.json --out-dir s40/x --shard "$k/40" --json
expect_json ok true
expect_json devices 0
expect_json failed 0

# Every shard checks every id of the manifest (a duplicate is one in every shard), in n log n:
# 100003 devices (keys missing, so no encryption) get through well within 10 s (0.3 s on a 2-core
# machine, where comparing every pair took over a minute: bench/results.md). Each entry of an id
# given three times fails as a duplicate.
h=$(printf %s triple | sha256sum | cut -c1-8)
k=$((0x$h % 1000 + 1))
{
    echo '{"input": "app.bin", "devices": [{"id": "triple", "public_key": "none.pem"},'
    seq -f '{"id": "dev-%06g", "public_key": "none.pem"},' 1 50000
    echo '{"id": "triple", "public_key": "none.pem"},'
    seq -f '{"id": "dev-%06g", "public_key": "none.pem"},' 50001 100000
    echo '{"id": "triple", "public_key": "none.pem"}]}'
} >fleet/large.json
run timeout 10 "$E" batch fleet/large.json --out-dir large --shard "$k/1000" --quiet
[ "$rc" = 1 ] && pass || fail "100003 devices, shard $k/1000: exit $rc ($(head -c 300 err.txt))"
L=large/manifest.json
[ "$("$JG" $L devices_total)" = 100003 ] && pass || fail "devices_total: $("$JG" $L devices_total)"
count=$("$JG" $L devices)
[ "$count" -gt 50 ] && [ "$count" -lt 200 ] && pass || fail "shard $k/1000 lists $count devices"
triples=
for ((j = 0; j < count; j++)); do
    if [ "$("$JG" $L devices.$j.id)" = triple ]; then
        triples="$triples $("$JG" $L devices.$j.index)"
        [ "$("$JG" $L devices.$j.error)" = "duplicate id" ] && pass || fail "triple at $j"
    else
        "$JG" $L devices.$j.error | grep -q "none.pem" && pass || fail "entry $j: its key"
    fi
done
[ "$triples" = " 0 50001 100002" ] && pass || fail "the triple's entries:$triples"

# A shard refuses to write an image that is a file some shard reads, as one run over the whole
# manifest refuses it: here the image of a device of shard 1 is the key of a device of shard 2
x= y=
for id in a b c d e f g h i j; do
    h=$(printf %s $id | sha256sum | cut -c1-8)
    if [ $((0x$h % 2)) = 0 ]; then x=${x:-$id}; else y=${y:-$id}; fi
done
mkdir xs && cp keys/dev-01.pem "xs/$x.bin"
printf '{"input": "app.bin", "devices": [%s, %s]}\n' "{\"id\": \"$x\", \"public_key\": \"../keys/dev-02.pem\"}" \
    "{\"id\": \"$y\", \"public_key\": \"../xs/$x.bin\"}" >fleet/xs.json
expect_rc 3 "$E" batch fleet/xs.json --out-dir xs --shard 1/2
expect_err "batch: shard 1/2: the output xs/$x.bin (the image of device $x) is the same file as \
fleet/../xs/$x.bin (the public_key of device $y)"
expect_same "xs/$x.bin" keys/dev-01.pem
expect_rc 0 "$E" batch fleet/xs.json --out-dir xs --shard 2/2 --quiet # writes only $y.bin
expect_same "xs/$x.bin" keys/dev-01.pem
expect_present "xs/$y.bin"

# All good: exit 0, a summary line, and -o - writes the merged manifest to stdout
printf '{"input": "app.bin", "devices": [%s]}\n' "$(IFS=,; echo "${devices[*]:0:12}")" \
    >fleet/good.json
for k in 1 2; do
    expect_rc 0 "$E" batch fleet/good.json --out-dir g/$k --shard $k/2 --json
    expect_json shard "$k/2"
    expect_json devices_total 12
done
expect_rc 0 "$E" batch --merge g/1/manifest.json g/2/manifest.json -o g/manifest.json
grep -q "batch: 2 shards merged: 12 devices, all written (g/manifest.json lists them)" out.txt &&
    pass || fail "merge summary: $(cat out.txt)"
expect_rc 0 "$E" batch --merge g/1/manifest.json g/2/manifest.json -o -
expect_same out.txt g/manifest.json
expect_rc 0 "$E" batch --merge g/2/manifest.json g/1/manifest.json -o g/again.json --json
expect_json ok true
expect_json succeeded 12
expect_same g/manifest.json g/again.json

# Refused, nothing written, an existing output untouched, no temporary file left
mkdir m && echo old >m/out.json
refused() { # WHY SHARD_MANIFEST...
    local why=$1
    shift
    expect_rc 3 "$E" batch --merge "$@" -o m/out.json
    expect_err "$why"
    expect_err_lines 1
    [ "$(cat m/out.json)" = old ] && pass || fail "m/out.json was replaced: $why"
    expect_only m out.json
}
refused "batch --merge: shard 3/3 is missing (2 of 3 given)" s3/1/manifest.json s3/2/manifest.json
refused "batch --merge: shard 2/3 given twice: s3/2/manifest.json and s3/2/manifest.json" \
    s3/{1,2,2,3}/manifest.json
refused "s3/1/manifest.json is shard 1/3 and s40/2/manifest.json is shard 2/40" \
    s3/1/manifest.json s40/2/manifest.json s3/3/manifest.json
# another manifest: one device fewer
printf '{"input": "app.bin", "devices": [%s]}\n' "$(IFS=,; echo "${devices[*]:1}")" >fleet/other.json
run "$E" batch fleet/other.json --out-dir o1 --shard 1/3 --quiet
expect_present o1/manifest.json
refused "o1/manifest.json and s3/2/manifest.json are shards of different manifests" \
    o1/manifest.json s3/2/manifest.json s3/3/manifest.json
# the same manifest, another build: the input changed between the shards' runs
cp -r fleet fleet2
make_input fleet2/app.bin 70001
run "$E" batch fleet2/manifest.json --out-dir b1 --shard 1/3 --quiet
expect_present b1/manifest.json
refused "s3/3/manifest.json and b1/manifest.json differ in \"input_sha256\"" \
    s3/3/manifest.json s3/2/manifest.json b1/manifest.json
# shard 1's devices relabelled as shard 3: their ids name shard 1
mkdir fake && sed 's|"shard":\t"1/3"|"shard":\t"3/3"|' s3/1/manifest.json >fake/manifest.json
grep -q '"3/3"' fake/manifest.json && pass || fail "the relabelled shard"
[ "$("$JG" s3/1/manifest.json devices)" -gt 0 ] && pass || fail "shard 1/3 is empty"
refused "fake/manifest.json lists device $("$JG" s3/1/manifest.json devices.0.id) in shard 3/3, \
but its id belongs to shard 1/3" s3/1/manifest.json s3/2/manifest.json fake/manifest.json
# an entry in two shards: a shard 2 device's index made that of a shard 1 device
i0=$("$JG" s3/1/manifest.json devices.0.index)
i1=$("$JG" s3/1/manifest.json devices.1.index)
j0=$("$JG" s3/2/manifest.json devices.0.index)
sed "s|\"index\":\t$j0,|\"index\":\t$i0,|" s3/2/manifest.json >fake/two.json
[ "$("$JG" fake/two.json devices.0.index)" = "$i0" ] && pass || fail "the moved index"
refused "device $("$JG" s3/2/manifest.json devices.0.id) (entry $((i0 + 1)) of the manifest) is \
in two shards: s3/1/manifest.json and fake/two.json" s3/1/manifest.json fake/two.json \
    s3/3/manifest.json
# a device twice in one shard: its second entry's index made the first's
sed "s|\"index\":\t$i1,|\"index\":\t$i0,|" s3/1/manifest.json >fake/twice.json
[ "$("$JG" fake/twice.json devices.1.index)" = "$i0" ] && pass || fail "the repeated index"
refused "fake/twice.json lists entry $((i0 + 1)) of the manifest twice (as \
$("$JG" s3/1/manifest.json devices.0.id) and as $("$JG" s3/1/manifest.json devices.1.id))" \
    fake/twice.json s3/2/manifest.json s3/3/manifest.json
refused "batch --merge: whole/manifest.json: not the manifest.json of a shard" \
    whole/manifest.json
printf '{"shard": "1/1",\n "devices_total": 1 "devices": []}\n' >fake/syntax.json
refused "batch --merge: fake/syntax.json:2:21: JSON syntax error near '\"devices\": []}'" \
    fake/syntax.json
refused "batch --merge: nosuch.json: " nosuch.json

# A shard's device holds what batch writes, nothing else: "status" "ok" with "output" "<id>.bin",
# or "failed" with no output (and "previous_kept" true or absent); texts shown escaped. One id
# at two indexes only when the manifest gives it twice, failed at both (as "twin" above).
S2=s3/2/manifest.json
ok1= ok2= bad=
for ((j = 0; j < $("$JG" $S2 devices); j++)); do
    case $("$JG" $S2 devices.$j.status) in
    ok) if [ -z "$ok1" ]; then ok1=$j; else ok2=${ok2:-$j}; fi ;;
    failed) bad=${bad:-$j} ;;
    esac
done
[ -n "$ok2" ] && [ -n "$bad" ] && pass || fail "shard 2/3 lacks two ok devices and a failed one"
id1=$("$JG" $S2 devices.$ok1.id) id2=$("$JG" $S2 devices.$ok2.id) idf=$("$JG" $S2 devices.$bad.id)
edit() { # FILE SED-SCRIPT: shard 2/3 edited
    sed "$2" $S2 >"$1"
    cmp -s "$1" $S2 && fail "$1: the edit '$2' changed nothing" || pass
}
edit fake/status.json "0,/\"status\":\t\"ok\"/s//\"status\":\t\"shipped\\\\u001b[2J\"/"
refused "batch --merge: fake/status.json: device $id1 has \"status\" \"shipped\\x1b[2J\": not what \
batch writes (\"ok\" or \"failed\")" s3/1/manifest.json fake/status.json s3/3/manifest.json
edit fake/output.json "s|\"output\":\t\"$id1.bin\"|\"output\":\t\"../../etc/passwd\"|"
refused "fake/output.json: device $id1 has \"output\" \"../../etc/passwd\", not \"$id1.bin\": what \
batch writes for it" s3/1/manifest.json fake/output.json s3/3/manifest.json
edit fake/nooutput.json "/\"output\":\t\"$id1.bin\"/d"
refused "fake/nooutput.json: device $id1 has \"output\" absent, not \"$id1.bin\"" \
    s3/1/manifest.json fake/nooutput.json s3/3/manifest.json
edit fake/failedout.json "0,/\"status\":\t\"failed\",/s//\"status\":\t\"failed\", \"output\": \"x.bin\",/"
refused "fake/failedout.json: device $idf failed, yet has \"output\" \"x.bin\": batch writes none \
for a failed device" s3/1/manifest.json fake/failedout.json s3/3/manifest.json
edit fake/kept.json "0,/\"status\":\t\"ok\",/s//\"status\":\t\"ok\", \"previous_kept\": true,/"
refused "fake/kept.json: device $id1 has \"previous_kept\" true and \"status\" \"ok\"" \
    s3/1/manifest.json fake/kept.json s3/3/manifest.json
# a failed device whose earlier image its shard kept (as batch writes it) merges; its line names
# no file: the image is in the shard's folder, not where the merge runs
edit fake/failkept.json "0,/\"status\":\t\"failed\",/s//\"status\":\t\"failed\", \"previous_kept\": true,/"
expect_rc 1 "$E" batch --merge s3/1/manifest.json fake/failkept.json s3/3/manifest.json \
    -o m/kept.json --quiet
[ "$("$JG" m/kept.json devices.$("$JG" $S2 devices.$bad.index).previous_kept)" = true ] && pass ||
    fail "m/kept.json lost previous_kept"
expect_err "batch: $idf: "
grep -q "earlier run's image" err.txt && fail "a merge names a kept image's place: $(cat err.txt)" ||
    pass
rm m/kept.json
# the second ok device given the first's id (and image): one device at two indexes
edit fake/twoidx.json "s|\"id\":\t\"$id2\"|\"id\":\t\"$id1\"|; s|\"output\":\t\"$id2.bin\"|\"output\":\t\"$id1.bin\"|"
refused "batch --merge: device $id1 has two indexes, $("$JG" $S2 devices.$ok1.index) \
(fake/twoidx.json) and $("$JG" $S2 devices.$ok2.index) (fake/twoidx.json), and is not failed at \
both" s3/1/manifest.json fake/twoidx.json s3/3/manifest.json

# shards signed with other keys: the manifest names the same sign_key file, but the runners held
# different keys under that name
mkdir -p sk/a sk/b
"$E" keygen ecc --out-dir sk/a >/dev/null && "$E" keygen rsa --out-dir sk/b >/dev/null ||
    fail "keygen for signing"
cp fleet/app.bin sk/app.bin
printf '{"input": "app.bin", "sign_key": "sign.pem", "devices": [%s]}\n' \
    "$(IFS=,; echo "${devices[*]:0:12}")" >sk/m.json
cp sk/a/ecc_priv_key.pem sk/sign.pem
for k in 1 2; do
    expect_rc 0 "$E" batch sk/m.json --out-dir sk/$k --shard $k/2 --quiet
done
[ "$("$JG" sk/1/manifest.json sign_key_digests.0)" = "$("$E" digest sk/a/ecc_pub_key.pem)" ] &&
    pass || fail "sign_key_digests: $("$JG" sk/1/manifest.json sign_key_digests.0)"
expect_rc 0 "$E" batch --merge sk/1/manifest.json sk/2/manifest.json -o sk/merged.json --quiet
[ "$("$JG" sk/merged.json sign_key_digests)" = 1 ] && pass || fail "the merge lost sign_key_digests"
cp sk/b/rsa_priv_key.pem sk/sign.pem
expect_rc 0 "$E" batch sk/m.json --out-dir sk/2b --shard 2/2 --quiet
refused "sk/1/manifest.json and sk/2b/manifest.json differ in \"sign_key_digests\"" \
    sk/1/manifest.json sk/2b/manifest.json
# -o that is one of the shards' manifests would replace it: refused (exit 3, as batch refuses an
# output that is one of its inputs), the shard kept; by another path, or a link
cp s3/1/manifest.json s3-1.before
expect_rc 3 "$E" batch --merge s3/1/manifest.json s3/2/manifest.json s3/3/manifest.json \
    -o s3/./1/manifest.json
expect_err "batch --merge: -o s3/./1/manifest.json is the shard manifest s3/1/manifest.json"
expect_err "nothing written"
expect_same s3-1.before s3/1/manifest.json
ln -s ../s3/1/manifest.json m/link.json
expect_rc 3 "$E" batch --merge s3/1/manifest.json s3/2/manifest.json s3/3/manifest.json \
    -o m/link.json --json
expect_json ok false
jget error | grep -qF "m/link.json is the shard manifest s3/1/manifest.json" && pass ||
    fail "--json error: $(cat out.txt)"
expect_same s3-1.before s3/1/manifest.json
rm m/link.json
# ... also when that shard is read from stdin ('-'); and '-o -' is stdout, never a file named '-'
if not_under_wine "which file stdin reads"; then
    expect_rc 3 "$E" batch --merge - s3/2/manifest.json s3/3/manifest.json \
        -o s3/1/manifest.json <s3/1/manifest.json
    expect_err "-o s3/1/manifest.json is the shard manifest read from stdin"
    expect_same s3-1.before s3/1/manifest.json
fi
cp s3/1/manifest.json ./-
expect_rc 1 "$E" batch --merge - s3/2/manifest.json s3/3/manifest.json -o - <s3/1/manifest.json
[ "$("$JG" out.txt devices)" = "$total" ] && pass || fail "-o - printed $(head -c 200 out.txt)"
expect_same s3-1.before ./-
rm ./-
# texts of a shard's file are shown as text: an id with a newline and a terminal escape
id0=$("$JG" s3/1/manifest.json devices.0.id)
sed 's|"id":\t"'"$id0"'"|"id":\t"a\\nb\\u001b]0;t\\u0007"|' fake/twice.json >fake/twice-id.json
grep -qF '"a\nb\u001b]0;t\u0007"' fake/twice-id.json && pass || fail "the escaped id"
refused 'fake/twice-id.json lists device a\x0ab\x1b]0;t\x07 in shard 1/3' \
    fake/twice-id.json s3/2/manifest.json s3/3/manifest.json
# a shard's file must hold what every run writes: two that both lacked input_sha256 would agree
sed '/"input_sha256":/d' s3/1/manifest.json >fake/no-sha.json
grep -q input_sha256 fake/no-sha.json && fail "input_sha256 still there" || pass
refused 'fake/no-sha.json: not a batch result: "input_sha256" is missing' \
    fake/no-sha.json s3/2/manifest.json s3/3/manifest.json
# a devices_total the shards do not list is refused (the first entry no shard has is
# named), and nothing is sized by the claimed total
sed 's|"devices_total":\t[0-9]*|"devices_total":\t99999999|' s3/1/manifest.json >fake/big1.json
sed 's|"devices_total":\t[0-9]*|"devices_total":\t99999999|' s3/2/manifest.json >fake/big2.json
sed 's|"devices_total":\t[0-9]*|"devices_total":\t99999999|' s3/3/manifest.json >fake/big3.json
grep -q 99999999 fake/big1.json && pass || fail "the fake devices_total"
refused "entry $((total + 1)) of the manifest is in no shard's manifest.json" \
    fake/big{1,2,3}.json

# --json says why too
expect_rc 3 "$E" batch --merge s3/1/manifest.json -o m/out.json --json
expect_json ok false
jget error | grep -q "shard 2/3 is missing" && pass || fail "--json error: $(cat out.txt)"

# Usage: --shard K/N with 1 <= K <= N; --merge and its options
for bad in 0/3 4/3 3/0 1/ /3 3 abc 1/3x -1/3 " 1/3" 1/100001 1//3 99999999999999999999/3; do
    expect_rc 2 "$E" batch fleet/manifest.json --out-dir u --shard "$bad"
    expect_err "option '--shard' takes K/N"
done
expect_absent u
expect_rc 2 "$E" batch fleet/manifest.json --out-dir u --shard
expect_rc 2 "$E" batch --merge s3/1/manifest.json
expect_err "expected --merge SHARD_MANIFEST... -o FILE"
expect_rc 2 "$E" batch --merge -o m/x.json
expect_rc 2 "$E" batch --merge s3/1/manifest.json -o m/x.json --out-dir u
expect_err "option '--out-dir' does not apply to --merge"
expect_rc 2 "$E" batch --merge s3/1/manifest.json -o m/x.json --shard 1/3
expect_err "option '--shard' does not apply to --merge"
expect_rc 2 "$E" batch --merge s3/1/manifest.json -o - --json
expect_rc 2 "$E" batch fleet/manifest.json --out-dir u -o m/x.json
expect_err "option '--output' is for --merge"
expect_absent u
expect_only m out.json
finish
