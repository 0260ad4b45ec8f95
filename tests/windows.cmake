# The Windows build's own tests (included by tests/CMakeLists.txt when WIN32), run here under Wine:
# the C tests above, every vector, and the command scripts that mean something on Windows, with
# EEI_TARGET=windows so that what only POSIX has (modes, device nodes, signals, pseudo-terminals)
# is said skipped where it is, and Windows' own rules (DACLs, device names, locked files) are
# checked in their place (cli/test_windows.sh).

# who may open a file, as Windows says it (the stand-in for POSIX's mode bits)
add_executable(win_acl support/win_acl.c)
target_link_options(win_acl PRIVATE -municode)
target_link_libraries(win_acl PRIVATE advapi32)
# another program holding an output open
add_executable(win_hold support/win_hold.c)
target_link_options(win_hold PRIVATE -municode)

list(APPEND eei_cli_env "EEI_TARGET=windows")
if(CMAKE_CROSSCOMPILING) # under Wine, one prefix for every program
  list(APPEND eei_cli_env "EEI_WIN_ACL=${eei_run}/win_acl" "EEI_WIN_HOLD=${eei_run}/win_hold"
       "EEI_WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix")
else() # on Windows itself (MSYS2's bash runs the scripts)
  list(APPEND eei_cli_env "EEI_WIN_ACL=$<TARGET_FILE:win_acl>" "EEI_WIN_HOLD=$<TARGET_FILE:win_hold>")
endif()
foreach(script roundtrip keygen keys files usage inspect batch batch_shard warnings json mistakes
               special_files sign ds_provision windows)
  add_test(NAME cli.${script}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_${script}.sh ${eei_cli_args})
  set_tests_properties(cli.${script} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")
endforeach()

# serve of the .exe, answering curl and openssl on this machine (Wine's sockets are its own)
if(CMAKE_CROSSCOMPILING)
  add_test(NAME cli.serve COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_serve_windows.sh
                                  ${CMAKE_BINARY_DIR})
  set_tests_properties(cli.serve PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")
endif()

# the ZIP that cpack makes, unpacked and run
if(CMAKE_CROSSCOMPILING)
  add_test(NAME package.zip COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/packaging/test_zip.sh
                                    ${eei_cli_args} ${CMAKE_BINARY_DIR})
  set_tests_properties(package.zip PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")
endif()

# keys and images of this build and of the Linux one, each opened by the other
set(EEI_HOST_TOOL "" CACHE FILEPATH "esp_enc_img built for this machine (Linux), for cli.cross_os")
if(EEI_HOST_TOOL)
  add_test(NAME cli.cross_os COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cross_os.sh
                                     ${eei_cli_args} ${EEI_HOST_TOOL})
endif()

# every test runs through Wine, once its prefix is made; the scripts know they test Windows
get_property(eei_tests DIRECTORY PROPERTY TESTS)
set_tests_properties(${eei_tests} PROPERTIES ENVIRONMENT "${eei_cli_env}")
list(REMOVE_ITEM eei_tests windows.wine_prefix)
set_tests_properties(${eei_tests} PROPERTIES FIXTURES_REQUIRED wine)
