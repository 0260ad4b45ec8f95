/*
 * TF-PSA-Crypto as ESP-IDF 6 configures it, where it matters to the decryptor (esp_config.h):
 * PSA calls use the caller's buffers directly (no copies, no allocation per call), and input and
 * output must not overlap.
 */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
