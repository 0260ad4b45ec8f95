#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every CTest test. Self-contained:
# the vectors are in tests/vectors. With ../shared beside the checkout it also builds the
# firmware's host port against Mbed TLS 3.6 from ../shared/third_party (EEI_CMAKE_ARGS adds
# CMake arguments, e.g. -DEEI_FW_MBEDTLS=4.0; EEI_CTEST_ARGS CTest's, e.g. -LE idf).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
eei_install_deps "${EEI_BUILD_DEPS[@]}" "${EEI_TEST_DEPS[@]}"

cmake -S . -B build -DBUILD_TESTING=ON -DEEI_FIRMWARE_HOST=ON ${EEI_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)"
cd build
# CTest, then why each skipped test was skipped; its exit status is this script's
../scripts/run_ctest.sh --output-on-failure -j"$(nproc)" ${EEI_CTEST_ARGS:-}
