# Byte edits of the tests, sourced by support/lib.sh and the emulator test.

# flip_byte FILE OFFSET [MASK]: change the byte at OFFSET, whatever it holds (a fixed value written
# over random ciphertext is the same byte once in 256 runs)
flip_byte() {
    local byte
    byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    [ -n "$byte" ] || { echo "flip_byte: $1 has no byte $2" >&2; return 1; }
    printf "\\$(printf '%03o' $((byte ^ ${3:-0x5a})))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# make_min_app FILE: the smallest app binary a device's walk accepts: one segment holding the app
# descriptor (its magic word, zeros after), the checksum byte, no appended SHA-256 (chip esp32c3)
make_min_app() {
    {
        printf '\351\001\002\040\000\000\070\100' # magic, 1 segment, SPI mode/size, entry
        printf '\356\000\000\000\005\000\000\000\000\000\000\000\000\000\000\000' # chip id 5
        printf '\040\000\000\074\000\001\000\000' # segment: load address, 256 bytes
        printf '\062\124\315\253'                 # the descriptor's magic word
        head -c 252 /dev/zero
        head -c 15 /dev/zero # to the last byte of a 16-byte line: the checksum
        printf '\357'        # 0xEF: the seed, for the segment's bytes XOR to zero
    } >"$1"
}
