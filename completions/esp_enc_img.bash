# bash completion for esp_enc_img: its commands, each command's options, the key kinds of keygen,
# the formats of pubkey, the chips of ds-provision, and files (folders where a folder is wanted)
# for the rest.
# Installed as share/bash-completion/completions/esp_enc_img; tests/cli/test_completion.sh holds
# it to the --help texts.

_esp_enc_img() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmd=${COMP_WORDS[1]} opts=
    COMPREPLY=()
    # --option=value: bash splits it at the '='
    if [ "$cur" = "=" ]; then
        cur=
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 2 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    if [ "$COMP_CWORD" -eq 1 ]; then
        if [[ $cur == -* ]]; then
            opts="--generate_rsa_key --generate_ecc_key -h --help -V --version"
        else
            opts="keygen pubkey encrypt decrypt info verify batch serve sign verify-signature digest
                  ds-provision"
        fi
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return 0
    fi

    # the value of an option
    case $prev in
    -d | --out-dir | --cert-dir)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return 0
        ;;
    -o | --output | -p | --passphrase-file | --pin-file | --key | -k | --keyfile | --pub | \
        --sign-key | --cert | --merge | --hmac-key)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return 0
        ;;
    --format)
        mapfile -t COMPREPLY < <(compgen -W "pem der device c" -- "$cur")
        return 0
        ;;
    --version)
        [ "$cmd" = sign ] && mapfile -t COMPREPLY < <(compgen -W "2" -- "$cur")
        return 0
        ;;
    --target)
        mapfile -t COMPREPLY < <(compgen -W "esp32s2 esp32s3 esp32c3 esp32c6 esp32h2" -- "$cur")
        return 0
        ;;
    --key-block)
        mapfile -t COMPREPLY < <(compgen -W "0 1 2 3 4 5" -- "$cur")
        return 0
        ;;
    --name | --bind | --port | --self-signed | --days | --timeout | --max-clients | -j | --jobs | \
        --shard | --max-size | --offset)
        return 0 # a value of the user's own
        ;;
    esac

    local common="-q --quiet -v --verbose -h --help"
    local pass="-p --passphrase-file" pin="--pin-file"
    case $cmd in
    keygen) opts="-d --out-dir -f --force --json $pass $common" ;;
    pubkey) opts="--format --name -o --output -f --force --json $pass $pin $common" ;;
    encrypt) opts="--sign-key --json --strict --max-size $pass $pin $common" ;;
    decrypt) opts="--json --max-size $pass $common" ;;
    info) opts="--json --max-size $common" ;;
    verify) opts="--pub --no-hash --json --strict --max-size $pass $common" ;;
    batch) opts="-d --out-dir -j --jobs --shard --merge -o --output --json --max-size $pass $pin $common" ;;
    serve) opts="--bind --port --cert --key --self-signed --cert-dir --days --timeout
                 --max-clients $common" ;;
    sign) opts="--key -k --keyfile -o --output --version --append --json --max-size $pass $pin $common" ;;
    verify-signature) opts="--pub --json --max-size $common" ;;
    digest) opts="-o --output -f --force --json $pass $pin $common" ;;
    ds-provision) opts="--hmac-key --target -o --output --key-block --offset -f --force --json
                        $pass $common" ;;
    --generate_rsa_key | --generate_ecc_key) opts="-f --force $common" ;;
    *) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return 0
    fi

    # an argument
    case $cmd in
    keygen)
        local w
        for w in "${COMP_WORDS[@]:2:COMP_CWORD-2}"; do
            case $w in rsa | hmac | ecc | ecc384) return 0 ;; esac # one kind only
        done
        mapfile -t COMPREPLY < <(compgen -W "rsa hmac ecc ecc384" -- "$cur")
        ;;
    serve)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        ;;
    --generate_rsa_key | --generate_ecc_key) ;;
    *)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        ;;
    esac
    return 0
}
complete -F _esp_enc_img esp_enc_img
