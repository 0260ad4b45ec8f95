/*
 * The RSA-3072 key kept by the Digital Signature peripheral (DS): its encrypted operands read
 * from the esp_secure_cert partition (esp_enc_img/secure_cert.h), and the RSA private operation
 * of the key unwrap done by the peripheral, with the eFuse HMAC key that never leaves the chip.
 */
#ifndef EEI_DS_KEY_H
#define EEI_DS_KEY_H

#include <stdint.h>

#include "eei_decryptor.h"

typedef struct eei_ds_key eei_ds_key;

/*
 * Read the partition, check the eFuse key block's purpose, and try the key once (the peripheral
 * checks the operands' digest with the HMAC key at every operation): a device that cannot
 * unwrap says so before any download. EEI_DEC_ERR_DS_* and EEI_DEC_ERR_EFUSE name what is wrong.
 */
eei_dec_err eei_ds_key_load(eei_ds_key **key);
void eei_ds_key_free(eei_ds_key *key); /* NULL is fine */

/* The core's rsa_unwrap (eei_core/crypto.h) with key an eei_ds_key. */
int eei_ds_unwrap(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                  uint8_t aes_key[EEI_AES_KEY_SIZE]);

#endif
