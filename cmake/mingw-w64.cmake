# Cross-compiling for Windows x86_64 with MinGW-w64 (Debian: gcc-mingw-w64-x86-64), posix threads.
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DEEI_MINGW_DEPS=DIR
# DIR holds OpenSSL and cJSON built as static libraries for x86_64-w64-mingw32 (include/, lib/):
# what ../shared/third_party/mingw-w64-deps.tar.xz unpacks to. With wine64 on this machine, CTest
# runs the Windows programs through it (CMAKE_CROSSCOMPILING_EMULATOR; scripts/wine-run.sh).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(EEI_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${EEI_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_RC_COMPILER ${EEI_MINGW_TRIPLE}-windres)

# try_compile projects see the same dependencies
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EEI_MINGW_DEPS)
set(CMAKE_FIND_ROOT_PATH /usr/${EEI_MINGW_TRIPLE} ${EEI_MINGW_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# one program that needs no DLL beyond Windows' own: libgcc and winpthreads linked in too
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

get_filename_component(_eei_source_dir ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
if(EXISTS /usr/lib/wine/wine64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${_eei_source_dir}/scripts/wine-run.sh)
endif()
