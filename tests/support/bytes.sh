# Byte edits of the tests, sourced by support/lib.sh and the emulator test.

# flip_byte FILE OFFSET [MASK]: change the byte at OFFSET, whatever it holds (a fixed value written
# over random ciphertext is the same byte once in 256 runs)
flip_byte() {
    local byte
    byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    [ -n "$byte" ] || { echo "flip_byte: $1 has no byte $2" >&2; return 1; }
    printf "\\$(printf '%03o' $((byte ^ ${3:-0x5a})))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
