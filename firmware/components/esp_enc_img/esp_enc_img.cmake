# Encrypt a built binary with the esp_enc_img tool as part of a CMake build (no Python, no shell:
# only CMake and the tool run, so the step works wherever ESP-IDF does, Windows included).
#
#   esp_enc_img_add_encrypt_target(NAME target INPUT file [INPUT_STAMP file] [DEPENDS target...]
#                                  KEY pubkey [SIGN_KEYS key...] OUTPUT file [BASE_DIR dir]
#                                  [TOOL path])
#     A target (built by default) that runs `esp_enc_img encrypt INPUT KEY OUTPUT [--sign-key K]...`
#     whenever INPUT (or INPUT_STAMP, a file the rule that makes INPUT writes), KEY or a signing
#     key changes, then prints one line: OUTPUT, its size, the key it is encrypted for. Relative
#     paths (keys, the tool) are relative to BASE_DIR (default: CMAKE_SOURCE_DIR); a signing key
#     may also be a pkcs11: URI. An empty or missing key, or no tool, fails the build at this step
#     with a message (configure warns), so menuconfig still opens to fix it.
#   esp_enc_img_secure_bin(KEY pubkey [SIGN_KEYS key...] [TOOL path])
#     In an ESP-IDF project: build/<project>_secure.bin from build/<project>.bin (the signed one
#     when ESP-IDF signs the app itself). project_include.cmake calls it from Kconfig.
#
# The tool, the first of:
#   1. a path that is set: the CMake variable ESP_ENC_IMG_TOOL, else TOOL (in an ESP-IDF project,
#      the Kconfig option CONFIG_ESP_ENC_IMG_TOOL), else the environment variable
#      ESP_ENC_IMG_TOOL; a path that names no file fails the step, naming it;
#   2. with ESP_ENC_IMG_BUILD_TOOL on (off by default), the tool built with the host compiler
#      (ExternalProject) from the esp_enc_img source checkout this file is in, or that
#      ESP_ENC_IMG_DIR names: it needs OpenSSL 3, cJSON and pkg-config on the build machine;
#   3. esp_enc_img or esp_enc_img.exe on PATH.
# Without one, the step fails with a message that says how to get the tool on each system.

set(_eei_module_dir ${CMAKE_CURRENT_LIST_DIR})

# The tool for a step: sets out_tool (empty when there is none), out_dep (the target that builds
# it, or empty) and out_why (when there is no tool: the message's lines, a list). tool_option
# is TOOL of step 1 above; relative paths are relative to base_dir.
function(_esp_enc_img_tool out_tool out_dep out_why tool_option base_dir)
  set(${out_tool} "" PARENT_SCOPE)
  set(${out_dep} "" PARENT_SCOPE)
  set(${out_why} "" PARENT_SCOPE)
  set(env_tool "$ENV{ESP_ENC_IMG_TOOL}")
  set(path "")
  if(ESP_ENC_IMG_TOOL)
    set(path "${ESP_ENC_IMG_TOOL}")
    set(setting "the CMake variable ESP_ENC_IMG_TOOL")
  elseif(tool_option)
    set(path "${tool_option}")
    set(setting "CONFIG_ESP_ENC_IMG_TOOL")
  elseif(env_tool)
    set(path "${env_tool}")
    set(setting "the environment variable ESP_ENC_IMG_TOOL")
  endif()
  if(NOT "${path}" STREQUAL "")
    if(CMAKE_HOST_WIN32)
      file(TO_CMAKE_PATH "${path}" path)
    endif()
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${base_dir}")
    if(IS_DIRECTORY "${path}")
      set(${out_why} "the esp_enc_img tool ${path} is a folder: ${setting} must name the tool \
itself (esp_enc_img, or esp_enc_img.exe on Windows)" PARENT_SCOPE)
      return()
    elseif(NOT EXISTS "${path}")
      set(${out_why} "the esp_enc_img tool ${path} does not exist: correct or unset ${setting}"
          PARENT_SCOPE)
      return()
    endif()
    message(STATUS "esp_enc_img: the tool is ${path} (${setting})")
    set(${out_tool} "${path}" PARENT_SCOPE)
    return()
  endif()

  if(ESP_ENC_IMG_BUILD_TOOL)
    set(source "${ESP_ENC_IMG_DIR}")
    set(where "ESP_ENC_IMG_DIR, ${source},")
    if("${source}" STREQUAL "")
      get_filename_component(source "${_eei_module_dir}/../../.." ABSOLUTE)
      set(where "this component, ${_eei_module_dir}, is not in one and ESP_ENC_IMG_DIR")
    endif()
    if(NOT EXISTS "${source}/include/esp_enc_img/esp_enc_img.h")
      set(${out_why} "ESP_ENC_IMG_BUILD_TOOL is on, to build the tool from an esp_enc_img source \
checkout, but ${where} names none" PARENT_SCOPE)
      return()
    endif()
    set(bin_dir "${CMAKE_BINARY_DIR}/esp_enc_img_native")
    set(exe "")
    if(CMAKE_HOST_WIN32)
      set(exe .exe)
    endif()
    if(NOT TARGET esp_enc_img_native)
      include(ExternalProject)
      # the host compiler: nothing of the firmware's cross toolchain is passed on
      ExternalProject_Add(esp_enc_img_native
        SOURCE_DIR "${source}"
        BINARY_DIR "${bin_dir}"
        CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DEEI_FIRMWARE_HOST=OFF
        BUILD_COMMAND ${CMAKE_COMMAND} --build "${bin_dir}" --target esp_enc_img
        INSTALL_COMMAND ""
        BUILD_BYPRODUCTS "${bin_dir}/esp_enc_img${exe}")
    endif()
    message(STATUS "esp_enc_img: the tool is built from ${source} (ESP_ENC_IMG_BUILD_TOOL)")
    set(${out_tool} "${bin_dir}/esp_enc_img${exe}" PARENT_SCOPE)
    set(${out_dep} esp_enc_img_native PARENT_SCOPE)
    return()
  endif()

  # PATH only, searched again at every configure: a tool installed or removed since is seen
  unset(_ESP_ENC_IMG_ON_PATH CACHE)
  find_program(_ESP_ENC_IMG_ON_PATH NAMES esp_enc_img esp_enc_img.exe NO_DEFAULT_PATH
               PATHS ENV PATH)
  if(_ESP_ENC_IMG_ON_PATH)
    message(STATUS "esp_enc_img: the tool is ${_ESP_ENC_IMG_ON_PATH} (PATH)")
    set(${out_tool} "${_ESP_ENC_IMG_ON_PATH}" PARENT_SCOPE)
    return()
  endif()
  set(${out_why}
    "the esp_enc_img tool is not on PATH, and no path to it is set. Get it:"
    "  Linux: apt-get install ./esp-enc-img_*.deb, or cmake --install from a source checkout"
    "  macOS: cmake --install from a source checkout"
    "  Windows: esp_enc_img.exe from the Windows ZIP, in a folder on PATH"
    "or name it: idf.py -DESP_ENC_IMG_TOOL=PATH build, CONFIG_ESP_ENC_IMG_TOOL (menuconfig: \
esp_enc_img) or the environment variable ESP_ENC_IMG_TOOL"
    "or build it from a source checkout with the host compiler (OpenSSL 3, cJSON and pkg-config \
needed): -DESP_ENC_IMG_BUILD_TOOL=ON"
    PARENT_SCOPE)
endfunction()

# A target that fails the build with a message, and a configure warning that says the same: the
# arguments after NAME are the message's lines.
function(_esp_enc_img_failing_target name)
  set(echoes)
  foreach(line IN LISTS ARGN)
    list(APPEND echoes COMMAND ${CMAKE_COMMAND} -E echo "esp_enc_img: ${line}")
  endforeach()
  string(REPLACE ";" "\n" why "${ARGN}")
  message(WARNING "esp_enc_img: ${why}")
  add_custom_target(${name} ALL ${echoes} COMMAND ${CMAKE_COMMAND} -E false VERBATIM)
endfunction()

function(esp_enc_img_add_encrypt_target)
  cmake_parse_arguments(arg "" "NAME;INPUT;INPUT_STAMP;KEY;OUTPUT;BASE_DIR;TOOL"
                        "DEPENDS;SIGN_KEYS" ${ARGN})
  foreach(required NAME INPUT OUTPUT)
    if(NOT arg_${required})
      message(FATAL_ERROR "esp_enc_img_add_encrypt_target: ${required} is required")
    endif()
  endforeach()
  if(NOT arg_BASE_DIR)
    set(arg_BASE_DIR ${CMAKE_SOURCE_DIR})
  endif()
  if("${arg_KEY}" STREQUAL "")
    _esp_enc_img_failing_target(${arg_NAME} "no public key to encrypt ${arg_OUTPUT} to: set \
ESP_ENC_IMG_PUBLIC_KEY (menuconfig: esp_enc_img)")
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
  _esp_enc_img_tool(tool tool_dep why "${arg_TOOL}" "${arg_BASE_DIR}")
  if(NOT tool)
    _esp_enc_img_failing_target(${arg_NAME} ${why})
    return()
  endif()
  set(input_dep ${arg_INPUT})
  if(arg_INPUT_STAMP)
    set(input_dep ${arg_INPUT_STAMP})
  endif()
  list(LENGTH arg_SIGN_KEYS signatures)
  # then the line that says where the image went, its size and its key, once it is written
  add_custom_command(OUTPUT ${arg_OUTPUT}
    COMMAND ${tool} encrypt ${arg_INPUT} ${key} ${arg_OUTPUT} ${sign_args}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${arg_OUTPUT} -DKEY=${key} -DSIGNATURES=${signatures}
            -DBASE_DIR=${arg_BASE_DIR} -P ${_eei_module_dir}/esp_enc_img_summary.cmake
    DEPENDS ${input_dep} ${files} ${arg_DEPENDS} ${tool_dep}
    COMMENT "Encrypting ${arg_INPUT} for ${key}"
    VERBATIM)
  add_custom_target(${arg_NAME} ALL DEPENDS ${arg_OUTPUT})
endfunction()

function(esp_enc_img_secure_bin)
  cmake_parse_arguments(arg "" "KEY;TOOL" "SIGN_KEYS" ${ARGN})
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
    KEY "${arg_KEY}" SIGN_KEYS ${arg_SIGN_KEYS} TOOL "${arg_TOOL}"
    OUTPUT ${build_dir}/${CMAKE_PROJECT_NAME}_secure.bin)
endfunction()
