# cpack (in the build directory): esp-enc-img_<version>-<release>_<arch>.deb, installed under
# /usr with `apt-get install ./esp-enc-img_*.deb`. It holds the "tool" install component: the CLI,
# its man page, its bash and zsh completions and its ESP-IDF component. The library and its
# headers ("dev") are left out: only programs that link libesp_enc_img need them, and
# `cmake --install` gives them; the CLI links the library statically, so the package has no
# shared library of its own to version. Its dependencies are what dpkg-shlibdeps reads from the
# binary (libc6, libssl3, libcjson1, and libp11-3 when the build has PKCS#11).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME esp-enc-img)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "pre-encrypted firmware images for ESP32-class chips")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "esp_enc_img makes and reads images in the format of ESP-IDF's esp_encrypted_img\n"
  "component (RSA-3072 key wrap or ECIES-P256, then AES-256-GCM), signs apps for\n"
  "Secure Boot V2, encrypts one build for a fleet, and serves images to devices\n"
  "over HTTPS. The package also holds an ESP-IDF component that makes\n"
  "build/<project>_secure.bin at every idf.py build, with this tool.")
set(CPACK_PACKAGE_CONTACT "esp_enc_img maintainers <maintainers@esp-enc-img.invalid>" CACHE STRING
    "Maintainer field of the .deb")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};tool;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
include(CPack)
