#!/usr/bin/env bash
# Run a Windows program of this project under Wine: what CTest does with the Windows build
# (CMAKE_CROSSCOMPILING_EMULATOR), and what the tests' "esp_enc_img" is when they test the .exe.
#   scripts/wine-run.sh PROGRAM.exe ARGS...
# The Wine prefix (Wine's C: drive and registry) is $EEI_WINEPREFIX, else wineprefix/ beside the
# program: made at the first run (a few seconds), then reused.
set -u
exe=$1
shift
export WINEPREFIX=${EEI_WINEPREFIX:-$(cd "$(dirname "$exe")" && pwd)/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64 || command -v wine)
exec "$wine" "$exe" "$@"
