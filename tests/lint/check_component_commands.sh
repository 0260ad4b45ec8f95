#!/usr/bin/env bash
# The esp_enc_img ESP-IDF component's build step runs where ESP-IDF runs, Windows included: its
# CMake files run no shell and no POSIX utility. Every COMMAND (add_custom_command,
# add_custom_target, execute_process, ExternalProject's *_COMMAND) runs ${CMAKE_COMMAND} -E, -P
# (-D... first) or --build, or the tool (${tool}); an unquoted `&&`, `|` or redirection among its
# arguments is refused too. The check then runs on scratch copies of the component, one bad line
# in each, and must fail on every one, naming its line. Argument: the source tree.
set -u
src=$(cd "${1:-.}" && pwd) || exit 2
component=$src/firmware/components/esp_enc_img
scratch=$(mktemp -d "${TMPDIR:-/tmp}/eei-lint.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# commands FILE...: one tab-separated record per COMMAND keyword, "C <file:line> <keyword>
# <program> <first argument>", and per unquoted shell operator among its arguments, "O <file:line>
# <operator>". CMake's words are read as CMake reads them: quoted arguments (over several lines,
# with \" inside) are one word, comments and parentheses end words.
commands() {
    awk '
    function end_command() {
        if (pos == 1) printf "C\t%s\t%s\t%s\t\n", where, kw, prog
        pos = -1
    }
    function word(w, quoted, line) {
        if (!quoted && w ~ /^[A-Z_]*COMMAND$/) {
            end_command(); kw = w; pos = 0; return
        }
        if (pos < 0) return
        if (!quoted && (w == ")" || (pos > 0 && w ~ /^[A-Z][A-Z_]+$/))) { end_command(); return }
        if (pos == 0) {
            prog = (quoted ? "\"" w "\"" : w); where = FILENAME ":" line; pos = 1; return
        }
        if (pos == 1) { printf "C\t%s\t%s\t%s\t%s\n", where, kw, prog, w; pos = 2 }
        if (!quoted && w ~ /^([0-9]?>>?|<|&&|\|\||\||&|2>&1)$/)
            printf "O\t%s:%d\t%s\t\t\n", FILENAME, line, w
    }
    function flush() { if (cur != "") word(cur, 0, curline); cur = "" }
    FNR == 1 { flush(); end_command(); inq = 0 }
    {
        n = length($0)
        for (i = 1; i <= n; i++) {
            c = substr($0, i, 1)
            if (inq) {
                if (c == "\\") { cur = cur substr($0, i, 2); i++; continue }
                if (c == "\"") { inq = 0; word(cur, 1, qline); cur = ""; continue }
                cur = cur c
                continue
            }
            if (c == "#") break
            if (c == "\"") { flush(); inq = 1; qline = FNR; continue }
            if (c == "(" || c == ")") { flush(); word(c, 0, FNR); continue }
            if (c == " " || c == "\t") { flush(); continue }
            if (cur == "") curline = FNR
            cur = cur c
        }
        if (inq) cur = cur "\n"; else flush()
    }
    END { flush(); end_command() }
    BEGIN { pos = -1 }
    ' "$@"
}

# check DIR: prints each call that is not CMake or the tool; fails when there is one, or when no
# COMMAND was seen at all
check() {
    local dir=$1 kind where kw prog arg seen=0 bad=0 files=()
    for f in "$dir"/*.cmake "$dir"/CMakeLists.txt; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || { echo "$dir: no CMake file"; return 1; }
    while IFS=$'\t' read -r kind where kw prog arg; do
        if [ "$kind" = O ]; then
            echo "$where: a shell operator, '$kw'"
            bad=$((bad + 1))
            continue
        fi
        seen=$((seen + 1))
        case $prog in
        '${CMAKE_COMMAND}' | '"${CMAKE_COMMAND}"')
            case $arg in
            -E | -P | --build | -D*) continue ;;
            esac
            ;;
        '${tool}' | '"${tool}"' | '""') continue ;;
        esac
        echo "$where: $kw runs '$prog${arg:+ $arg}': only \${CMAKE_COMMAND} -E/-P/--build or the tool may"
        bad=$((bad + 1))
    done < <(commands "${files[@]}")
    [ "$seen" -gt 0 ] || { echo "$dir: no COMMAND found: the check saw nothing"; return 1; }
    [ "$bad" -eq 0 ]
}

passes=0 fails=0
if out=$(check "$component"); then
    passes=$((passes + 1))
else
    echo "FAIL: the component's CMake runs something else than CMake or the tool:" >&2
    echo "$out" >&2
    fails=$((fails + 1))
fi

# each bad line, alone at the end of a scratch copy of the component's module, is found there
bad_lines=(
    'add_custom_command(OUTPUT x COMMAND sh -c "echo x > x")'
    'add_custom_target(t COMMAND bash script.sh)'
    'execute_process(COMMAND env FOO=1 ${CMAKE_COMMAND} -E true)'
    'add_custom_command(OUTPUT x COMMAND cp a x)'
    'add_custom_command(OUTPUT x COMMAND mv a x)'
    'add_custom_target(t COMMAND rm -f x)'
    'execute_process(COMMAND cat x OUTPUT_VARIABLE x)'
    'add_custom_target(t COMMAND test -f x)'
    'add_custom_target(t COMMAND [ -f x ])'
    'add_custom_target(t COMMAND /bin/sh -c true)'
    'execute_process(COMMAND "sh" "-c" "true")'
    'add_custom_target(t VERBATIM COMMAND
                      sh -c true)'
    'add_custom_target(t COMMAND ${CMAKE_COMMAND} -E true && cat x)'
    'add_custom_target(t COMMAND ${tool} encrypt a b c > log.txt)'
    'add_custom_target(t COMMAND ${CMAKE_COMMAND} -E echo x | tee y)'
    'add_custom_target(t COMMAND ${CMAKE_COMMAND} script.cmake)'
    'ExternalProject_Add(t BUILD_COMMAND make INSTALL_COMMAND "")'
    'ExternalProject_Add(t CONFIGURE_COMMAND ./configure)'
)
module=esp_enc_img.cmake
lines=$(wc -l <"$component/$module")
for line in "${bad_lines[@]}"; do
    rm -rf "$scratch/c" && cp -r "$component" "$scratch/c"
    printf '%s\n' "$line" >>"$scratch/c/$module"
    if out=$(check "$scratch/c"); then
        echo "FAIL: a bad line passes the check: $line" >&2
        fails=$((fails + 1))
    elif grep -q "/$module:\($((lines + 1))\|$((lines + 2))\):" <<<"$out"; then
        passes=$((passes + 1))
    else
        echo "FAIL: the check fails on '$line' but not at its line: $out" >&2
        fails=$((fails + 1))
    fi
done
# a quoted message that holds the same words is no call; a component without COMMAND no pass
rm -rf "$scratch/c" && cp -r "$component" "$scratch/c"
printf '%s\n' 'message(STATUS "COMMAND sh -c && rm: menuconfig > esp_enc_img")' \
    'add_custom_target(t COMMAND ${CMAKE_COMMAND} -E echo "a > b && c | d")' >>"$scratch/c/$module"
if out=$(check "$scratch/c"); then passes=$((passes + 1)); else
    echo "FAIL: quoted words taken for a call: $out" >&2
    fails=$((fails + 1))
fi
rm -rf "$scratch/c" && mkdir -p "$scratch/c" && echo '# empty' >"$scratch/c/CMakeLists.txt"
if check "$scratch/c" >/dev/null; then
    echo "FAIL: a component without any COMMAND passes" >&2
    fails=$((fails + 1))
else
    passes=$((passes + 1))
fi
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ] && [ "$passes" -gt 0 ]
