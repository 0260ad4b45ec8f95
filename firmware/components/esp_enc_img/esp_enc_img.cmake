# Encrypt a built binary with the esp_enc_img tool as part of a CMake build (no Python).
#
#   esp_enc_img_add_encrypt_target(NAME target INPUT file [INPUT_STAMP file] [DEPENDS target...]
#                                  KEY pubkey [SIGN_KEYS key...] OUTPUT file [BASE_DIR dir])
#     A target (built by default) that runs `esp_enc_img encrypt INPUT KEY OUTPUT [--sign-key K]...`
#     whenever INPUT (or INPUT_STAMP, a file the rule that makes INPUT writes), KEY or a signing
#     key changes. Relative key paths are relative to BASE_DIR (default: CMAKE_SOURCE_DIR); a
#     signing key may also be a pkcs11: URI. An empty or missing key, or no tool, fails the
#     build at this step with a message (configure warns), so menuconfig still opens to fix it.
#   esp_enc_img_secure_bin(KEY pubkey [SIGN_KEYS key...])
#     In an ESP-IDF project: build/<project>_secure.bin from build/<project>.bin (the signed one
#     when ESP-IDF signs the app itself). project_include.cmake calls it from Kconfig.
#
# The tool: the CMake variable ESP_ENC_IMG_TOOL, else esp_enc_img from PATH, else, when this file
# is inside an esp_enc_img source checkout (or ESP_ENC_IMG_DIR names one), the tool built from it
# with the host compiler (ExternalProject) before it is needed.

set(_eei_module_dir ${CMAKE_CURRENT_LIST_DIR})

function(esp_enc_img_tool out_tool out_dep)
  if(NOT ESP_ENC_IMG_TOOL)
    find_program(ESP_ENC_IMG_TOOL esp_enc_img)
  endif()
  if(ESP_ENC_IMG_TOOL)
    set(${out_tool} ${ESP_ENC_IMG_TOOL} PARENT_SCOPE)
    set(${out_dep} "" PARENT_SCOPE)
    return()
  endif()
  set(source ${ESP_ENC_IMG_DIR})
  get_filename_component(checkout ${_eei_module_dir}/../../.. ABSOLUTE)
  if(NOT source AND EXISTS ${checkout}/include/esp_enc_img/esp_enc_img.h)
    set(source ${checkout})
  endif()
  if(NOT source)
    set(${out_tool} "" PARENT_SCOPE)
    set(${out_dep} "" PARENT_SCOPE)
    return()
  endif()
  if(NOT TARGET esp_enc_img_native)
    include(ExternalProject)
    set(bin_dir ${CMAKE_BINARY_DIR}/esp_enc_img_native)
    # the host compiler: nothing of the firmware's cross toolchain is passed on
    ExternalProject_Add(esp_enc_img_native
      SOURCE_DIR ${source}
      BINARY_DIR ${bin_dir}
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DEEI_FIRMWARE_HOST=OFF
      BUILD_COMMAND ${CMAKE_COMMAND} --build ${bin_dir} --target esp_enc_img
      INSTALL_COMMAND ""
      BUILD_BYPRODUCTS ${bin_dir}/esp_enc_img)
  endif()
  set(${out_tool} ${CMAKE_BINARY_DIR}/esp_enc_img_native/esp_enc_img PARENT_SCOPE)
  set(${out_dep} esp_enc_img_native PARENT_SCOPE)
endfunction()

# A target that fails the build with a message (the arguments after NAME, joined), and a
# configure warning that says the same.
function(_esp_enc_img_failing_target name)
  string(CONCAT why ${ARGN})
  message(WARNING "esp_enc_img: ${why}")
  add_custom_target(${name} ALL
    COMMAND ${CMAKE_COMMAND} -E echo "esp_enc_img: ${why}"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endfunction()

function(esp_enc_img_add_encrypt_target)
  cmake_parse_arguments(arg "" "NAME;INPUT;INPUT_STAMP;KEY;OUTPUT;BASE_DIR" "DEPENDS;SIGN_KEYS"
                        ${ARGN})
  foreach(required NAME INPUT OUTPUT)
    if(NOT arg_${required})
      message(FATAL_ERROR "esp_enc_img_add_encrypt_target: ${required} is required")
    endif()
  endforeach()
  if(NOT arg_BASE_DIR)
    set(arg_BASE_DIR ${CMAKE_SOURCE_DIR})
  endif()
  if("${arg_KEY}" STREQUAL "")
    _esp_enc_img_failing_target(${arg_NAME} "no public key to encrypt ${arg_OUTPUT} to: set "
                                "ESP_ENC_IMG_PUBLIC_KEY (menuconfig: esp_enc_img)")
    return()
  endif()
  get_filename_component(key "${arg_KEY}" ABSOLUTE BASE_DIR "${arg_BASE_DIR}")
  set(files ${key})
  set(sign_args)
  foreach(sign_key ${arg_SIGN_KEYS})
    if(NOT sign_key MATCHES "^pkcs11:")
      get_filename_component(sign_key "${sign_key}" ABSOLUTE BASE_DIR "${arg_BASE_DIR}")
      list(APPEND files ${sign_key})
    endif()
    list(APPEND sign_args --sign-key ${sign_key})
  endforeach()
  foreach(file ${files})
    if(NOT EXISTS "${file}")
      _esp_enc_img_failing_target(${arg_NAME} "the key ${file} does not exist")
      return()
    endif()
  endforeach()
  esp_enc_img_tool(tool tool_dep)
  if(NOT tool)
    _esp_enc_img_failing_target(${arg_NAME} "the esp_enc_img tool is not on PATH: install it "
                                "(the esp-enc-img .deb, or cmake --install) or set ESP_ENC_IMG_TOOL")
    return()
  endif()
  set(input_dep ${arg_INPUT})
  if(arg_INPUT_STAMP)
    set(input_dep ${arg_INPUT_STAMP})
  endif()
  add_custom_command(OUTPUT ${arg_OUTPUT}
    COMMAND ${tool} encrypt ${arg_INPUT} ${key} ${arg_OUTPUT} ${sign_args}
    DEPENDS ${input_dep} ${files} ${arg_DEPENDS} ${tool_dep}
    COMMENT "Encrypting ${arg_INPUT} for ${key}"
    VERBATIM)
  add_custom_target(${arg_NAME} ALL DEPENDS ${arg_OUTPUT})
endfunction()

function(esp_enc_img_secure_bin)
  cmake_parse_arguments(arg "" "KEY" "SIGN_KEYS" ${ARGN})
  idf_build_get_property(build_dir BUILD_DIR)
  idf_build_get_property(project_dir PROJECT_DIR)
  # ESP-IDF's rule for the .bin names only a timestamp file as its output; with
  # SECURE_BOOT_BUILD_SIGNED_BINARIES the .bin is the app ESP-IDF signed
  set(stamp ${build_dir}/.bin_timestamp)
  if(CONFIG_SECURE_BOOT_BUILD_SIGNED_BINARIES)
    set(stamp ${build_dir}/.signed_bin_timestamp)
  endif()
  esp_enc_img_add_encrypt_target(NAME secure_bin INPUT ${build_dir}/${CMAKE_PROJECT_NAME}.bin
    INPUT_STAMP ${stamp} DEPENDS gen_project_binary BASE_DIR ${project_dir}
    KEY "${arg_KEY}" SIGN_KEYS ${arg_SIGN_KEYS}
    OUTPUT ${build_dir}/${CMAKE_PROJECT_NAME}_secure.bin)
endfunction()
