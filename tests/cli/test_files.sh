#!/usr/bin/env bash
# Files: atomic outputs, nothing partial or stale, the 4 GiB limit, odd inputs.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
mkdir out
make_input p 70000
"$E" encrypt p "$K/device_pub_key.pem" good.img || fail "setup"
"$E" encrypt p "$K/rsa_pub_key.pem" good_rsa.img || fail "setup"

# a failed decrypt leaves no file and never clobbers an existing OUT
cp good.img bad.img
flip_byte bad.img 600
printf 'precious' >out/existing
expect_rc 1 "$E" decrypt bad.img "$K/device_hmac_key.bin" out/existing
expect_err "authentication failed"
printf 'precious' | cmp -s - out/existing && pass || fail "existing OUT was clobbered"
expect_only out existing
expect_rc 1 "$E" decrypt bad.img "$K/device_hmac_key.bin" out/new
expect_only out existing
# a tampered image caught only at the tag, to stdout: the exit status says so
"$E" decrypt bad.img "$K/device_hmac_key.bin" - >/dev/null 2>&1
[ $? = 1 ] && pass || fail "stdout decrypt of a bad image exited 0"
# a successful decrypt replaces an existing OUT
expect_rc 0 "$E" decrypt good.img "$K/device_hmac_key.bin" out/existing
expect_same p out/existing
expect_only out existing
# a failed encrypt (bad key) leaves the existing OUT alone
cp out/existing out/keep
printf 'junk' >junk.pem
expect_rc 3 "$E" encrypt p junk.pem out/keep
expect_same p out/keep
expect_only out existing keep

# inputs over 4 GiB - 1 are refused before anything is written, whatever --max-size says
truncate -s 4G big.bin
expect_rc 3 "$E" encrypt big.bin "$K/rsa_pub_key.pem" out/big.img --max-size 4294967295
expect_err "4294967296 bytes"
expect_err "4294967295"
expect_only out existing keep
# and by default over 16 MiB: the largest app partition a chip's bootloader loads
truncate -s 16777217 big.bin
expect_rc 3 "$E" encrypt big.bin "$K/rsa_pub_key.pem" out/big.img
expect_err "largest app an ESP chip boots (16 MiB"
expect_err "--max-size raises the limit"
expect_only out existing keep
truncate -s 16777216 big.bin # 16 MiB exactly is an app that fills its partition
expect_rc 0 "$E" encrypt big.bin "$K/rsa_pub_key.pem" out/big.img
rm out/big.img
expect_rc 2 "$E" encrypt big.bin "$K/rsa_pub_key.pem" out/big.img --max-size 5T
expect_err "--max-size takes a size"
expect_rc 0 "$E" encrypt big.bin "$K/rsa_pub_key.pem" out/big.img --max-size 16M
rm out/big.img

# odd inputs
expect_rc 3 "$E" encrypt missing.bin "$K/rsa_pub_key.pem" out/x
expect_err "missing.bin: No such file or directory"
expect_rc 3 "$E" encrypt out "$K/rsa_pub_key.pem" out/x
expect_err "is a directory"
expect_rc 3 "$E" decrypt out "$K/rsa_priv_key.pem" out/x
expect_only out existing keep
# a FIFO is read like stdin
mkfifo fifo
(cat p >fifo &)
expect_rc 0 "$E" encrypt fifo "$K/rsa_pub_key.pem" out/fifo.img
expect_rc 0 "$E" decrypt out/fifo.img "$K/rsa_priv_key.pem" out/fifo.back
expect_same p out/fifo.back
rm -f out/fifo.img out/fifo.back
# an output directory that does not exist, or is not writable (as non-root)
expect_rc 3 "$E" encrypt p "$K/rsa_pub_key.pem" nodir/x.img
expect_err "nodir/x.img"
# output modes follow the umask like any new file
expect_rc 0 "$E" encrypt p "$K/rsa_pub_key.pem" out/mode.img
expect_mode out/mode.img 644
rm -f out/mode.img

# a truncated or padded image through stdin is rejected at the end, with no file
head -c 40000 good_rsa.img >cut.img
expect_rc 1 "$E" decrypt - "$K/rsa_priv_key.pem" out/cut <cut.img
expect_err "truncated"
cat good_rsa.img p >long.img
expect_rc 1 "$E" decrypt - "$K/rsa_priv_key.pem" out/long <long.img
expect_err "trailing data"
expect_only out existing keep
# the same from a file is rejected before the output is even created
expect_rc 1 "$E" decrypt cut.img "$K/rsa_priv_key.pem" out/cut
expect_err "cut.img: truncated"

# the longest names a folder takes (255 bytes) are written, new or replaced: the file being
# written beside one has a name of its own that fits (a long name's beginning, cut where a
# character starts), not ".NAME.XXXXXX", 8 bytes too long; a passing stranger with a name of 250
# letters, 'é' (2 bytes each) among them, too
long=$(printf 'L%.0s' $(seq 255))
accented="a$(printf 'é%.0s' $(seq 120))$(printf 'z%.0s' $(seq 8))"
for name in "$long" "$accented"; do
    expect_rc 0 "$E" encrypt p "$K/rsa_pub_key.pem" "out/$name"
    expect_only out existing keep "$name"
    # (Wine's GetFinalPathNameByHandleW fails on a name of 248 characters or more, which the
    # replacement of an existing file asks for where its links lead)
    if [ "$name" = "$accented" ] || not_under_wine "replacing a file of a 255-character name"; then
        expect_rc 0 "$E" encrypt p "$K/rsa_pub_key.pem" "out/$name"
        expect_rc 0 "$E" decrypt good_rsa.img "$K/rsa_priv_key.pem" "out/$name"
        expect_same p "out/$name"
        expect_rc 0 "$E" pubkey "$K/rsa_priv_key.pem" -o "out/$name" --force
        expect_only out existing keep "$name"
    fi
    rm -f "out/$name"
done
mkdir longkeys
expect_rc 0 "$E" keygen ecc --out-dir "longkeys"
expect_rc 0 "$E" digest longkeys/ecc_pub_key.pem -o "longkeys/$long"
expect_rc 0 "$E" keygen ecc --out-dir "longkeys" --force
expect_only longkeys ecc_priv_key.pem ecc_pub_key.pem "$long"

# the key must be a file, not stdin
expect_rc 2 "$E" encrypt p - out/x <"$K/rsa_pub_key.pem"
expect_only out existing keep
finish
