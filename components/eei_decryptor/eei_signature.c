/*
 * The firmware's Secure Boot V2 check (eei_signature.h): the shared check of sectors and blocks
 * (eei_core/sb_check.h) over the device's crypto, with the app read back from flash and the keys
 * the device trusts by their eFuse digests.
 */
#include "eei_signature.h"

#include <string.h>

#include "eei_core/sb_check.h"
#include "eei_dev_crypto.h"

/* The padded app's digests, each computed once, when a block first needs it. */
typedef struct {
    eei_sig_read_fn read;
    void *ctx;
    uint64_t app_len;
    uint8_t *buf;
    size_t buf_size;
    uint8_t sha256[32], sha384[48];
    bool have256, have384;
} app_digests;

static int app_digest(app_digests *d, size_t len, const uint8_t **out)
{
    bool *have = len == 48 ? &d->have384 : &d->have256;
    uint8_t *digest = len == 48 ? d->sha384 : d->sha256;
    if (!*have) {
        int rc = eei_device_crypto.hash_read(len, d->read, d->ctx, d->app_len, d->buf, d->buf_size,
                                             digest);
        if (rc != EEI_CC_OK) {
            return rc;
        }
        *have = true;
    }
    *out = digest;
    return EEI_CC_OK;
}

/* The slot of the key: one not revoked first, should the same digest be listed twice. */
static int trusted_slot(const eei_sig_trust *trust, const uint8_t key_digest[32])
{
    int revoked = -1;
    for (size_t i = 0; i < trust->count; i++) {
        if (memcmp(trust->keys[i].digest, key_digest, EEI_SIG_KEY_DIGEST_SIZE) != 0) {
            continue;
        }
        if (!trust->keys[i].revoked) {
            return (int)i;
        }
        revoked = revoked < 0 ? (int)i : revoked;
    }
    return revoked;
}

static eei_sig_err from_dev(int rc)
{
    return rc == EEI_CC_E_READ ? EEI_SIG_ERR_READ : EEI_SIG_ERR_CRYPTO;
}

/*
 * One block, read into d->buf: how far it gets. The app's hash reuses the buffer, so the block
 * is read again before its signature is checked.
 */
static eei_sig_err check_block(const eei_sig_trust *trust, app_digests *d, uint64_t at, int *slot)
{
    const eei_core_crypto *c = &eei_device_crypto;
    eei_sb_block b;
    eei_sb_err why;
    uint8_t key_digest[EEI_CORE_KEY_DIGEST_SIZE];
    if (d->read(d->ctx, at, d->buf, EEI_SB_BLOCK_SIZE) != 0) {
        return EEI_SIG_ERR_READ;
    }
    switch (eei_core_sb_block_open(c, d->buf, &b, &why, key_digest)) {
    case EEI_CORE_BLOCK_OK:
        break;
    case EEI_CORE_BLOCK_EMPTY:
        return EEI_SIG_ERR_UNSIGNED;
    case EEI_CORE_BLOCK_CRYPTO:
        return EEI_SIG_ERR_CRYPTO;
    default:
        return EEI_SIG_ERR_DAMAGED;
    }
    *slot = trusted_slot(trust, key_digest);
    if (*slot < 0) {
        return EEI_SIG_ERR_UNTRUSTED;
    }
    if (trust->keys[*slot].revoked) {
        return EEI_SIG_ERR_REVOKED;
    }
    const uint8_t *digest = NULL;
    int rc = app_digest(d, b.digest_len, &digest);
    if (rc == EEI_CC_OK && d->read(d->ctx, at, d->buf, EEI_SB_BLOCK_SIZE) != 0) {
        rc = EEI_CC_E_READ;
    }
    if (rc != EEI_CC_OK) {
        return from_dev(rc);
    }
    /* read a second time, it must still be a block of the same trusted key */
    uint8_t again[EEI_CORE_KEY_DIGEST_SIZE];
    eei_core_block v = eei_core_sb_block_open(c, d->buf, &b, &why, again);
    if (v != EEI_CORE_BLOCK_OK) {
        return v == EEI_CORE_BLOCK_CRYPTO ? EEI_SIG_ERR_CRYPTO : EEI_SIG_ERR_DAMAGED;
    }
    if (memcmp(again, key_digest, sizeof(again)) != 0) {
        return EEI_SIG_ERR_UNTRUSTED;
    }
    switch (eei_core_sb_block_verify(c, &b, digest)) {
    case EEI_CORE_BLOCK_OK:
        return EEI_SIG_OK;
    case EEI_CORE_BLOCK_DIGEST:
        return EEI_SIG_ERR_DIGEST;
    case EEI_CORE_BLOCK_SCHEME:
        return EEI_SIG_ERR_SCHEME;
    case EEI_CORE_BLOCK_SIGNATURE:
        return EEI_SIG_ERR_SIGNATURE;
    default:
        return EEI_SIG_ERR_CRYPTO;
    }
}

/*
 * Where a chip reads the signature sector, and whether the app ends with it (the shared check):
 * the app walked from flash through the buffer, as far as its layout goes.
 */
static eei_sig_err sector(const app_digests *d, uint64_t size, uint64_t *at)
{
    eei_app_walk w;
    eei_app_head head;
    eei_app_walk_init(&w);
    for (uint64_t pos = 0; pos < size && eei_sb_sector_place(&w, pos, at) == EEI_SB_AT_NONE;) {
        size_t n = size - pos < d->buf_size ? (size_t)(size - pos) : d->buf_size;
        if (d->read(d->ctx, pos, d->buf, n) != 0) {
            return EEI_SIG_ERR_READ;
        }
        eei_app_walk_update(&w, d->buf, n);
        pos += n;
    }
    eei_app_walk_finish(&w, &head);
    switch (eei_core_sb_sector(&w, size, d->read, d->ctx, d->buf, at)) {
    case EEI_CORE_SECTOR_OK:
        return EEI_SIG_OK;
    case EEI_CORE_SECTOR_READ:
        return EEI_SIG_ERR_READ;
    case EEI_CORE_SECTOR_TWICE:
        return EEI_SIG_ERR_TWICE;
    case EEI_CORE_SECTOR_MISPLACED:
        return EEI_SIG_ERR_MISPLACED;
    default: /* no room for a sector, no block where a chip reads it, bytes after it */
        return EEI_SIG_ERR_UNSIGNED;
    }
}

eei_sig_err eei_sig_check(const eei_sig_trust *trust, uint64_t size, eei_sig_read_fn read,
                          void *ctx, uint8_t *buf, size_t buf_size, int *slot)
{
    if (slot) {
        *slot = -1;
    }
    if (!trust || trust->count == 0 || trust->count > EEI_SIG_KEYS_MAX || !read || !buf ||
        buf_size < EEI_SIG_BUF_MIN) {
        return EEI_SIG_ERR_ARG;
    }
    if (eei_dev_init() != EEI_CC_OK) {
        return EEI_SIG_ERR_CRYPTO;
    }
    app_digests d = {.read = read, .ctx = ctx, .buf = buf, .buf_size = buf_size};
    uint64_t at = 0;
    eei_sig_err e = sector(&d, size, &at);
    if (e != EEI_SIG_OK) {
        return e;
    }
    d.app_len = at; /* the digest covers everything before the sector */
    eei_sig_err furthest = EEI_SIG_ERR_UNSIGNED;
    for (unsigned i = 0; i < EEI_SB_BLOCKS_MAX; i++) {
        int s = -1;
        e = check_block(trust, &d, d.app_len + (uint64_t)i * EEI_SB_BLOCK_SIZE, &s);
        if (e == EEI_SIG_OK) {
            if (slot) {
                *slot = s;
            }
            return EEI_SIG_OK;
        }
        if (e == EEI_SIG_ERR_READ || e == EEI_SIG_ERR_CRYPTO) {
            return e;
        }
        if (e == EEI_SIG_ERR_UNSIGNED) {
            break; /* the blocks end at the first empty place */
        }
        furthest = e > furthest ? e : furthest;
    }
    return furthest;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

bool eei_sig_digest_from_hex(const char *hex, uint8_t digest[EEI_SIG_KEY_DIGEST_SIZE])
{
    if (!hex || strlen(hex) != 2 * EEI_SIG_KEY_DIGEST_SIZE) {
        return false;
    }
    for (size_t i = 0; i < EEI_SIG_KEY_DIGEST_SIZE; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        digest[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

const char *eei_sig_strerror(eei_sig_err err)
{
    switch (err) {
    case EEI_SIG_OK:
        return "signature verified";
    case EEI_SIG_ERR_ARG:
        return "no trusted signing key is configured";
    case EEI_SIG_ERR_READ:
        return "the written app cannot be read back";
    case EEI_SIG_ERR_CRYPTO:
        return "the crypto library failed to check the signature";
    case EEI_SIG_ERR_TWICE:
        return "the app is signed twice (two signature sectors; a chip reads the first)";
    case EEI_SIG_ERR_MISPLACED:
        return "the signature sector is not where a chip reads it, right after the app's layout "
               "rounded up to 4096 bytes (the app was signed with bytes after it)";
    case EEI_SIG_ERR_UNSIGNED:
        return "the app is not signed (no Secure Boot V2 signature block)";
    case EEI_SIG_ERR_DAMAGED:
        return "the signature block is damaged (CRC, version or curve)";
    case EEI_SIG_ERR_UNTRUSTED:
        return "the app is signed by a key this device does not trust";
    case EEI_SIG_ERR_REVOKED:
        return "the app is signed by a revoked key";
    case EEI_SIG_ERR_SCHEME:
        return "the trusted key's scheme (ECDSA P-192) is not checked by this firmware";
    case EEI_SIG_ERR_DIGEST:
        return "the signature block signs another app";
    case EEI_SIG_ERR_SIGNATURE:
        return "the signature does not verify";
    }
    return "unknown signature error";
}
