#!/usr/bin/env bash
# Outputs and inputs that are not plain files. An OUT that is a device, a FIFO or a socket is
# written into, never replaced; a link is followed and the file it names replaced (the link
# stays); a folder is refused; an OUT that is one of the inputs is refused before anything is
# read. Inputs end at an image of the largest app a chip boots, however endless they are. Device
# nodes are stand-ins made here with mknod (root), never the machine's own /dev.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
root=false
[ "$(id -u)" = 0 ] && root=true
kind() { stat -c %F "$1" 2>/dev/null; }
expect_kind() { # PATH KIND
    local k
    k=$(kind "$1")
    if [ "$k" = "$2" ]; then pass; else fail "$1 is a '$k', wanted a '$2'"; fi
}

make_min_app app.bin
"$E" encrypt app.bin "$K/device_pub_key.pem" app.img
"$E" keygen ecc --out-dir sk >/dev/null

# -- devices: written into, never replaced (a stand-in /dev/null and /dev/full, root only)
if posix_only "device nodes" && $root && mknod null c 1 3 && mknod full c 1 7 &&
    mknod zero c 1 5; then
    chmod 666 null full zero
    for cmd in "decrypt app.img $K/device_hmac_key.bin" "encrypt app.bin $K/rsa_pub_key.pem" \
        "sign app.bin --key sk/ecc_priv_key.pem -o"; do
        # shellcheck disable=SC2086 # the words of the command
        expect_rc 0 "$E" $cmd null
        expect_kind null "character special file"
        # shellcheck disable=SC2086
        expect_rc 3 "$E" $cmd full
        expect_err "full: write failed: No space left on device"
        expect_kind full "character special file"
    done
    expect_rc 3 "$E" pubkey "$K/rsa_pub_key.pem" -o full --force
    expect_err "No space left on device"
    expect_kind full "character special file"

    # -- endless inputs end at the largest app (an image of it), with a message
    for cmd in "encrypt zero $K/rsa_pub_key.pem out.img" "sign zero --key sk/ecc_priv_key.pem -o out.img" \
        "verify-signature zero --pub sk/ecc_pub_key.pem" "info zero" "verify zero $K/rsa_priv_key.pem"; do
        # shellcheck disable=SC2086
        run timeout 60 "$E" $cmd
        case $rc in 1 | 3) pass ;; *) fail "$cmd: exit $rc: $(head -c 300 "$T/err.txt")" ;; esac
        expect_absent out.img
    done
    expect_rc 3 timeout 60 "$E" encrypt zero "$K/rsa_pub_key.pem" out.img
    expect_err "zero: more than 16777744 bytes, larger than an image of the largest app an ESP chip boots (16 MiB"
    expect_rc 3 timeout 60 "$E" sign zero --key sk/ecc_priv_key.pem -o out.img
    expect_err "larger than an image of the largest app"
    expect_rc 3 timeout 60 "$E" verify-signature zero --pub sk/ecc_pub_key.pem
    expect_err "larger than an image of the largest app"
    # a stream longer than that on stdin, too, and --max-size moves the line
    head -c 17M zero >big.bin
    run timeout 60 "$E" encrypt - "$K/rsa_pub_key.pem" out.img <big.bin
    [ "$rc" = 3 ] && pass || fail "a 17 MiB stdin: exit $rc"
    expect_err "stdin: more than 16777744 bytes"
    expect_absent out.img
    expect_rc 3 "$E" encrypt - "$K/rsa_pub_key.pem" out.img --max-size 100 <app.bin
    expect_err "stdin: 304 bytes, larger than the largest app --max-size allows"
    expect_rc 0 "$E" encrypt - "$K/rsa_pub_key.pem" out.img --max-size 20M <big.bin
    rm -f out.img big.bin
else
    echo "SKIP: device nodes need root and mknod"
fi

# -- a FIFO: its reader gets the bytes; it stays a FIFO
mkfifo fifo
posix_only "FIFOs" && for cmd in "decrypt app.img $K/device_hmac_key.bin" "encrypt app.bin $K/rsa_pub_key.pem"; do
    cat fifo >from_fifo &
    reader=$!
    # shellcheck disable=SC2086
    expect_rc 0 timeout 60 "$E" $cmd fifo
    wait $reader
    expect_kind fifo "fifo"
    case $cmd in
    decrypt*) expect_same from_fifo app.bin ;;
    *) expect_rc 0 "$E" decrypt from_fifo "$K/rsa_priv_key.pem" back.bin && expect_same back.bin app.bin ;;
    esac
done

# -- sign --json into a FIFO or a device: the JSON describes the signed app that was written,
# not a file read back afterwards (which would wait forever for a FIFO's next writer, or read a
# device's nothing and call the signing failed)
if posix_only "FIFOs"; then
    cat fifo >from_fifo &
    reader=$!
    expect_rc 0 timeout 20 "$E" sign app.bin --key sk/ecc_priv_key.pem -o fifo --json
    expect_json ok true
    expect_json blocks.0.scheme ecdsa-p256
    kill $reader 2>/dev/null
    wait $reader
    expect_rc 0 "$E" verify-signature from_fifo --pub sk/ecc_pub_key.pem
    "$E" sign app.bin --key sk/ecc_priv_key.pem -o signed.bin >/dev/null
    if $root && [ -c null ]; then
        expect_rc 0 "$E" sign app.bin --key sk/ecc_priv_key.pem -o null --json
        expect_json ok true
        expect_json app_size "$(($(stat -c %s signed.bin) - 4096))"
        expect_kind null "character special file"
    fi
fi

# -- a socket: the listener gets the bytes
if posix_only "local sockets" && command -v python3 >/dev/null; then
    python3 - "$T/sock" "$T/from_sock" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
with open(sys.argv[2], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
EOF
    listener=$!
    for _ in $(seq 100); do [ -S sock ] && break; sleep 0.05; done
    expect_rc 0 timeout 60 "$E" decrypt app.img "$K/device_hmac_key.bin" sock
    wait $listener
    expect_same from_sock app.bin
    expect_kind sock "socket"
fi

# -- a terminal: binary data is refused there as on stdout (a pseudo-terminal of its own)
if posix_only "/dev/tty" && command -v script >/dev/null; then
    on_terminal tty.txt "'$E' decrypt app.img '$K/device_hmac_key.bin' /dev/tty; echo rc=\$?"
    grep -q "is a terminal: refusing to write binary data" tty.txt && grep -q "rc=2" tty.txt &&
        pass || fail "binary to a terminal: $(cat tty.txt)"
fi

# -- /dev/stdout as OUT is stdout: a link followed to whatever stdout is (a file or a pipe)
if posix_only "/dev/stdout"; then
    ln -s /proc/self/fd/1 stdout
    expect_rc 0 "$E" decrypt app.img "$K/device_hmac_key.bin" stdout
    expect_same out.txt app.bin
    "$E" encrypt app.bin "$K/rsa_pub_key.pem" stdout | cat >piped.img
    expect_rc 0 "$E" decrypt piped.img "$K/rsa_priv_key.pem" back.bin
    expect_same back.bin app.bin
    [ -L stdout ] && pass || fail "the stdout link was replaced"
fi

# -- a link: the file it names is replaced, the link stays; a dangling one is created
if posix_only "symbolic links made by ln -s"; then
    mkdir rel && printf 'v1' >rel/v1.bin && ln -s rel/v1.bin latest.bin
    expect_rc 0 "$E" decrypt app.img "$K/device_hmac_key.bin" latest.bin
    [ -L latest.bin ] && pass || fail "latest.bin is no longer a link"
    expect_same rel/v1.bin app.bin
    ln -s v2.bin rel/next.bin && ln -s rel/next.bin next.bin # a chain, dangling at its end
    expect_rc 0 "$E" encrypt app.bin "$K/rsa_pub_key.pem" next.bin
    [ -L next.bin ] && [ -L rel/next.bin ] && pass || fail "the links of the chain were replaced"
    expect_rc 0 "$E" decrypt rel/v2.bin "$K/rsa_priv_key.pem" back.bin
    expect_same back.bin app.bin
    expect_only rel v1.bin v2.bin next.bin
fi

# -- a link someone else planted in a folder anyone may write to (a /tmp: sticky, world-writable)
# is not followed, as Linux follows no such link (fs.protected_symlinks): run as root, the tool
# would otherwise replace any file the planter names. The folder's owner's links, and the
# runner's own, are followed. (Root only: the link is given to another user with chown -h.)
if posix_only "file owners" && $root && id nobody >/dev/null 2>&1; then
    mkdir sticky && chmod 1777 sticky && mkdir sticky/sub && chmod 777 sticky/sub
    printf 'precious' >victim.txt
    ln -s "$T/victim.txt" sticky/out.img && chown -h nobody sticky/out.img
    ln -s victim.txt sticky/dangling.img && chown -h nobody sticky/dangling.img
    ln -s sub sticky/via && chown -h nobody sticky/via
    ln -s "$T/victim.txt" sticky/sub/out.img
    for out in sticky/out.img "$T/sticky/out.img" sticky/dangling.img sticky/via/out.img; do
        expect_rc 3 "$E" encrypt app.bin "$K/rsa_pub_key.pem" "$out"
        expect_err "a symbolic link that another user owns in a folder anyone may write to"
        printf 'precious' | cmp -s - victim.txt && pass || fail "$out: the victim was replaced"
    done
    expect_rc 3 "$E" keygen ecc --out-dir sticky/via --force
    printf 'precious' | cmp -s - victim.txt && pass || fail "keygen: the victim was replaced"
    # signed in place: IN is also the output, through the same link
    expect_rc 3 "$E" sign sticky/out.img --key sk/ecc_priv_key.pem
    expect_err "a symbolic link that another user owns in a folder anyone may write to"
    printf 'precious' | cmp -s - victim.txt && pass || fail "sign: the victim was replaced"
    expect_only sticky dangling.img out.img sub via
    # the runner's own link there is followed (sticky/sub is no sticky folder: its link too)
    ln -s "$T/mine.img" sticky/mine.img
    expect_rc 0 "$E" encrypt app.bin "$K/rsa_pub_key.pem" sticky/mine.img
    expect_rc 0 "$E" decrypt mine.img "$K/rsa_priv_key.pem" back.bin
    expect_same back.bin app.bin
    expect_rc 0 "$E" encrypt app.bin "$K/rsa_pub_key.pem" sticky/sub/out.img
    expect_rc 0 "$E" decrypt victim.txt "$K/rsa_priv_key.pem" back.bin
    rm -rf sticky victim.txt mine.img
fi

# -- a folder is refused, before anything is read
mkdir outdir
expect_rc 3 "$E" decrypt app.img "$K/device_hmac_key.bin" outdir
expect_err "outdir: is a directory; give a file name"
expect_only outdir

# -- OUT that is an input is refused before anything is read: the input stays as it was
cp app.img same.img && cp "$K/device_hmac_key.bin" key.bin
ln same.img hard.img && ln -s same.img soft.img
for out in same.img hard.img soft.img ./same.img; do
    expect_rc 3 "$E" decrypt same.img key.bin "$out"
    expect_err "is the input same.img: refusing to replace an input with the output"
    expect_same same.img app.img
done
expect_rc 3 "$E" decrypt same.img key.bin key.bin
expect_err "key.bin is the input key.bin"
expect_same key.bin "$K/device_hmac_key.bin"
expect_rc 3 "$E" encrypt app.bin "$K/rsa_pub_key.pem" app.bin
expect_same app.bin app.bin # still there (and still the app: the next line checks it decrypts)
cp "$K/rsa_pub_key.pem" pub.pem
expect_rc 3 "$E" encrypt app.bin pub.pem pub.pem
expect_same pub.pem "$K/rsa_pub_key.pem"
expect_rc 0 "$E" encrypt app.bin "$K/rsa_pub_key.pem" out.img --sign-key sk/ecc_priv_key.pem
cp sk/ecc_priv_key.pem sign.pem
expect_rc 3 "$E" encrypt app.bin "$K/rsa_pub_key.pem" sign.pem --sign-key sign.pem
expect_same sign.pem sk/ecc_priv_key.pem
expect_rc 3 "$E" pubkey pub.pem -o pub.pem --force
expect_same pub.pem "$K/rsa_pub_key.pem"
printf 'a passphrase\n' >kd/pass 2>/dev/null || { mkdir kd && printf 'a passphrase\n' >kd/pass; }
ln -s pass kd/rsa_priv_key.pem
expect_rc 3 "$E" keygen rsa --out-dir kd --passphrase-file kd/pass --force
expect_err "is the input kd/pass"
printf 'a passphrase\n' | cmp -s - kd/pass && pass || fail "the passphrase file was replaced"
# IN '-' is the file stdin reads: an OUT that leads there (/dev/stdin, /proc/self/fd/0) is that
# input, and the output '-' is the file stdout writes (opened without truncating, 1<>FILE). (sign
# is the exception of every input: its OUT may be IN, which is signing in place.)
if posix_only "/proc/self/fd"; then
    ln -s /proc/self/fd/0 stdin0
    cp app.bin in.bin
    expect_rc 3 "$E" encrypt - "$K/rsa_pub_key.pem" stdin0 <in.bin
    expect_err "stdin0 is the input stdin: refusing to replace an input with the output"
    expect_same in.bin app.bin
    cp app.img in.img
    expect_rc 3 "$E" decrypt - "$K/device_hmac_key.bin" stdin0 <in.img
    expect_same in.img app.img
    "$E" encrypt in.bin "$K/rsa_pub_key.pem" - 1<>in.bin 2>err.txt
    rc=$?
    [ "$rc" = 3 ] && pass || fail "encrypt IN - 1<>IN: exit $rc"
    grep -q "stdout is the input in.bin" err.txt && pass || fail "$(cat err.txt)"
    expect_same in.bin app.bin
    "$E" decrypt - "$K/device_hmac_key.bin" - <in.img 1<>in.img 2>err.txt
    [ $? = 3 ] && pass || fail "decrypt - - <IN 1<>IN: not refused"
    expect_same in.img app.img
    # stdin and stdout that are pipes are no input's file
    cat app.bin | "$E" encrypt - "$K/rsa_pub_key.pem" - | cat >piped2.img
    expect_rc 0 "$E" decrypt piped2.img "$K/rsa_priv_key.pem" back2.bin
    expect_same back2.bin app.bin
    rm -f stdin0 in.bin in.img piped2.img back2.bin
fi

# -- decrypted plaintext is private to its owner (umask 022 here)
expect_rc 0 "$E" decrypt app.img "$K/device_hmac_key.bin" plain.bin
expect_mode plain.bin 600

# -- encrypt --json: the input's size and SHA-256 are what was encrypted, read once (a pipe, a
# FIFO, stdin)
want=$(sha256sum app.bin | cut -d' ' -f1)
size=$(stat -c %s app.bin)
if posix_only "FIFOs"; then
    cat app.bin >fifo &
    expect_rc 0 "$E" encrypt fifo "$K/rsa_pub_key.pem" j.img --json
    expect_json input_size "$size"
    expect_json input_sha256 "$want"
fi
expect_rc 0 "$E" encrypt - "$K/rsa_pub_key.pem" j.img --json <app.bin
expect_json input_size "$size"
expect_json input_sha256 "$want"
expect_json input -
expect_rc 0 "$E" decrypt j.img "$K/rsa_priv_key.pem" back.bin --json
expect_json output_sha256 "$want"
expect_json output_size "$size"
expect_json scheme rsa-3072

# -- a file size limit (ulimit -f): a message and exit 3, not a silent SIGXFSZ
if posix_only "ulimit -f"; then
    make_input big.bin 1048576
    run bash -c "ulimit -f 100; exec '$E' encrypt big.bin '$K/rsa_pub_key.pem' limited.img"
    [ "$rc" = 3 ] && pass || fail "ulimit -f: exit $rc"
    expect_err "File too large"
    expect_absent limited.img
fi

# -- what goes to stdout must get there: a full disk behind it is an error
if $root && [ -c full ]; then
    "$E" info app.bin --json >full 2>err.txt
    rc=$?
    [ "$rc" = 3 ] && pass || fail "info --json > full: exit $rc"
    grep -q "stdout: write failed: No space left on device" err.txt && pass || fail "$(cat err.txt)"
    "$E" --help >full 2>/dev/null && fail "--help > full: exit 0" || pass
    "$E" keygen ecc --out-dir k2 --json >full 2>/dev/null && fail "keygen --json > full: exit 0" || pass
fi

# -- stdout and stderr closed (a daemon, `cmd >&- 2>&-`): the files the command opens must not
# take their numbers, or a warning or an answer meant for them would land in an output. encrypt
# warns of an input that is not an app after the image is written; the image stays whole.
if posix_only "closed standard descriptors"; then
    head -c 5000 /dev/urandom >notapp.bin
    rm -f closed.img
    "$E" encrypt notapp.bin "$K/rsa_pub_key.pem" closed.img >&- 2>&-
    rc=$?
    [ "$rc" = 0 ] && pass || fail "encrypt >&- 2>&-: exit $rc"
    expect_rc 0 "$E" info closed.img
    grep -q "warning" closed.img && fail "the warning is inside the image" || pass
    # stdin closed too: no key, input or output is read or written as '-'
    "$E" encrypt notapp.bin "$K/rsa_pub_key.pem" closed.img <&- >&- 2>&-
    expect_rc 0 "$E" info closed.img
    # what goes to a closed stdout fails as before: an error, not a success
    "$E" pubkey "$K/rsa_pub_key.pem" >&- 2>err.txt
    rc=$?
    [ "$rc" = 3 ] && pass || fail "pubkey >&-: exit $rc"
    grep -q "stdout" err.txt && pass || fail "pubkey >&-: $(cat err.txt)"
fi

# -- help COMMAND is the command's help
expect_rc 0 "$E" help encrypt
grep -q "^Usage: esp_enc_img encrypt IN KEY OUT" "$T/out.txt" && pass || fail "help encrypt"
expect_rc 2 "$E" help encrytp
expect_err "did you mean 'encrypt'"
finish
