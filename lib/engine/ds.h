/* The Digital Signature peripheral, inside the engine: which keys it takes here, and why not. */
#ifndef EEI_ENGINE_DS_H
#define EEI_ENGINE_DS_H

#include "esp_enc_img/esp_enc_img.h"

/*
 * key is what DS data is made of for chip: an RSA-3072 private key read from a file or memory.
 * Otherwise EEI_ERR_KEY, the message saying what the key is and what the chip's DS takes.
 */
eei_status eei_ds_key_check(const eei_key *key, const char *chip, eei_error *err);

/*
 * A key of a kind nothing here takes was refused (err: "<its kind>: <why>"): the why becomes what
 * the DS of chip takes.
 */
void eei_ds_refuse_kind(const char *chip, eei_error *err);

#endif
