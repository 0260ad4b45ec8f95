/*
 * The esp_secure_cert partition (the TLV layout of Espressif's esp_secure_cert_mgr) and what it
 * holds for the Digital Signature peripheral (DS): an RSA private key's operands, encrypted so
 * that only the chip whose eFuse holds the HMAC key can use them.
 *
 * Shared, as the same source files, by the host library and the device firmware: C99, no heap,
 * no stdio, no crypto. All multi-byte integers are little-endian.
 */
#ifndef ESP_ENC_IMG_SECURE_CERT_H
#define ESP_ENC_IMG_SECURE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The partition: an entry of the partition table named "esp_secure_cert", of type 0x3F, 8 KiB,
 * at 0xD000 where esp_secure_cert_mgr's documentation puts it. The image written is the whole
 * partition: its TLVs from offset 0, then erased flash (0xFF), where a reader stops.
 */
#define EEI_SC_PARTITION_NAME "esp_secure_cert"
#define EEI_SC_PARTITION_TYPE 0x3fu
#define EEI_SC_PARTITION_SIZE 0x2000u
#define EEI_SC_DEFAULT_OFFSET 0xd000u
#define EEI_SC_FLASH_SECTOR 0x1000u /* a partition starts on a sector */
#define EEI_SC_ERASED 0xffu

/*
 * A TLV: a 12-byte header (magic, flags, 3 reserved zero bytes, type, subtype, the value's
 * length), the value, zero padding to a multiple of 16 bytes (flash encryption writes 16-byte
 * blocks), then the CRC-32 of everything before it (header, value, padding) as zlib computes it
 * from 0xFFFFFFFF (ESP-IDF's esp_crc32_le(UINT32_MAX, ...)).
 */
#define EEI_SC_TLV_MAGIC 0xba5eba11u
#define EEI_SC_TLV_HEADER_SIZE 12u
#define EEI_SC_TLV_OFF_MAGIC 0u
#define EEI_SC_TLV_OFF_FLAGS 4u
#define EEI_SC_TLV_OFF_RESERVED 5u
#define EEI_SC_TLV_RESERVED_SIZE 3u
#define EEI_SC_TLV_OFF_TYPE 8u
#define EEI_SC_TLV_OFF_SUBTYPE 9u
#define EEI_SC_TLV_OFF_LENGTH 10u
#define EEI_SC_TLV_FOOTER_SIZE 4u
#define EEI_SC_TLV_ALIGN 16u
#define EEI_SC_TLV_CRC_SEED 0xffffffffu
#define EEI_SC_TLV_VALUE_MAX 0xffffu
/* The TLV types written here (esp_secure_cert_tlv_type_t). */
#define EEI_SC_TLV_DS_DATA 3u    /* the DS data: esp_ds_data_t, below */
#define EEI_SC_TLV_DS_CONTEXT 4u /* which eFuse key block, which key size */
#define EEI_SC_TLV_INTEGRITY 9u  /* SHA-256 of every partition byte before this TLV */

/* The bytes a TLV with a value of len bytes takes: header, value, padding, CRC. */
#define EEI_SC_TLV_SIZE(len)                                                                       \
    (EEI_SC_TLV_HEADER_SIZE +                                                                      \
     ((len) + EEI_SC_TLV_ALIGN - 1u) / EEI_SC_TLV_ALIGN * EEI_SC_TLV_ALIGN +                       \
     EEI_SC_TLV_FOOTER_SIZE)

/* One TLV, as read: its fields, and its value in place. */
typedef struct {
    uint8_t flags;
    uint8_t type;
    uint8_t subtype;
    uint16_t length;
    const uint8_t *value;
    size_t size; /* the whole TLV: EEI_SC_TLV_SIZE(length) */
} eei_sc_tlv;

typedef enum {
    EEI_SC_OK = 0,
    EEI_SC_END,       /* no TLV magic here: the TLVs ended before (or the type is not there) */
    EEI_SC_TRUNCATED, /* the TLV runs past the end of the partition */
    EEI_SC_BAD_CRC,   /* the CRC does not match: the TLV was altered */
    EEI_SC_NO_ROOM,   /* writing: the TLV does not fit, or its value is over 65535 bytes */
} eei_sc_err;

#ifdef EEI_FORMAT_INTERNALS /* the library's and the device's own: see format.h */
/*
 * Write a TLV at out, which has cap bytes of room: header, value, zero padding, CRC. *size: the
 * bytes it took (EEI_SC_TLV_SIZE(len)).
 */
eei_sc_err eei_sc_tlv_write(uint8_t *out, size_t cap, uint8_t type, uint8_t subtype, uint8_t flags,
                            const uint8_t *value, size_t len, size_t *size);
/* Read the TLV at data (len bytes of the partition left from there), its CRC checked. */
eei_sc_err eei_sc_tlv_read(const uint8_t *data, size_t len, eei_sc_tlv *out);
/*
 * The TLV of type and subtype among the len bytes of a partition, walked from its start as
 * esp_secure_cert_mgr walks it (header to header, up to the first place without the magic); only
 * the one found has its CRC checked. EEI_SC_END: it is not there.
 */
eei_sc_err eei_sc_tlv_find(const uint8_t *part, size_t len, uint8_t type, uint8_t subtype,
                           eei_sc_tlv *out);
const char *eei_sc_strerror(eei_sc_err err);
#endif

/*
 * The DS peripheral. The chip keeps a 32-byte HMAC key in an eFuse key block of purpose
 * HMAC_DOWN_DIGITAL_SIGNATURE, read-protected; its HMAC peripheral hands the DS peripheral the
 * AES key HMAC-SHA256(HMAC key, 32 bytes of 0xFF), which software never sees. With it the DS
 * peripheral decrypts C, checks MD and the padding, and computes X^Y mod M.
 *
 * P, the plaintext of C, for operands of n bytes (the largest key the chip's DS takes, in bytes,
 * whatever the key's own size): Y (the private exponent d), M (the modulus), Rb = 2^(2 * key
 * bits) mod M, each n bytes little-endian with zeros above the key's size; then MD (32 bytes),
 * M' = -M^-1 mod 2^32 (4 bytes), L = key bits / 32 - 1 (4 bytes), and 8 bytes of 0x08.
 * MD = SHA-256(Y || M || Rb || M' || L || IV). C = AES-256-CBC(that AES key, IV, P), no padding
 * added (P is a multiple of 16 bytes).
 */
#define EEI_DS_IV_SIZE 16u
#define EEI_DS_MD_SIZE 32u
#define EEI_DS_WORD_SIZE 4u
#define EEI_DS_PAD_SIZE 8u
#define EEI_DS_PAD_BYTE 0x08u
#define EEI_DS_KEY_MESSAGE_BYTE 0xffu /* the HMAC's message: 32 of these */
#define EEI_DS_KEY_MESSAGE_SIZE 32u
#define EEI_DS_AES_KEY_SIZE 32u
#define EEI_DS_MIN_KEY_BITS 1024u
#define EEI_DS_MAX_KEY_BITS 4096u /* the largest of every chip: buffers for any */
/* The eFuse key blocks a key can be burnt into: BLOCK_KEY0 to BLOCK_KEY5; and their purpose. */
#define EEI_DS_KEY_BLOCKS 6u
#define EEI_DS_KEY_PURPOSE_NAME "HMAC_DOWN_DIGITAL_SIGNATURE"
#define EEI_DS_KEY_PURPOSE 7u /* its value in the eFuse KEY_PURPOSE_n field */

/* Offsets in P, for operands of n bytes; its size. */
#define EEI_DS_P_OFF_Y(n) 0u
#define EEI_DS_P_OFF_M(n) (n)
#define EEI_DS_P_OFF_RB(n) (2u * (n))
#define EEI_DS_P_OFF_MD(n) (3u * (n))
#define EEI_DS_P_OFF_MPRIME(n) (EEI_DS_P_OFF_MD(n) + EEI_DS_MD_SIZE)
#define EEI_DS_P_OFF_LENGTH(n) (EEI_DS_P_OFF_MPRIME(n) + EEI_DS_WORD_SIZE)
#define EEI_DS_P_OFF_PAD(n) (EEI_DS_P_OFF_LENGTH(n) + EEI_DS_WORD_SIZE)
#define EEI_DS_C_SIZE(n) (EEI_DS_P_OFF_PAD(n) + EEI_DS_PAD_SIZE)
/* What MD covers after Y || M || Rb: M', L, the IV. */
#define EEI_DS_MD_TAIL_SIZE (2u * EEI_DS_WORD_SIZE + EEI_DS_IV_SIZE)

/*
 * The DS data as the firmware hands it to the peripheral (ESP-IDF's esp_ds_data_t), the value of
 * the DS_DATA TLV: L (4 bytes, the same as in C; the peripheral uses C's), the IV, then C.
 */
#define EEI_DS_DATA_OFF_LENGTH 0u
#define EEI_DS_DATA_OFF_IV 4u
#define EEI_DS_DATA_OFF_C (EEI_DS_DATA_OFF_IV + EEI_DS_IV_SIZE)
#define EEI_DS_DATA_SIZE(n) (EEI_DS_DATA_OFF_C + EEI_DS_C_SIZE(n))
#define EEI_DS_DATA_MAX EEI_DS_DATA_SIZE(EEI_DS_MAX_KEY_BITS / 8u)

/*
 * The DS context, the value of the DS_CONTEXT TLV (esp_ds_data_ctx_t as a 32-bit chip lays it
 * out): 4 zero bytes (where the firmware puts its pointer to the DS data), the eFuse key block
 * number (0 for BLOCK_KEY0), a zero byte, the key's size in bits (2 bytes).
 */
#define EEI_DS_CONTEXT_SIZE 8u
#define EEI_DS_CONTEXT_OFF_KEY_BLOCK 4u
#define EEI_DS_CONTEXT_OFF_KEY_BITS 6u

/* A chip and its DS peripheral. */
typedef struct {
    uint16_t chip_id; /* as an app's header names it (eei_app_chip_name: its name) */
    uint16_t
        max_key_bits; /* the largest RSA key its DS takes, and so its operands' size; 0: no DS */
} eei_ds_chip;

#ifdef EEI_FORMAT_INTERNALS /* the library's and the device's own: see format.h */
/* The chip named name ("esp32c3", as esptool's --chip), or NULL for one not in the table. */
const eei_ds_chip *eei_ds_chip_find(const char *name);
/* The table, one chip at a time (NULL past the last), for listing. */
const eei_ds_chip *eei_ds_chip_at(size_t i);

/* M' || L || IV: what MD covers after the operands. */
void eei_ds_md_tail(uint8_t tail[EEI_DS_MD_TAIL_SIZE], uint32_t mprime, uint32_t length,
                    const uint8_t iv[EEI_DS_IV_SIZE]);
/* Fill P after its operands (n bytes each, already in place): MD, M', L, the padding. */
void eei_ds_plain_finish(uint8_t *p, size_t n, const uint8_t md[EEI_DS_MD_SIZE], uint32_t mprime,
                         uint32_t length);
/* L for a key of key_bits: the number of its 32-bit words, minus one. */
uint32_t eei_ds_length(unsigned key_bits);
/* The DS data: L, the IV, C (c_len bytes). */
void eei_ds_data_encode(uint8_t *out, unsigned key_bits, const uint8_t iv[EEI_DS_IV_SIZE],
                        const uint8_t *c, size_t c_len);
void eei_ds_context_encode(uint8_t out[EEI_DS_CONTEXT_SIZE], uint8_t key_block, uint16_t key_bits);
/*
 * Read a DS context: true when it names what a chip can use (a key block from 0 to 5, a key size
 * from 1024 to 4096 bits in whole 32-bit words); the pointer's bytes are the reader's to fill.
 */
bool eei_ds_context_decode(const uint8_t in[EEI_DS_CONTEXT_SIZE], uint8_t *key_block,
                           uint16_t *key_bits);
#endif

#ifdef __cplusplus
}
#endif

#endif
