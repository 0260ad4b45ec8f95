#!/usr/bin/env bash
# What only Windows has, on the Windows build (EEI_TARGET=windows; under Wine here): the names it
# keeps for devices, '\' as a separator, UTF-8 names, paths past MAX_PATH, CRLF text, an output
# that is read-only or held open by another program, Ctrl-C in the middle of the work, PKCS#11
# refused with a reason. Wine keeps no DACL on files: who may read a private key is checked by
# unit.os (the descriptor asked for) and, on a real Windows, by expect_mode (support/win_acl.c).
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
if ! windows; then
    echo "SKIPPED: the Windows build's own rules (EEI_TARGET=windows)"
    exit 0
fi

make_min_app app.bin
cp "$K/rsa_pub_key.pem" "$K/rsa_priv_key.pem" "$K/device_pub_key.pem" "$K/device_hmac_key.bin" .

# -- the names Windows keeps for a device in every folder: refused, whatever their case or
# extension, as OUT, IN or KEY
mkdir out
for name in NUL CON aux.img out/com1.bin out/Lpt9.txt 'nul '; do
    expect_rc 3 "$E" encrypt app.bin rsa_pub_key.pem "$name"
    expect_err "a name Windows keeps for a device in every folder"
done
expect_rc 3 "$E" decrypt NUL.img rsa_priv_key.pem plain.bin
expect_err "NUL.img: a name Windows keeps for a device"
expect_rc 3 "$E" encrypt app.bin con.pem out/x.img
expect_err "con.pem: a name Windows keeps for a device"
expect_only out
# NAME:STREAM is a stream of the file NAME, not a file: the file being written beside it could not
# be moved there (and would leave an empty hidden .NAME behind); refused before any work
for name in out/x.img:s 'out\x.img::$DATA' out/COM:; do
    expect_rc 3 "$E" encrypt app.bin rsa_pub_key.pem "$name"
done
expect_rc 3 "$E" encrypt app.bin rsa_pub_key.pem out/x.img:s
expect_err "out/x.img:s: a stream of a file (NAME:STREAM), not a file: give a name without ':'"
expect_only out

# -- '\' and '/' alike, UTF-8 names with spaces
mkdir -p "dé jà/sous dossier"
expect_rc 0 "$E" encrypt app.bin 'rsa_pub_key.pem' 'dé jà\sous dossier\app ü.img'
expect_present "dé jà/sous dossier/app ü.img"
expect_rc 0 "$E" decrypt 'dé jà/sous dossier\app ü.img' rsa_priv_key.pem 'dé jà\back.bin'
expect_same "dé jà/back.bin" app.bin
expect_rc 0 "$E" keygen hmac --out-dir 'dé jà\clés'
expect_present "dé jà/clés/device_hmac_key.bin"
expect_rc 0 "$E" info --json 'dé jà\sous dossier\app ü.img'
expect_json file 'd\xc3\xa9 j\xc3\xa0\sous dossier\app \xc3\xbc.img' # as every command shows a name

# -- a path longer than MAX_PATH (260): folders of 50 letters, six deep
deep=$T
for _ in 1 2 3 4 5 6; do
    deep=$deep/$(printf 'd%.0s' $(seq 50))
done
mkdir -p "$deep"
[ ${#deep} -gt 300 ] && pass || fail "the deep path is only ${#deep} long"
expect_rc 0 "$E" encrypt app.bin rsa_pub_key.pem "$deep/app.img"
expect_rc 0 "$E" decrypt "$deep/app.img" rsa_priv_key.pem "$deep/back.bin"
expect_same "$deep/back.bin" app.bin
expect_rc 0 "$E" keygen ecc --out-dir "$deep/keys"
expect_rc 0 "$E" encrypt "$deep/back.bin" "$deep/keys/ecc_pub_key.pem" "$deep/ecc.img"
expect_rc 0 "$E" decrypt "$deep/ecc.img" "$deep/keys/ecc_priv_key.pem" back2.bin
expect_same back2.bin app.bin
expect_only "$deep" app.img back.bin keys ecc.img

# -- CRLF text: a PEM key, a passphrase file, a manifest written on Windows
sed 's/$/\r/' rsa_pub_key.pem >crlf_pub.pem
sed 's/$/\r/' rsa_priv_key.pem >crlf_priv.pem
expect_rc 0 "$E" encrypt app.bin crlf_pub.pem crlf.img
expect_rc 0 "$E" decrypt crlf.img crlf_priv.pem crlf.bin
expect_same crlf.bin app.bin
printf 'a passphrase\r\n' >pass.txt
expect_rc 0 "$E" keygen rsa --out-dir sealed --passphrase-file pass.txt
expect_rc 0 "$E" pubkey sealed/rsa_priv_key.pem -p pass.txt -o sealed.pub
expect_same sealed.pub sealed/rsa_pub_key.pem
printf '{\r\n  "input": "app.bin",\r\n  "devices": [\r\n    {"id": "dev-1", "public_key": "rsa_pub_key.pem"}\r\n  ]\r\n}\r\n' \
    >fleet.json
expect_rc 0 "$E" batch fleet.json --out-dir fleet --quiet
expect_rc 0 "$E" decrypt fleet/dev-1.bin rsa_priv_key.pem fleet.bin
expect_same fleet.bin app.bin

# -- a read-only OUT is not replaced: the error says so, the file and the folder are as they were
printf 'old' >ro.img
chmod 444 ro.img
expect_rc 3 "$E" encrypt app.bin rsa_pub_key.pem ro.img
expect_err "ro.img: Permission denied"
printf 'old' | cmp -s - ro.img && pass || fail "the read-only OUT changed"
chmod 644 ro.img
# a key pair with a read-only file: keygen --force replaces neither, and leaves no hidden file
# (the hard link that keeps an old key until the pair is in place cannot be deleted once made
# to a read-only file: Windows deletes no read-only name)
for ro in ecc_pub_key.pem ecc_priv_key.pem; do
    rm -rf rokeys && "$E" keygen ecc --out-dir rokeys >/dev/null
    cp rokeys/ecc_priv_key.pem old_secret.pem && cp rokeys/ecc_pub_key.pem old_public.pem
    chmod 444 "rokeys/$ro"
    expect_rc 3 "$E" keygen ecc --out-dir rokeys --force
    expect_err "rokeys/$ro: Permission denied"
    expect_same rokeys/ecc_priv_key.pem old_secret.pem
    expect_same rokeys/ecc_pub_key.pem old_public.pem
    expect_only rokeys ecc_priv_key.pem ecc_pub_key.pem
    chmod 644 "rokeys/$ro"
done
mkdir held && printf 'old' >held/held.img
# -- an OUT another program has open (as an editor or an antivirus does): not replaced, said
if [ -n "${EEI_WIN_HOLD:-}" ]; then
    "$EEI_WIN_HOLD" held/held.img 20 >hold.txt &
    holder=$!
    for _ in $(seq 100); do grep -q held hold.txt 2>/dev/null && break; sleep 0.1; done
    expect_rc 3 "$E" encrypt app.bin rsa_pub_key.pem held/held.img
    expect_err "held/held.img: in use by another program"
    printf 'old' | cmp -s - held/held.img && pass || fail "the held OUT changed"
    expect_only held held.img
    kill $holder 2>/dev/null
    wait $holder 2>/dev/null
fi

# -- a full disk (a small tmpfs here, root only): said so, nothing left, an existing OUT kept
if [ "$(id -u)" = 0 ] && mkdir full && mount -t tmpfs -o size=256k tmpfs full 2>/dev/null; then
    trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
    make_input big.bin 1048576
    printf 'keep me' >full/existing.img
    expect_rc 3 "$E" encrypt big.bin rsa_pub_key.pem full/existing.img
    expect_err "No space left on device"
    printf 'keep me' | cmp -s - full/existing.img && pass || fail "the existing OUT changed"
    expect_only full existing.img
    umount full
else
    echo "SKIP: a full disk needs root and a tmpfs mount"
fi

# -- Ctrl-C in the middle of an encryption: the temporary file goes, OUT stays as it was, and the
# status is that of an interrupted program (130) as on Linux. (Wine turns SIGINT into a console
# Ctrl-C event for the program.)
mkdir work && printf 'old image' >work/out.img
mkfifo feed
{ head -c 8M /dev/urandom; sleep 30; } >feed &
feeder=$!
"$E" encrypt - rsa_pub_key.pem work/out.img --max-size 100M <feed 2>int.err &
pid=$!
for _ in $(seq 200); do
    [ -n "$(find work -name '.out.img.*' 2>/dev/null)" ] && break
    sleep 0.05
done
[ -n "$(find work -name '.out.img.*')" ] && pass || fail "no temporary file beside OUT while writing"
kill -INT "$pid" # the Wine process: the wrapper scripts exec it
wait $pid
rc=$?
kill $feeder 2>/dev/null
[ "$rc" = 130 ] && pass || fail "Ctrl-C: exit $rc, wanted 130 ($(cat int.err))"
printf 'old image' | cmp -s - work/out.img && pass || fail "Ctrl-C: OUT changed"
expect_only work out.img

# -- PKCS#11: refused with the reason, never a crash or a silent fallback
expect_rc 3 "$E" sign app.bin --key 'pkcs11:token=ci;object=signer' -o signed.bin
expect_err "the Windows build has no PKCS#11 support"
expect_absent signed.bin
finish
