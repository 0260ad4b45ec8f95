/* Mbed TLS 3.6 as ESP-IDF 5.x configures it, where it matters to the decryptor (esp_config.h). */
#define MBEDTLS_DEPRECATED_REMOVED
