# The Windows release: cpack (in the build folder) makes esp_enc_img-<version>-windows-x86_64.zip,
# one folder holding esp_enc_img.exe (OpenSSL and cJSON linked in: no DLL beyond Windows' own),
# the manual as text, README and the docs a user reads, the licenses (this project's, OpenSSL's,
# cJSON's), and the ESP-IDF component that runs the tool at every idf.py build.
install(TARGETS esp_enc_img RUNTIME DESTINATION . COMPONENT tool)

# the manual: the man page as plain text where groff is (it is where the ZIP is made here), else
# its source
find_program(EEI_GROFF groff)
if(EEI_GROFF)
  set(eei_manual ${CMAKE_CURRENT_BINARY_DIR}/esp_enc_img-manual.txt)
  add_custom_command(OUTPUT ${eei_manual}
                     COMMAND ${EEI_GROFF} -man -Tutf8 -P-cbou ${PROJECT_SOURCE_DIR}/docs/esp_enc_img.1
                             > ${eei_manual}
                     DEPENDS docs/esp_enc_img.1 VERBATIM)
  add_custom_target(esp_enc_img_manual ALL DEPENDS ${eei_manual})
  install(FILES ${eei_manual} DESTINATION . COMPONENT tool)
else()
  install(FILES docs/esp_enc_img.1 DESTINATION doc COMPONENT tool)
endif()
install(FILES README.md DESTINATION . COMPONENT tool)
install(FILES docs/CLI.md docs/CI.md docs/SECURITY.md docs/SIGNING.md DESTINATION doc
        COMPONENT tool)

# the licenses: this project's, and those of the libraries linked in (the MinGW-w64 dependencies
# of scripts/build-windows.sh keep them in licenses/)
install(FILES LICENSE DESTINATION licenses RENAME esp_enc_img-LICENSE COMPONENT tool)
if(EEI_MINGW_DEPS AND EXISTS ${EEI_MINGW_DEPS}/licenses)
  install(DIRECTORY ${EEI_MINGW_DEPS}/licenses/ DESTINATION licenses COMPONENT tool)
endif()

install(DIRECTORY firmware/components/esp_enc_img DESTINATION idf_component COMPONENT tool)

set(CPACK_GENERATOR ZIP)
set(CPACK_PACKAGE_NAME esp_enc_img)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_FILE_NAME esp_enc_img-${PROJECT_VERSION}-windows-x86_64)
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};tool;/")
set(CPACK_STRIP_FILES ON)
include(CPack)
