# The simulated device's state, for the scripts that drive esp_enc_img_fwsim ($SIM): sourced after
# lib.sh (pass, fail).

# The slot that boots.
boot() { "$SIM" --flash "$1" --boot-slot; }
expect_boot() { # FLASH SLOT
    local got
    got=$(boot "$1")
    if [ "$got" = "$2" ]; then pass; else fail "boot slot $got, wanted $2"; fi
}
# The slot that boots, byte for byte.
snapshot() { "$SIM" --flash "$1" --dump-slot "$2" || fail "dump-slot"; }
