/*
 * Streaming decryptor of esp_encrypted_img images on the device.
 *
 *   eei_dec_start(&dec, &config);               load the key, check the eFuse key purpose
 *   eei_dec_feed(&dec, in, n, out, cap, &m);    any number of chunks of any size >= 1
 *   eei_dec_finish(&dec);                       after the last byte: the tag, EEI_DEC_OK or not
 *   eei_dec_abort(&dec);                        on any failure path (safe after finish too)
 *
 * The context lives wherever the caller puts it (static memory is fine). Output may be the
 * input buffer (decrypt in place) or a buffer that does not overlap it; it needs room for the
 * input length + EEI_DEC_OUT_SLACK bytes. Chunks may end anywhere: the decryptor hands the
 * cipher whole 16-byte blocks (the ESP32 hardware GCM needs them) and keeps up to 15 bytes
 * back until the next chunk, so a chunk may write up to 15 bytes more than it brought. The
 * chunk that completes the declared payload writes everything that is left. Plaintext is not
 * authentic until finish returns OK.
 *
 * The decoding itself is the one the host library runs too (eei_core/decoder.h): this API holds
 * the device's key around it. Heap: the crypto library allocates when the key is loaded (start)
 * and when the AES key is established (the 512th header byte); payload chunks and finish
 * allocate nothing. The device key is wiped once the header is opened, every other secret on
 * finish and abort. No type of the crypto library appears here.
 */
#ifndef EEI_DECRYPTOR_H
#define EEI_DECRYPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_core/decoder.h"
#include "esp_enc_img/format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EEI_DEC_OUT_SLACK (EEI_GCM_BLOCK_SIZE - 1u)
/* SubjectPublicKeyInfo DER of a P-256 public key. */
#define EEI_DEC_PUBKEY_DER_SIZE 91u

typedef enum {
    EEI_DEC_KEY_RSA_PEM,    /* RSA-3072 private key PEM embedded in the firmware */
    EEI_DEC_KEY_HMAC_EFUSE, /* ECIES: device key derived by the HMAC peripheral from eFuse */
    EEI_DEC_KEY_P256_PEM,   /* ECIES: a P-256 private key PEM (chips without an HMAC unit) */
    /*
     * RSA-3072 kept by the Digital Signature peripheral (chips with SOC_DIG_SIGN_SUPPORTED):
     * its encrypted operands in the esp_secure_cert partition, which also names the eFuse key
     * block (docs/FORMAT.md); no private key in the firmware.
     */
    EEI_DEC_KEY_RSA_DS,
} eei_dec_key_kind;

typedef struct {
    eei_dec_key_kind kind;
    const char *pem; /* RSA_PEM and P256_PEM: NUL-terminated */
    size_t pem_len;  /* including the NUL */
    int hmac_key_id; /* HMAC_EFUSE: hmac_key_id_t, 0..5 = eFuse BLOCK_KEY0..5 */
} eei_dec_config;

typedef enum {
    EEI_DEC_OK = 0,
    EEI_DEC_ERR_ARG,      /* bad arguments or call order */
    EEI_DEC_ERR_KEY,      /* the configured key is unusable */
    EEI_DEC_ERR_EFUSE,    /* the eFuse key block has another purpose than the key needs */
    EEI_DEC_ERR_MAGIC,    /* not an encrypted image */
    EEI_DEC_ERR_SCHEME,   /* the key does not open it, and the header looks like the other scheme */
    EEI_DEC_ERR_UNWRAP,   /* the key block does not open with this device's key */
    EEI_DEC_ERR_POINT,    /* the server point is not on P-256 */
    EEI_DEC_ERR_TRAILING, /* more bytes than the header declares */
    EEI_DEC_ERR_TRUNCATED,    /* fewer bytes than the header declares */
    EEI_DEC_ERR_AUTH,         /* the tag does not match: altered image or wrong key */
    EEI_DEC_ERR_CRYPTO,       /* the crypto library or the HMAC peripheral failed */
    EEI_DEC_ERR_DS_PARTITION, /* RSA_DS: no esp_secure_cert partition, or it cannot be read */
    EEI_DEC_ERR_DS_DATA,      /* RSA_DS: its DS context or data is missing or corrupt */
    EEI_DEC_ERR_DS_KEY,       /* RSA_DS: the DS refuses: another eFuse HMAC key, or altered data */
} eei_dec_err;

struct eei_dev_rsa;
struct eei_ds_key;

/* Read the fields through the functions below; the rest is the decryptor's own. */
typedef struct {
    eei_dec_config cfg;
    eei_core_dec core;
    uint8_t scalar[EEI_P256_SCALAR_SIZE]; /* ECIES device key until the header is in */
    struct eei_dev_rsa *rsa;              /* RSA device key until the header is in */
    struct eei_ds_key *ds;                /* RSA_DS: the DS data until the header is in */
    eei_core_crypto crypto; /* the device's crypto; with RSA_DS, its RSA private op the DS's */
    bool key_held;
} eei_dec;

eei_dec_err eei_dec_start(eei_dec *dec, const eei_dec_config *cfg);
eei_dec_err eei_dec_feed(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                         size_t *out_len);
eei_dec_err eei_dec_finish(eei_dec *dec);
void eei_dec_abort(eei_dec *dec);

/* The parsed header, once 512 bytes have been fed; NULL before. */
const eei_header *eei_dec_header(const eei_dec *dec);
/* Encrypted bytes taken so far (header included): where a resumed download continues. */
uint64_t eei_dec_consumed(const eei_dec *dec);

/* The device's ECIES public key as DER SubjectPublicKeyInfo (91 bytes): what CI encrypts to. */
eei_dec_err eei_dec_export_pubkey_der(const eei_dec_config *cfg,
                                      uint8_t der[EEI_DEC_PUBKEY_DER_SIZE]);

const char *eei_dec_strerror(eei_dec_err err);

#ifdef __cplusplus
}
#endif

#endif
