#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every CTest test.
# Needs ../shared/vectors beside the checkout (or -DEEI_VECTORS_DIR=... in EEI_CMAKE_ARGS).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
eei_install_deps "${EEI_BUILD_DEPS[@]}" "${EEI_TEST_DEPS[@]}"

cmake -S . -B build -DBUILD_TESTING=ON ${EEI_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j"$(nproc)"
