/*
 * Fuzz target: the firmware's own signature check (eei_signature.h) of a signed app read back
 * from flash. The input is the signed app. The key of its first block is trusted, so that
 * arbitrary keys and signatures reach the crypto backend; the key of its second block is
 * trusted but revoked.
 */
#include <string.h>

#include "eei_core/sb_check.h"
#include "eei_dev_crypto.h"
#include "eei_signature.h"

typedef struct {
    const uint8_t *data;
    size_t size;
} flash;

static int read_flash(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    const flash *f = ctx;
    if (offset > f->size || len > f->size - offset) {
        return -1;
    }
    memcpy(buf, f->data + offset, len);
    return 0;
}

/* The digest of the key of the block at offset, when one parses there. */
static void trust_block(const uint8_t *data, size_t size, size_t offset, eei_sig_key *key)
{
    eei_sb_block b;
    eei_sb_err why;
    if (offset + EEI_SB_BLOCK_SIZE <= size) {
        eei_core_sb_block_open(&eei_device_crypto, data + offset, &b, &why, key->digest);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[4096 + 15];
    flash f = {data, size};
    eei_sig_trust trust = {.count = 2};
    eei_dev_init();
    if (size >= EEI_SB_SECTOR_SIZE) {
        size_t sector = size - EEI_SB_SECTOR_SIZE;
        trust_block(data, size, sector, &trust.keys[0]);
        trust_block(data, size, sector + EEI_SB_BLOCK_SIZE, &trust.keys[1]);
        trust.keys[1].revoked = true;
    }
    int slot = 0;
    eei_sig_err e = eei_sig_check(&trust, size, read_flash, &f, buf, sizeof(buf), &slot);
    if ((e == EEI_SIG_OK) != (slot == 0)) {
        __builtin_trap(); /* only the first block's key can pass, and then it says so */
    }
    if (e == EEI_SIG_ERR_CRYPTO || e == EEI_SIG_ERR_READ || e == EEI_SIG_ERR_ARG) {
        __builtin_trap(); /* no input makes the crypto library fail, or reads past the slot */
    }
    return 0;
}
