/* The firmware's Secure Boot V2 check (eei_signature.h), over the device crypto interface. */
#include "eei_signature.h"

#include <string.h>

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
    eei_sb_block b;
    if (d->read(d->ctx, at, d->buf, EEI_SB_BLOCK_SIZE) != 0) {
        return EEI_SIG_ERR_READ;
    }
    eei_sb_err pe = eei_sb_block_parse(d->buf, &b);
    if (pe == EEI_SB_EMPTY) {
        return EEI_SIG_ERR_UNSIGNED;
    }
    if (pe != EEI_SB_OK) {
        return EEI_SIG_ERR_DAMAGED;
    }
    uint8_t key_digest[32];
    int rc = eei_dev_sha256(b.key, b.key_len, key_digest);
    if (rc != EEI_CC_OK) {
        return from_dev(rc);
    }
    *slot = trusted_slot(trust, key_digest);
    if (*slot < 0) {
        return EEI_SIG_ERR_UNTRUSTED;
    }
    if (trust->keys[*slot].revoked) {
        return EEI_SIG_ERR_REVOKED;
    }
    if (b.version == EEI_SB_VERSION_ECDSA && b.curve == EEI_SB_CURVE_P192) {
        return EEI_SIG_ERR_SCHEME;
    }
    const uint8_t *digest = NULL;
    rc = app_digest(d, b.digest_len, &digest);
    if (rc == EEI_CC_OK && d->read(d->ctx, at, d->buf, EEI_SB_BLOCK_SIZE) != 0) {
        rc = EEI_CC_E_READ;
    }
    if (rc != EEI_CC_OK) {
        return from_dev(rc);
    }
    /* read a second time, it must still be a block of the same trusted key */
    uint8_t again[32];
    if (eei_sb_block_parse(d->buf, &b) != EEI_SB_OK) {
        return EEI_SIG_ERR_DAMAGED;
    }
    rc = eei_dev_sha256(b.key, b.key_len, again);
    if (rc != EEI_CC_OK) {
        return from_dev(rc);
    }
    if (memcmp(again, key_digest, sizeof(again)) != 0) {
        return EEI_SIG_ERR_UNTRUSTED;
    }
    if (memcmp(b.digest, digest, b.digest_len) != 0) {
        return EEI_SIG_ERR_DIGEST;
    }
    rc = eei_device_crypto.sb_verify(&b, digest);
    if (rc == EEI_CC_E_SIGNATURE || rc == EEI_CC_E_KEY) {
        return EEI_SIG_ERR_SIGNATURE; /* a key no library takes signs nothing */
    }
    return rc == EEI_CC_OK ? EEI_SIG_OK : EEI_SIG_ERR_CRYPTO;
}

/* The first block of the 4096 bytes at offset parses whole (a sector of blocks starts there). */
static eei_sig_err block_at(const app_digests *d, uint64_t offset, bool *whole)
{
    eei_sb_block b;
    if (d->read(d->ctx, offset, d->buf, EEI_SB_BLOCK_SIZE) != 0) {
        return EEI_SIG_ERR_READ;
    }
    *whole = eei_sb_block_parse(d->buf, &b) == EEI_SB_OK;
    return EEI_SIG_OK;
}

/*
 * Where a chip reads the signature sector (format.h's eei_sb_sector_place): the app walked
 * from flash through the buffer, as far as its layout goes.
 */
static eei_sig_err sector_place(const app_digests *d, uint64_t size, eei_sb_place *place,
                                uint64_t *at)
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
    *place = eei_sb_sector_place(&w, size, at);
    return EEI_SIG_OK;
}

/*
 * An app's sector, after its layout: blocks must start there and end the app. A sector of
 * blocks elsewhere at the end is misplaced; one after it, signed twice.
 */
static eei_sig_err sector_after_app(const app_digests *d, uint64_t size, uint64_t at)
{
    bool there = false, last = false;
    eei_sig_err e = EEI_SIG_OK;
    if (size >= at + EEI_SB_SECTOR_SIZE) {
        if (d->read(d->ctx, at, d->buf, 1) != 0) {
            return EEI_SIG_ERR_READ;
        }
        there = d->buf[0] == EEI_SB_MAGIC; /* a block, whole or damaged */
    }
    if (size >= EEI_SB_SECTOR_SIZE && size - EEI_SB_SECTOR_SIZE != at) {
        e = block_at(d, size - EEI_SB_SECTOR_SIZE, &last);
    }
    if (e != EEI_SIG_OK) {
        return e;
    }
    if (!there) {
        return last ? EEI_SIG_ERR_MISPLACED : EEI_SIG_ERR_UNSIGNED;
    }
    if (size > at + EEI_SB_SECTOR_SIZE) { /* bytes after the sector: it no longer ends the app */
        return last ? EEI_SIG_ERR_TWICE : EEI_SIG_ERR_UNSIGNED;
    }
    return EEI_SIG_OK;
}

/* Data with no app layout: its sector is its last 4096 bytes, and the one before holds none. */
static eei_sig_err sector_at_end(const app_digests *d, uint64_t size)
{
    if (size < 2 * EEI_SB_SECTOR_SIZE || size % EEI_SB_SECTOR_SIZE != 0) {
        return EEI_SIG_ERR_UNSIGNED;
    }
    /*
     * A sector of blocks before the last: signed twice when the last holds blocks too (a device
     * reads the first sector), else bytes follow the signature sector: no longer signed.
     */
    bool before = false;
    eei_sig_err e = EEI_SIG_OK;
    if (size >= 3 * EEI_SB_SECTOR_SIZE) {
        e = block_at(d, size - 2 * EEI_SB_SECTOR_SIZE, &before);
    }
    if (e != EEI_SIG_OK || !before) {
        return e;
    }
    eei_sb_block b;
    if (d->read(d->ctx, size - EEI_SB_SECTOR_SIZE, d->buf, EEI_SB_BLOCK_SIZE) != 0) {
        return EEI_SIG_ERR_READ;
    }
    return eei_sb_block_parse(d->buf, &b) == EEI_SB_EMPTY ? EEI_SIG_ERR_UNSIGNED
                                                          : EEI_SIG_ERR_TWICE;
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
    eei_sb_place place = EEI_SB_AT_NONE;
    uint64_t at = 0;
    eei_sig_err e = sector_place(&d, size, &place, &at);
    if (e == EEI_SIG_OK) {
        e = place == EEI_SB_AFTER_APP ? sector_after_app(&d, size, at) : sector_at_end(&d, size);
    }
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
