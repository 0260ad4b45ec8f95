/*
 * The one check of Secure Boot V2 signatures, for the host library and the device alike (the
 * layout is format.h's): where a device reads the signature sector of a signed app and whether
 * the data ends with it (eei_core_sb_sector), and what each block of it says
 * (eei_core_sb_block_open, then eei_core_sb_block_verify). Which keys count is the caller's:
 * the device trusts eFuse key digests, the host the keys it is given.
 *
 * Data is read through the caller's reader (flash on the device, the bytes a stream kept on
 * the host) into the caller's buffer. Nothing is allocated here.
 */
#ifndef EEI_CORE_SB_CHECK_H
#define EEI_CORE_SB_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "eei_core/crypto.h"
#include "esp_enc_img/format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EEI_CORE_KEY_DIGEST_SIZE 32u /* SHA-256 of a block's key field: what eFuse holds */

/* Where the sector is, and whether the data is signed as a device reads it; at says where. */
typedef enum {
    EEI_CORE_SECTOR_OK = 0,    /* at: the sector a device reads, which ends the data */
    EEI_CORE_SECTOR_READ,      /* the reader failed */
    EEI_CORE_SECTOR_NO_ROOM,   /* no app layout, and the data is no run of 4096-byte sectors,
                                  two at least: no room for a signature sector after data */
    EEI_CORE_SECTOR_NONE,      /* no block at, where a device reads the sector */
    EEI_CORE_SECTOR_TRAILING,  /* bytes follow the sector of blocks at */
    EEI_CORE_SECTOR_TWICE,     /* a sector of blocks follows the one at: signed twice */
    EEI_CORE_SECTOR_MISPLACED, /* an app whose blocks are at its end (at), not where a device
                                  reads them: they cover nothing a device reads */
} eei_core_sector;

/*
 * The sector of size bytes of data, walked to their end by w (eei_app_walk_finish called):
 * right after an app's layout rounded up to 4096, the last 4096 bytes of data with no layout
 * (eei_sb_sector_place). Reads a byte or a block at a time into block.
 */
eei_core_sector eei_core_sb_sector(const eei_app_walk *w, uint64_t size, eei_core_read_fn read,
                                   void *ctx, uint8_t block[EEI_SB_BLOCK_SIZE], uint64_t *at);

/* What a block says: each verdict for one reason. */
typedef enum {
    EEI_CORE_BLOCK_OK = 0,    /* its own key signed the app's digest */
    EEI_CORE_BLOCK_EMPTY,     /* no block here: the blocks of a sector end at the first */
    EEI_CORE_BLOCK_DAMAGED,   /* magic, version, hash, curve or CRC (eei_sb_err says which) */
    EEI_CORE_BLOCK_DIGEST,    /* it signs another app */
    EEI_CORE_BLOCK_SCHEME,    /* ECDSA P-192 (ESP32-C2): not checked here */
    EEI_CORE_BLOCK_SIGNATURE, /* the signature does not verify (or its key is none) */
    EEI_CORE_BLOCK_CRYPTO,    /* the crypto library failed */
} eei_core_block;

/*
 * Parse the block at bytes into b (fields point into bytes), with its key's digest: OK, EMPTY,
 * DAMAGED (*why: eei_sb_block_parse's answer) or CRYPTO.
 */
eei_core_block eei_core_sb_block_open(const eei_core_crypto *c,
                                      const uint8_t bytes[EEI_SB_BLOCK_SIZE], eei_sb_block *b,
                                      eei_sb_err *why,
                                      uint8_t key_digest[EEI_CORE_KEY_DIGEST_SIZE]);
/*
 * An open block against the digest of the app it follows (b->digest_len bytes: SHA-256, or
 * SHA-384 for P-384): OK, DIGEST, SCHEME, SIGNATURE or CRYPTO, in that order of checks.
 */
eei_core_block eei_core_sb_block_verify(const eei_core_crypto *c, const eei_sb_block *b,
                                        const uint8_t *app_digest);

#ifdef __cplusplus
}
#endif

#endif
