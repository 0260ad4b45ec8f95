/* Secure Boot V2 signature sectors and blocks (eei_core/sb_check.h). */
#include "eei_core/sb_check.h"

#include <string.h>

/* The whole block at offset parses (a sector of blocks starts there). */
static eei_core_sector block_at(eei_core_read_fn read, void *ctx, uint64_t offset,
                                uint8_t block[EEI_SB_BLOCK_SIZE], bool *whole)
{
    eei_sb_block b;
    if (read(ctx, offset, block, EEI_SB_BLOCK_SIZE) != 0) {
        return EEI_CORE_SECTOR_READ;
    }
    *whole = eei_sb_block_parse(block, &b) == EEI_SB_OK;
    return EEI_CORE_SECTOR_OK;
}

/*
 * An app's sector, after its layout: blocks must start there and end the data. A sector of
 * blocks elsewhere at the end is misplaced; one after it, signed twice.
 */
static eei_core_sector after_app(uint64_t size, eei_core_read_fn read, void *ctx,
                                 uint8_t block[EEI_SB_BLOCK_SIZE], uint64_t *at)
{
    uint64_t device = *at;
    bool there = false, last = false;
    if (size >= device + EEI_SB_SECTOR_SIZE) {
        if (read(ctx, device, block, 1) != 0) {
            return EEI_CORE_SECTOR_READ;
        }
        there = block[0] == EEI_SB_MAGIC; /* a block, whole or damaged */
    }
    if (size >= EEI_SB_SECTOR_SIZE && size - EEI_SB_SECTOR_SIZE != device &&
        block_at(read, ctx, size - EEI_SB_SECTOR_SIZE, block, &last) != EEI_CORE_SECTOR_OK) {
        return EEI_CORE_SECTOR_READ;
    }
    if (!there && last) {
        *at = size - EEI_SB_SECTOR_SIZE;
        return EEI_CORE_SECTOR_MISPLACED;
    }
    if (!there) {
        return EEI_CORE_SECTOR_NONE;
    }
    if (size > device + EEI_SB_SECTOR_SIZE) { /* bytes after the sector: it no longer ends */
        return last ? EEI_CORE_SECTOR_TWICE : EEI_CORE_SECTOR_TRAILING;
    }
    return EEI_CORE_SECTOR_OK;
}

/*
 * Data with no app layout: its sector is its last 4096 bytes. A sector of blocks before it:
 * signed twice when the last holds blocks too, else bytes follow that sector.
 */
static eei_core_sector at_end(uint64_t size, eei_core_read_fn read, void *ctx,
                              uint8_t block[EEI_SB_BLOCK_SIZE], uint64_t *at)
{
    if (size < 2 * EEI_SB_SECTOR_SIZE || size % EEI_SB_SECTOR_SIZE != 0) {
        return EEI_CORE_SECTOR_NO_ROOM;
    }
    bool before = false;
    if (block_at(read, ctx, size - 2 * EEI_SB_SECTOR_SIZE, block, &before) != EEI_CORE_SECTOR_OK) {
        return EEI_CORE_SECTOR_READ;
    }
    if (!before) {
        return EEI_CORE_SECTOR_OK;
    }
    eei_sb_block b;
    if (read(ctx, size - EEI_SB_SECTOR_SIZE, block, EEI_SB_BLOCK_SIZE) != 0) {
        return EEI_CORE_SECTOR_READ;
    }
    if (eei_sb_block_parse(block, &b) == EEI_SB_EMPTY) {
        *at = size - 2 * EEI_SB_SECTOR_SIZE;
        return EEI_CORE_SECTOR_TRAILING;
    }
    return EEI_CORE_SECTOR_TWICE;
}

eei_core_sector eei_core_sb_sector(const eei_app_walk *w, uint64_t size, eei_core_read_fn read,
                                   void *ctx, uint8_t block[EEI_SB_BLOCK_SIZE], uint64_t *at)
{
    if (eei_sb_sector_place(w, size, at) == EEI_SB_AFTER_APP) {
        return after_app(size, read, ctx, block, at);
    }
    return at_end(size, read, ctx, block, at);
}

typedef struct {
    const uint8_t *data;
} memory;

static int memory_read(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    const memory *m = ctx;
    memcpy(buf, m->data + offset, len);
    return 0;
}

eei_core_block eei_core_sb_block_open(const eei_core_crypto *c,
                                      const uint8_t bytes[EEI_SB_BLOCK_SIZE], eei_sb_block *b,
                                      eei_sb_err *why, uint8_t key_digest[EEI_CORE_KEY_DIGEST_SIZE])
{
    *why = eei_sb_block_parse(bytes, b);
    if (*why == EEI_SB_EMPTY) {
        return EEI_CORE_BLOCK_EMPTY;
    }
    if (*why != EEI_SB_OK) {
        return EEI_CORE_BLOCK_DAMAGED;
    }
    uint8_t piece[64];
    memory m = {b->key};
    if (c->hash_read(EEI_CORE_KEY_DIGEST_SIZE, memory_read, &m, b->key_len, piece, sizeof(piece),
                     key_digest) != EEI_CC_OK) {
        return EEI_CORE_BLOCK_CRYPTO;
    }
    return EEI_CORE_BLOCK_OK;
}

/*
 * Before an RSA block reaches the library, so that every backend takes the same blocks: E_KEY
 * unless n is a whole 3072-bit number (its top bit set) and e an odd number of at least 3 (with
 * e = 1 a "signature" is its own padding, made without any key: OpenSSL would take it, Mbed TLS
 * refuses it), E_SIGNATURE unless the signature is below n (the libraries call either a bad
 * argument, or a failed verification).
 */
static int rsa_usable(const eei_sb_block *b)
{
    const uint8_t *n = b->key, *sig = b->sig; /* little-endian: the last byte leads */
    const uint8_t *e = b->key + EEI_SB_RSA_BYTES;
    uint32_t exponent =
        (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
    if (!(n[EEI_SB_RSA_BYTES - 1] & 0x80) || exponent < 3 || exponent % 2 == 0) {
        return EEI_CC_E_KEY;
    }
    for (size_t i = EEI_SB_RSA_BYTES; i-- > 0;) {
        if (sig[i] != n[i]) {
            return sig[i] < n[i] ? EEI_CC_OK : EEI_CC_E_SIGNATURE;
        }
    }
    return EEI_CC_E_SIGNATURE; /* equal to n */
}

eei_core_block eei_core_sb_block_verify(const eei_core_crypto *c, const eei_sb_block *b,
                                        const uint8_t *app_digest)
{
    if (memcmp(b->digest, app_digest, b->digest_len) != 0) {
        return EEI_CORE_BLOCK_DIGEST;
    }
    if (b->version == EEI_SB_VERSION_ECDSA && b->curve == EEI_SB_CURVE_P192) {
        return EEI_CORE_BLOCK_SCHEME;
    }
    int rc = b->version == EEI_SB_VERSION_RSA ? rsa_usable(b) : EEI_CC_OK;
    if (rc == EEI_CC_OK) {
        rc = c->sb_verify(b, app_digest);
    }
    switch (rc) {
    case EEI_CC_OK:
        return EEI_CORE_BLOCK_OK;
    case EEI_CC_E_SIGNATURE:
    case EEI_CC_E_KEY: /* a key no library takes signs nothing */
        return EEI_CORE_BLOCK_SIGNATURE;
    default:
        return EEI_CORE_BLOCK_CRYPTO;
    }
}
