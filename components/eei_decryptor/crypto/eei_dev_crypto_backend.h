/*
 * Which backend this build compiles: psa/crypto.h exists in mbedTLS 3.x and in TF-PSA-Crypto,
 * and tells them apart. mbedTLS 2.x (ESP-IDF 4.4, end of life) is not supported.
 */
#ifndef EEI_DEV_CRYPTO_BACKEND_H
#define EEI_DEV_CRYPTO_BACKEND_H

#include "psa/crypto.h"

#if defined(TF_PSA_CRYPTO_VERSION_MAJOR)
#define EEI_DEV_CRYPTO_PSA 1
#elif defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR == 3
#define EEI_DEV_CRYPTO_MBEDTLS3 1
#else
#error "eei_decryptor needs mbedTLS 3.x (ESP-IDF 5.x) or mbedTLS 4 / TF-PSA-Crypto (ESP-IDF 6)"
#endif

#endif
