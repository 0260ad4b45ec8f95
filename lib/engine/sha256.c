/* SHA-256 for a program's reports: the crypto backend's, behind the API's names. */
#include "crypto/crypto.h"
#include "error/error_internal.h"

eei_status eei_sha256_new(eei_sha256 **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    return eei_crypto_sha256_start(out, err);
}

void eei_sha256_update(eei_sha256 *sha, const uint8_t *data, size_t len)
{
    eei_crypto_sha256_update(sha, data, len);
}

void eei_sha256_final(eei_sha256 *sha, uint8_t digest[EEI_SHA256_SIZE])
{
    eei_crypto_sha256_finish(sha, digest);
}

void eei_sha256_free(eei_sha256 *sha)
{
    eei_crypto_sha256_free(sha);
}
