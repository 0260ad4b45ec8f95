# Encrypt a built binary with esp_enc_img as part of a CMake build.
#
#   esp_enc_img_add_encrypt_target(NAME target INPUT file [INPUT_STAMP file] DEPENDS target
#                                  KEY pubkey OUTPUT file)
#     A target (built by default) that runs `esp_enc_img encrypt INPUT KEY OUTPUT` whenever
#     INPUT (or INPUT_STAMP, a file the rule that makes INPUT writes) or KEY changes. KEY is
#     relative to CMAKE_SOURCE_DIR unless absolute.
#   esp_enc_img_secure_bin(KEY pubkey)
#     In an ESP-IDF project, after project(): build/<project>_secure.bin from build/<project>.bin.
#
# The tool is esp_enc_img from PATH (or ESP_ENC_IMG_TOOL); without one, it is built from this
# repository with the host compiler (ExternalProject) before it is needed.

set(EEI_REPO_DIR ${CMAKE_CURRENT_LIST_DIR}/../.. CACHE PATH "The esp_enc_img repository")

function(esp_enc_img_tool out_tool out_dep)
  if(NOT ESP_ENC_IMG_TOOL)
    find_program(ESP_ENC_IMG_TOOL esp_enc_img)
  endif()
  if(ESP_ENC_IMG_TOOL)
    set(${out_tool} ${ESP_ENC_IMG_TOOL} PARENT_SCOPE)
    set(${out_dep} "" PARENT_SCOPE)
    return()
  endif()
  if(NOT TARGET esp_enc_img_native)
    include(ExternalProject)
    set(bin_dir ${CMAKE_BINARY_DIR}/esp_enc_img_native)
    # the host compiler: nothing of the firmware's cross toolchain is passed on
    ExternalProject_Add(esp_enc_img_native
      SOURCE_DIR ${EEI_REPO_DIR}
      BINARY_DIR ${bin_dir}
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DEEI_FIRMWARE_HOST=OFF
      BUILD_COMMAND ${CMAKE_COMMAND} --build ${bin_dir} --target esp_enc_img
      INSTALL_COMMAND ""
      BUILD_BYPRODUCTS ${bin_dir}/esp_enc_img)
  endif()
  set(${out_tool} ${CMAKE_BINARY_DIR}/esp_enc_img_native/esp_enc_img PARENT_SCOPE)
  set(${out_dep} esp_enc_img_native PARENT_SCOPE)
endfunction()

function(esp_enc_img_add_encrypt_target)
  cmake_parse_arguments(arg "" "NAME;INPUT;INPUT_STAMP;DEPENDS;KEY;OUTPUT" "" ${ARGN})
  foreach(required NAME INPUT KEY OUTPUT)
    if(NOT arg_${required})
      message(FATAL_ERROR "esp_enc_img_add_encrypt_target: ${required} is required")
    endif()
  endforeach()
  get_filename_component(key ${arg_KEY} ABSOLUTE BASE_DIR ${CMAKE_SOURCE_DIR})
  if(NOT EXISTS ${key})
    message(FATAL_ERROR "esp_enc_img: the public key ${key} does not exist")
  endif()
  esp_enc_img_tool(tool tool_dep)
  set(input_dep ${arg_INPUT})
  if(arg_INPUT_STAMP)
    set(input_dep ${arg_INPUT_STAMP})
  endif()
  add_custom_command(OUTPUT ${arg_OUTPUT}
    COMMAND ${tool} encrypt ${arg_INPUT} ${key} ${arg_OUTPUT}
    DEPENDS ${input_dep} ${key} ${arg_DEPENDS} ${tool_dep}
    COMMENT "Encrypting ${arg_INPUT} for ${key}"
    VERBATIM)
  add_custom_target(${arg_NAME} ALL DEPENDS ${arg_OUTPUT})
endfunction()

function(esp_enc_img_secure_bin)
  cmake_parse_arguments(arg "" "KEY" "" ${ARGN})
  set(bin ${CMAKE_BINARY_DIR}/${CMAKE_PROJECT_NAME}.bin)
  # ESP-IDF's rule for the .bin names only .bin_timestamp as its output
  esp_enc_img_add_encrypt_target(NAME secure_bin INPUT ${bin}
    INPUT_STAMP ${CMAKE_BINARY_DIR}/.bin_timestamp DEPENDS gen_project_binary
    KEY ${arg_KEY} OUTPUT ${CMAKE_BINARY_DIR}/${CMAKE_PROJECT_NAME}_secure.bin)
endfunction()
