# The line the esp_enc_img step ends with once the tool has written the image, as idf.py ends a
# build with its own summary:
#   esp_enc_img: build/hello_secure.bin (123456 bytes), encrypted for keys/device_pub_key.pem
# Paths inside BASE_DIR (the project) are shown relative to it. Run by the step of
# esp_enc_img.cmake: cmake -DOUTPUT=file -DKEY=file -DSIGNATURES=n -DBASE_DIR=dir -P this-file
cmake_minimum_required(VERSION 3.14) # file(SIZE)

function(_esp_enc_img_shown out path)
  file(RELATIVE_PATH relative "${BASE_DIR}" "${path}")
  if(IS_ABSOLUTE "${relative}" OR relative MATCHES "^\\.\\.(/|$)")
    set(relative "${path}")
  endif()
  set(${out} "${relative}" PARENT_SCOPE)
endfunction()

if(NOT EXISTS "${OUTPUT}")
  message(FATAL_ERROR "esp_enc_img: the tool wrote no ${OUTPUT}")
endif()
file(SIZE "${OUTPUT}" size)
_esp_enc_img_shown(output "${OUTPUT}")
_esp_enc_img_shown(key "${KEY}")
set(signed "")
if(SIGNATURES EQUAL 1)
  set(signed ", signed with 1 key")
elseif(SIGNATURES GREATER 1)
  set(signed ", signed with ${SIGNATURES} keys")
endif()
# stdout, without the "-- " of message(STATUS)
execute_process(COMMAND ${CMAKE_COMMAND} -E echo
                "esp_enc_img: ${output} (${size} bytes), encrypted for ${key}${signed}")
