#!/usr/bin/env bash
# Faults: unwritable folders, a full disk, inputs that change or vanish, bad key files, and
# signals in the middle of the work. Each checks the exit status, the message, and that no
# partial, temporary or stale file remains.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
make_input small.bin 1048576
root=false
[ "$(id -u)" = 0 ] && root=true

# Run a command as an unprivileged user (root bypasses file permissions).
as_user() {
    if $root; then setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; else "$@"; fi
}
skip() { echo "SKIP: $*"; }

# -- an output folder that is not writable
mkdir ro && chmod 755 ro
$root || chmod 555 ro
cp "$K/rsa_pub_key.pem" "$K/device_pub_key.pem" . && chmod 644 ./*.pem
chmod 755 "$T" # nobody must reach the inputs
chmod 644 small.bin
run as_user "$E" encrypt small.bin rsa_pub_key.pem ro/out.img
[ "$rc" = 3 ] && pass || fail "unwritable folder: exit $rc"
expect_err "ro/out.img: cannot create a file in its directory: Permission denied"
expect_only ro
run as_user "$E" keygen hmac --out-dir ro
[ "$rc" = 3 ] && pass || fail "keygen into an unwritable folder: exit $rc"
expect_only ro

# -- an unreadable key file
cp "$K/device_hmac_key.bin" secret.bin && chmod 600 secret.bin
"$E" encrypt small.bin device_pub_key.pem small.img
run as_user "$E" decrypt small.img secret.bin ro/x
[ "$rc" = 3 ] && pass || fail "unreadable key: exit $rc"
expect_err "secret.bin: Permission denied"
# key files that are empty, garbage, of the wrong type or size
: >empty.pem
head -c 200 /dev/urandom >garbage.pem
openssl genpkey -algorithm ED448 -out ed448.pem 2>/dev/null
head -c 16 /dev/urandom >short.bin
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=x -out cert.pem 2>/dev/null
for key in empty.pem:"the key file is empty" garbage.pem:"not a key" ed448.pem:"ED448 key" \
    short.bin:"exactly 32 bytes" cert.pem:"not a key"; do
    expect_rc 3 "$E" encrypt small.bin "${key%%:*}" out.img
    expect_err "${key#*:}"
    expect_absent out.img
done

# -- a full disk (a small tmpfs; needs root)
if $root && mkdir full && mount -t tmpfs -o size=256k tmpfs full 2>/dev/null; then
    trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
    expect_rc 3 "$E" encrypt small.bin rsa_pub_key.pem full/out.img
    expect_err "No space left on device"
    expect_only full
    # signing on the way: the write fails mid-way while the app is hashed on another thread
    expect_rc 3 "$E" encrypt small.bin rsa_pub_key.pem full/out.img --sign-key "$K/rsa_priv_key.pem"
    expect_err "No space left on device"
    expect_only full
    printf 'keep me' >full/existing
    expect_rc 3 "$E" decrypt small.img "$K/device_hmac_key.bin" full/existing
    expect_err "No space left on device"
    printf 'keep me' | cmp -s - full/existing && pass || fail "existing file changed"
    expect_only full existing
    umount full
else
    skip "full disk: needs root and a tmpfs mount"
fi

# -- inputs that are a folder, missing, a FIFO, or cut short
expect_rc 3 "$E" encrypt . rsa_pub_key.pem out.img
expect_err "is a directory"
expect_rc 3 "$E" decrypt missing.img "$K/device_hmac_key.bin" out.bin
expect_err "missing.img: No such file or directory"
mkfifo pipe
(head -c 3000 small.img >pipe &)
expect_rc 1 "$E" decrypt pipe "$K/device_hmac_key.bin" out.bin
expect_err "truncated"
(cat small.bin >pipe &)
expect_rc 0 "$E" encrypt pipe rsa_pub_key.pem pipe.img
expect_rc 0 "$E" decrypt pipe.img "$K/rsa_priv_key.pem" pipe.bin
expect_same pipe.bin small.bin
expect_absent out.img
expect_absent out.bin

# Start a long command in the background and stop it once the output it writes in DIR (a file
# with no name there yet) has grown: then whatever happens next happens in the middle of the work.
# With FEED, the command reads FEED's first 8 MiB from its stdin and then waits for more, so it is
# caught mid-work however loaded the machine is (a file read at full speed may be done before the
# first look). Sets $pid, and $feeder (0 without FEED).
start_and_pause() { # DIR FEED|"" CMD...
    local dir=$1 feed=$2 fd
    shift 2
    feeder=0
    if [ -n "$feed" ]; then
        rm -f "$T/feed.fifo" && mkfifo "$T/feed.fifo"
        { head -c 8M "$feed"; exec sleep 300; } >"$T/feed.fifo" &
        feeder=$!
        "$@" <"$T/feed.fifo" >/dev/null 2>"$T/bg.err" &
    else
        "$@" >/dev/null 2>"$T/bg.err" &
    fi
    pid=$!
    for _ in $(seq 3000); do
        for fd in /proc/$pid/fd/*; do
            case "$(readlink "$fd" 2>/dev/null)" in
            "$T/$dir/"*)
                if [ "$(stat -L -c %s "$fd" 2>/dev/null || echo 0)" -gt 4000000 ]; then
                    kill -STOP $pid
                    return 0
                fi
                ;;
            esac
        done
        sleep 0.01
    done
    return 1
}
stop_feeding() { [ "$feeder" = 0 ] || { kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null; }; }

# -- an input that shrinks while it is read (signed on the way too: the app hashed on a second
# thread, the signature sector made and encrypted once the shortened input ended)
mkdir work
for sign in "" "--sign-key $K/rsa_priv_key.pem"; do
    truncate -s 2G big.bin
    # shellcheck disable=SC2086 # $sign: no option, or an option and its value
    if start_and_pause work "" "$E" encrypt big.bin rsa_pub_key.pem work/out.img --max-size 3G $sign; then
        truncate -s 1M big.bin
        kill -CONT $pid
        wait $pid
        rc=$?
        [ "$rc" = 3 ] && pass || fail "shrinking input $sign: exit $rc"
        grep -q "changed size while it was read" bg.err && pass || fail "message: $(cat bg.err)"
        expect_only work
    else
        fail "the encryption never got going $sign"
        kill $pid 2>/dev/null
    fi
    rm -f big.bin
done

# -- SIGINT and SIGTERM in the middle of a large encrypt (and of one that signs, its hashing
# thread busy): the temporary file goes, OUT stays
truncate -s 64M big.bin
for sig in INT TERM INT+sign; do
    sign=
    [ "$sig" = INT+sign ] && sig=INT sign="--sign-key $K/rsa_priv_key.pem"
    printf 'old image' >work/out.img
    # shellcheck disable=SC2086 # $sign: no option, or an option and its value
    if start_and_pause work big.bin "$E" encrypt - rsa_pub_key.pem work/out.img --max-size 100M $sign; then
        kill -$sig $pid
        kill -CONT $pid
        wait $pid
        rc=$?
        want=$((128 + $(kill -l $sig)))
        [ "$rc" = $want ] && pass || fail "SIG$sig: exit $rc, wanted $want"
        printf 'old image' | cmp -s - work/out.img && pass || fail "SIG$sig: OUT changed"
        expect_only work out.img
    else
        fail "SIG$sig: the encryption never got going"
        kill $pid 2>/dev/null
    fi
    stop_feeding
done

# -- any signal in the middle of a decryption, SIGKILL included: the plaintext written so far is
# not authenticated, and no file in the folder ever holds it
"$E" encrypt big.bin "$K/device_pub_key.pem" big.img --max-size 100M
rm -f big.bin
# (SIGXFSZ is not among them: a file size limit is a write error the command reports,
# test_special_files.sh)
for sig in KILL USR1 ALRM USR2 INT; do
    if start_and_pause work big.img "$E" decrypt - "$K/device_hmac_key.bin" work/plain.bin \
        --max-size 100M; then
        kill -$sig $pid
        kill -CONT $pid
        wait $pid
        rc=$?
        [ "$rc" = $((128 + $(kill -l $sig))) ] && pass || fail "SIG$sig: decrypt exit $rc"
        if [ "$sig" = KILL ] && [ -n "${EEI_PORTABLE_POSIX:-}" ]; then
            # no O_TMPFILE (macOS, the BSDs): SIGKILL, which no program can catch, leaves the
            # named temporary file, its owner's alone (docs/SECURITY.md)
            left=$(ls -A work | grep -v '^out.img$')
            case $left in
            .plain.bin.??????) pass ;;
            *) fail "SIGKILL without O_TMPFILE left '$left'" ;;
            esac
            expect_mode "work/$left" 600
            rm -f "work/$left"
        fi
        expect_only work out.img
    else
        fail "SIG$sig: the decryption never got going"
        kill -KILL $pid 2>/dev/null
    fi
    stop_feeding
    rm -f work/plain.bin # one failure is reported once
done
rm -f big.img
finish
