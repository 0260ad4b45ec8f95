#!/usr/bin/env bash
# Run a Windows program of this project under Wine: what CTest does with the Windows build
# (CMAKE_CROSSCOMPILING_EMULATOR), and what the tests' "esp_enc_img" is when they test the .exe.
#   scripts/wine-run.sh PROGRAM.exe ARGS...
# The Wine prefix (Wine's C: drive and registry) is $EEI_WINEPREFIX, else wineprefix/ beside the
# program. The first run makes it whole before any program runs in it (wineboot, then every Wine
# process of that start has ended): a program started while Wine still sets a prefix up can fail
# with no word. Later runs find it ready.
set -u
exe=$1
shift
export WINEPREFIX=${EEI_WINEPREFIX:-$(cd "$(dirname "$exe")" && pwd)/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64 || command -v wine)
server=/usr/lib/wine/wineserver64
[ -x "$server" ] || server=$(command -v wineserver)
if [ ! -f "$WINEPREFIX/.ready" ]; then
    mkdir -p "$(dirname "$WINEPREFIX")"
    (
        flock 9
        if [ ! -f "$WINEPREFIX/.ready" ]; then
            "$wine" wineboot --init >/dev/null 2>&1
            "$server" -w
            touch "$WINEPREFIX/.ready"
        fi
    ) 9>"$WINEPREFIX.lock"
fi
exec "$wine" "$exe" "$@"
