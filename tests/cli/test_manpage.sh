#!/usr/bin/env bash
# The man page: roff that groff formats without a warning, and a rendered page (what 'man' shows)
# that has a section for every command of 'esp_enc_img --help', every option and every example
# that a --help text shows, and every exit code a command can end with.
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/cli_help.sh"
MAN=$SRC/docs/esp_enc_img.1

# -ww: every warning groff has (bad macro arguments, unknown escapes, lines it cannot break...)
groff -ww -z -man "$MAN" 2>lint.txt && [ ! -s lint.txt ] && pass ||
    fail "groff -ww -z -man: $(head -5 lint.txt)"

# Rendered as man renders it, without hyphenation and with long lines so that a paragraph is one
# line; the dashes and quotes grotty may print as Unicode read back as typed, spaces squeezed.
groff -man -Tutf8 -rHY=0 -rLL=2000n -P-cbou "$MAN" 2>/dev/null |
    sed -e 's/[‐‑‒–−]/-/g' -e "s/[‘’]/'/g" -e 's/[“”]/"/g' -e 's/  */ /g' >page.txt
[ -s page.txt ] && pass || fail "groff rendered nothing"
has() { grep -qF -- "$1" page.txt; }
has_option() { grep -qE -- "(^|[^A-Za-z0-9_-])$1([^A-Za-z0-9_-]|$)" page.txt; }

awk '/^EXIT STATUS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' page.txt >exit_status.txt
commands=$(help_commands)
[ -n "$commands" ] && pass || fail "no command found in esp_enc_img --help"
for cmd in "" $commands; do
    name=${cmd:-esp_enc_img}
    # a subsection per command, headed by its usage
    [ -z "$cmd" ] || grep -q "^ $cmd " page.txt && pass || fail "no section for $cmd"
    for opt in $(help_options $cmd); do
        has_option "$opt" && pass || fail "$name --help has $opt, the man page does not"
    done
    while read -r opt value; do
        has_option "$value" && pass || fail "$name --help lists '$value' ($opt), the man page does not"
    done < <([ -z "$cmd" ] || help_choices "$cmd")
    while IFS= read -r example; do
        has "$(echo "$example" | sed 's/  */ /g')" && pass ||
            fail "$name --help has the example '$example', the man page does not"
    done < <(help_examples $cmd)
    # the exit codes the command can end with, each an entry of EXIT STATUS
    for code in $(help_text $cmd | grep -o '[0-3] [a-z]' | cut -c1 | sort -u); do
        grep -q "^ $code " exit_status.txt && pass || fail "exit code $code of $name not in the man page"
    done
done

# what the quotes of the batch manifest used to lose (a macro's arguments eat them)
has '{"input": "app.bin",' && pass || fail "the batch manifest example lost its quotes"
has '"devices": [{"id": "dev-0001", "public_key": "keys/dev-0001.pem"}, ...]}' && pass ||
    fail "the batch manifest example lost its quotes"

# it installs with the binary
cmake --install "$(dirname "$E")" --prefix "$T/prefix" >/dev/null && pass || fail "cmake --install"
expect_present "$T/prefix/bin/esp_enc_img"
# gzipped, as Debian installs man pages, and byte for byte the page
zcat "$T/prefix/share/man/man1/esp_enc_img.1.gz" | cmp -s - "$SRC/docs/esp_enc_img.1" && pass ||
    fail "the installed man page is not docs/esp_enc_img.1 gzipped"
finish
