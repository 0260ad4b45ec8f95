# What the --help texts of esp_enc_img say, for the tests that hold other documents to them (the
# man page, the shell completions): sourced after lib.sh, reads "$E ... --help".
#
#   help_commands           the commands of 'esp_enc_img --help', one a line
#   help_options [CMD]      every option CMD's --help shows in its usage or its option list
#                           (long and short), one a line; without CMD: the tool's own options
#   help_choices CMD        'OPTION VALUE' (or '- VALUE' for an argument) for each value of an
#                           a|b|c list in CMD's usage, one a line
#   help_examples [CMD]     the lines of an 'Examples:' section, without indentation, a '$ '
#                           prompt or a trailing '# comment'

help_text() { # [CMD]
    if [ $# -gt 0 ]; then "$E" "$1" --help; else "$E" --help; fi
}

help_commands() {
    # a command's line starts with two spaces and its name (continuations with more); a command
    # with two forms has two lines
    help_text | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [^ ]/ && !seen[$1]++ { print $1 }'
}

help_usage() { # [CMD]: the usage lines, up to the first empty line
    help_text "$@" | awk '/^Usage:/ { on = 1 } on && /^$/ { exit } on'
}

help_options() { # [CMD]
    {
        help_usage "$@" | grep -oE -- '(^|[][( |])(--[A-Za-z0-9_-]+|-[A-Za-z])\b' | sed 's/^[][( |]//'
        # an option list's lines start with two spaces and the option (continuations with more)
        help_text "$@" | grep -oE -- '^  (-[A-Za-z], )?(--[A-Za-z0-9_-]+|-[A-Za-z])' |
            tr -d ' ' | tr ',' '\n'
    } | sort -u
}

help_choices() { # CMD
    help_usage "$1" | grep -oE -- '(--[a-z-]+ )?[a-z0-9]+(\|[a-z0-9]+)+' |
        while read -r a b; do
            if [ -n "$b" ]; then opt=$a list=$b; else opt=- list=$a; fi
            for v in $(echo "$list" | tr '|' ' '); do printf '%s %s\n' "$opt" "$v"; done
        done
}

help_examples() { # [CMD]
    help_text "$@" | awk '/^Examples?:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on' |
        sed -E 's/^ +//; s/^\$ //; s/ +# .*//; s/ +$//' | grep -v '^$'
}
