# Write OUT with the git commit the programs are built from (-D SOURCE=... -D OUT=...): run at
# every build, it rewrites OUT only when the commit (or whether the tree has changes) differs.
execute_process(COMMAND git -C "${SOURCE}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_QUIET)
# only the source's own checkout counts, not one it was unpacked inside
execute_process(COMMAND git -C "${SOURCE}" rev-parse --show-toplevel
                OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
get_filename_component(top "${top}" REALPATH)
get_filename_component(source_real "${SOURCE}" REALPATH)
if(NOT rc EQUAL 0 OR commit STREQUAL "" OR NOT top STREQUAL source_real)
  set(commit "unknown (not built from a git checkout)")
else()
  execute_process(COMMAND git -C "${SOURCE}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT changes STREQUAL "")
    string(APPEND commit " with uncommitted changes")
  endif()
endif()
set(text "#define EEI_GIT_COMMIT \"${commit}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
