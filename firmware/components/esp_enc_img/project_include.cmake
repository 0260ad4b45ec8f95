# The esp_enc_img component's build step, included by ESP-IDF into the project: with
# CONFIG_ESP_ENC_IMG_SECURE_BIN, build/<project>_secure.bin is encrypted from build/<project>.bin
# to CONFIG_ESP_ENC_IMG_PUBLIC_KEY (signed first with the CONFIG_ESP_ENC_IMG_SIGN_KEY* keys) by
# the esp_enc_img tool (CONFIG_ESP_ENC_IMG_TOOL, when set and the CMake variable ESP_ENC_IMG_TOOL
# is not). The functions of esp_enc_img.cmake are there for a project's own steps.
include(${CMAKE_CURRENT_LIST_DIR}/esp_enc_img.cmake)

if(CONFIG_ESP_ENC_IMG_SECURE_BIN AND NOT BOOTLOADER_BUILD)
  set(_eei_sign_keys)
  foreach(_eei_key "${CONFIG_ESP_ENC_IMG_SIGN_KEY}" "${CONFIG_ESP_ENC_IMG_SIGN_KEY_2}"
                   "${CONFIG_ESP_ENC_IMG_SIGN_KEY_3}")
    if(NOT "${_eei_key}" STREQUAL "")
      list(APPEND _eei_sign_keys "${_eei_key}")
    endif()
  endforeach()
  esp_enc_img_secure_bin(KEY "${CONFIG_ESP_ENC_IMG_PUBLIC_KEY}" SIGN_KEYS ${_eei_sign_keys}
                         TOOL "${CONFIG_ESP_ENC_IMG_TOOL}")
endif()
