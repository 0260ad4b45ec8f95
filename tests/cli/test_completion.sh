#!/usr/bin/env bash
# The bash and zsh completions, as cmake --install puts them, offer exactly the commands of
# 'esp_enc_img --help' and the options of each 'esp_enc_img CMD --help', the values of their a|b|c
# lists (keygen's key kinds, pubkey's formats), files for file arguments and folders for folders.
# Both are run for real: bash calls the completion function as it would on TAB, zsh completes in
# a pseudo-terminal (tests/support/zsh_complete.zsh).
. "$(dirname "$0")/../support/lib.sh"
. "$(dirname "$0")/../support/cli_help.sh"
ZSH_COMPLETE=$SRC/tests/support/zsh_complete.zsh
P=$T/prefix
cmake --install "$(dirname "$E")" --prefix "$P" --component tool >/dev/null && pass ||
    fail "cmake --install --component tool"
BASH_FILE=$P/share/bash-completion/completions/esp_enc_img
ZSH_DIR=$P/share/zsh/site-functions
expect_present "$BASH_FILE"
expect_present "$ZSH_DIR/_esp_enc_img"

# what bash offers for a command line ending where TAB is pressed, one match a line, sorted
bash_offers() { # WORD... (the last one is the word being completed)
    bash --norc --noprofile -c '. "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _esp_enc_img esp_enc_img "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' - "$BASH_FILE" "$@" | sed 's|/$||' | grep -v '^$' | sort -u
}
have_zsh=0
if command -v zsh >/dev/null; then
    have_zsh=1
    zsh -n "$ZSH_DIR/_esp_enc_img" && pass || fail "zsh -n: the zsh completion does not parse"
else
    echo "SKIP: zsh is not installed (apt-get install zsh): the zsh completion is not run"
fi
same_set() { # WHAT WANTED_FILE GOT_FILE
    if cmp -s "$2" "$3"; then
        pass
    else
        fail "$1: missing: $(comm -23 "$2" "$3" | tr '\n' ' ')extra: $(comm -13 "$2" "$3" | tr '\n' ' ')"
    fi
}
# both WHAT WANTED_FILE WORDS...: bash's offers (now) and zsh's (all at once, by zsh_check, since
# one zsh starting its completion system takes seconds) equal the wanted ones
zsh_lines=()
zsh_what=()
both() {
    local what=$1 want=$2
    shift 2
    bash_offers "$@" >got.bash
    same_set "bash: $what" "$want" got.bash
    zsh_lines+=("$*")
    zsh_what+=("$what")
    cp "$want" "$T/zsh.want.${#zsh_lines[@]}"
}
zsh_check() {
    [ $have_zsh = 1 ] || return 0
    timeout 300 zsh -f "$ZSH_COMPLETE" "$ZSH_DIR" "${zsh_lines[@]}" >"$T/zsh.out" ||
        fail "zsh_complete.zsh failed or timed out"
    local i
    for i in $(seq ${#zsh_lines[@]}); do
        awk -v h="<line $i>" '$0 == h { on = 1; next } /^<line / { on = 0 } on' "$T/zsh.out" |
            sed 's|/$||' | grep -v '^$' | sort -u >"$T/zsh.got.$i"
        same_set "zsh: ${zsh_what[i - 1]}" "$T/zsh.want.$i" "$T/zsh.got.$i"
    done
}

# files and folders to complete
mkdir work && cd work || exit 3
touch app.bin app_secure.bin key.pem fleet.json
mkdir images keys

# the commands, and the tool's own options
help_commands | sort -u >want
[ -s want ] && pass || fail "no command in esp_enc_img --help"
both "the commands" want esp_enc_img ""
echo encrypt >want
both "'enc' completes to encrypt" want esp_enc_img enc
help_options | sort -u >want
both "the options of esp_enc_img" want esp_enc_img -

for cmd in $(help_commands); do
    # every option of CMD --help, and no other
    help_options "$cmd" | sort -u >want
    [ -s want ] && pass || fail "no option found in $cmd --help"
    args=(app.bin)
    [ "$cmd" = keygen ] && args=(rsa)
    both "the options of $cmd" want esp_enc_img "$cmd" "${args[@]}" -
    # the values of each a|b|c list: an option's values after it, an argument's as the argument
    help_choices "$cmd" >choices
    for opt in $(cut -d' ' -f1 choices | sort -u); do
        awk -v o="$opt" '$1 == o { print $2 }' choices | sort -u >want
        if [ "$opt" = - ]; then
            both "the arguments of $cmd" want esp_enc_img "$cmd" ""
        else
            both "the values of $cmd $opt" want esp_enc_img "$cmd" key.pem "$opt" ""
        fi
    done
done
[ "$(help_choices keygen | wc -l)" -ge 4 ] && pass || fail "keygen --help lists no key kinds"
# the esp_enc_img_gen.py spellings print keygen's --help but take --force and the options every
# command has; the parser is asked which it takes
for opt in --force --help --verbose --quiet -f -h -v -q --out-dir --json --passphrase-file; do
    run "$E" --generate_rsa_key "$opt" --bogus-to-stop-here
    grep -q "option '$opt' does not apply" "$T/err.txt" ||
        echo "$opt"
done | sort >want
grep -qx -- -q want && ! grep -qx -- --out-dir want && pass || fail "what --generate_rsa_key takes: $(tr '\n' ' ' <want)"
both "the options of --generate_rsa_key" want esp_enc_img --generate_rsa_key -
both "the options of --generate_ecc_key" want esp_enc_img --generate_ecc_key -

# file arguments complete to files, folder arguments to folders only
printf '%s\n' app.bin app_secure.bin >want
both "encrypt's input" want esp_enc_img encrypt app
printf '%s\n' key.pem keys >want
both "encrypt's key" want esp_enc_img encrypt app.bin ke
printf '%s\n' key.pem keys >want
both "sign --key" want esp_enc_img sign app.bin --key ke
printf '%s\n' key.pem keys >want
both "pubkey -o" want esp_enc_img pubkey key.pem -o ke
echo fleet.json >want
both "batch's manifest" want esp_enc_img batch fl
printf '%s\n' images >want
both "batch --out-dir: folders" want esp_enc_img batch fleet.json --out-dir i
both "keygen -d: folders" want esp_enc_img keygen rsa -d i
both "serve's folder" want esp_enc_img serve i
zsh_check

# bash-completion finds the installed file by the command's name, as on a user's machine
if [ -r /usr/share/bash-completion/bash_completion ]; then
    XDG_DATA_DIRS=$P/share bash --norc --noprofile -c '. /usr/share/bash-completion/bash_completion
        __load_completion esp_enc_img && complete -p esp_enc_img' >loaded.txt 2>&1
    grep -q -- "-F _esp_enc_img esp_enc_img" loaded.txt && pass ||
        fail "bash-completion does not load the installed completion: $(cat loaded.txt)"
else
    echo "SKIP: bash-completion is not installed: its loader is not tried"
fi
finish
