#!/usr/bin/env bash
# docs/CI.md's pipelines, replayed job by job with the built tool (test_ci_recipes.py says what
# of GitHub Actions, GitLab CI and Kubernetes it models, and what not): the GitHub workflow and
# its fleet jobs, again with a device whose key is broken, the GitLab pipeline and the Kubernetes
# Jobs each end with the merged fleet manifest and images that decrypt. The model must also
# catch a recipe that cannot work: the fleet job downloading the build's artifact into build/
# (the artifact keeps build/ inside, so the app would be build/build/my_app.bin).
# Needs python3 with PyYAML (Debian: python3-yaml) and jq (the recipes' steps run it).
. "$(dirname "$0")/../support/lib.sh"
if ! python3 -c 'import yaml' 2>/dev/null; then
    echo "SKIPPED: python3 cannot import yaml (Debian: apt-get install python3-yaml)"
    exit 0
fi
if ! command -v jq >/dev/null; then
    echo "SKIPPED: no jq, which the recipes' steps run (Debian: apt-get install jq)"
    exit 0
fi
REPLAY=$SRC/tests/cli/test_ci_recipes.py

mkdir replay
python3 "$REPLAY" "$SRC/docs/CI.md" "$E" "$SRC" "$T/replay" \
    github github-failed-device gitlab kubernetes >replay.txt 2>&1 && pass ||
    fail "the recipes of docs/CI.md do not work: $(grep FAIL replay.txt | head -5)"
cat replay.txt

# the fleet job as it once was: the model must see that batch finds no app
python3 - "$SRC/docs/CI.md" broken.md <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
at = text.index("  fleet:\n")  # the fleet job; its download of the build's artifact
fixed = "        with:\n          name: firmware"
i = text.index(fixed, at) + len(fixed)
eol = text.index("\n", i)
open(sys.argv[2], "w", encoding="utf-8").write(text[:eol] + "\n          path: build" + text[eol:])
PY
[ -s broken.md ] && pass || fail "could not make the broken variant of the page"
mkdir replay-broken
python3 "$REPLAY" broken.md "$E" "$SRC" "$T/replay-broken" github >broken.txt 2>&1 &&
    fail "the replay passed a fleet job that downloads into build/" || pass
grep -q "build/my_app.bin: No such file" broken.txt && pass ||
    fail "the broken fleet job failed for another reason: $(grep -E 'FAIL|exit' broken.txt | head -3)"
finish
