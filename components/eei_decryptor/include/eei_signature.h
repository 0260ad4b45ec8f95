/*
 * The firmware's own Secure Boot V2 check of an update, before its slot may boot: the signed
 * app as written to flash, read back through a reader, against the digests of the keys the
 * firmware trusts (SHA-256 of each key as a signature block lays it out: what `esp_enc_img
 * digest` writes and what Secure Boot burns into eFuse). It passes when one block of the
 * signature sector carries a trusted key that is not revoked, signs this app and verifies, as
 * ESP-IDF's own check does on a chip with Secure Boot enabled, at the place it reads them. The
 * blocks end at the first empty place (as the host tool reads them), and an app signed twice is
 * refused.
 *
 * Heap: none of its own; each verification imports one key into the crypto library. The app is
 * hashed through the caller's buffer, which needs room for a signature block.
 */
#ifndef EEI_SIGNATURE_H
#define EEI_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EEI_SIG_KEY_DIGEST_SIZE 32u
#define EEI_SIG_KEYS_MAX EEI_SB_BLOCKS_MAX
#define EEI_SIG_BUF_MIN EEI_SB_BLOCK_SIZE

typedef struct {
    uint8_t digest[EEI_SIG_KEY_DIGEST_SIZE];
    bool revoked; /* the key's eFuse revocation bit: its blocks no longer count */
} eei_sig_key;

/* Slot i stands for eFuse SECURE_BOOT_DIGESTi. count 0: no key, nothing can pass. */
typedef struct {
    eei_sig_key keys[EEI_SIG_KEYS_MAX];
    size_t count;
} eei_sig_trust;

/* len bytes at offset into buf: 0, or < 0 when they cannot be read. */
typedef int (*eei_sig_read_fn)(void *ctx, uint64_t offset, uint8_t *buf, size_t len);

/* The furthest any block got, when none passed: later entries mean a block got further. */
typedef enum {
    EEI_SIG_OK = 0,
    EEI_SIG_ERR_ARG,       /* no trusted key, or a buffer smaller than EEI_SIG_BUF_MIN */
    EEI_SIG_ERR_READ,      /* the reader failed */
    EEI_SIG_ERR_CRYPTO,    /* the crypto library failed */
    EEI_SIG_ERR_UNSIGNED,  /* no signature sector: not padded to 4096 bytes, or no block */
    EEI_SIG_ERR_TWICE,     /* a sector of blocks before the last one: signed twice */
    EEI_SIG_ERR_MISPLACED, /* blocks at the end, not after the app's layout where a chip looks */
    EEI_SIG_ERR_DAMAGED,   /* a block whose CRC, version or curve is wrong */
    EEI_SIG_ERR_UNTRUSTED, /* blocks, but none with a trusted key */
    EEI_SIG_ERR_REVOKED,   /* a trusted key signed it, but its eFuse revocation bit is set */
    EEI_SIG_ERR_SCHEME,    /* a trusted key of a scheme this firmware does not check (P-192) */
    EEI_SIG_ERR_DIGEST,    /* a trusted key's block signs another app */
    EEI_SIG_ERR_SIGNATURE, /* a trusted key's block does not verify */
} eei_sig_err;

/*
 * Check the signed app of size bytes (the padded app, then its 4096-byte signature sector). The
 * sector is read where a chip's bootloader reads it (format.h's eei_sb_sector_place): right
 * after the app's layout rounded up to 4096, the app walked from flash first; data with no app
 * layout has it at its end. *slot (may be NULL): the trusted key that verified it, -1 otherwise.
 */
eei_sig_err eei_sig_check(const eei_sig_trust *trust, uint64_t size, eei_sig_read_fn read,
                          void *ctx, uint8_t *buf, size_t buf_size, int *slot);

/* A key digest from 64 hex digits (what Kconfig holds); false when it is not one. */
bool eei_sig_digest_from_hex(const char *hex, uint8_t digest[EEI_SIG_KEY_DIGEST_SIZE]);

const char *eei_sig_strerror(eei_sig_err err);

#ifdef __cplusplus
}
#endif

#endif
