/*
 * The 512-byte header of an esp_encrypted_img image: layout, encode/decode and checks.
 *
 * Shared, as the same source files, by the host CLI and the device firmware: C99, no heap,
 * no stdio, no crypto. All multi-byte integers in the header are little-endian.
 */
#ifndef ESP_ENC_IMG_FORMAT_H
#define ESP_ENC_IMG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What the host library exports: of this module, only the names of what the API reports; the
 * rest is internal to the library and the device. Nothing on the device.
 *
 * A program that links the library sees the types and sizes here and those names. The
 * functions that encode and decode (headers, app binaries, signature blocks) are the library's
 * and the device's own: declared only where EEI_FORMAT_INTERNALS is defined (this project's
 * build and the ESP-IDF component define it), and not exported by the shared library.
 */
#if defined(__GNUC__) && !defined(ESP_PLATFORM)
#define EEI_API __attribute__((visibility("default")))
#else
#define EEI_API
#endif

#define EEI_MAGIC 0x0788b6cfu
#define EEI_HEADER_SIZE 512u

#define EEI_OFF_MAGIC 0u
#define EEI_OFF_KEY_BLOCK 4u
#define EEI_KEY_BLOCK_SIZE 384u
#define EEI_OFF_IV 388u
#define EEI_IV_SIZE 16u
#define EEI_OFF_PAYLOAD_LEN 404u
#define EEI_OFF_TAG 408u
#define EEI_TAG_SIZE 16u
#define EEI_OFF_RESERVED 424u
#define EEI_RESERVED_SIZE 88u

/* RSA-3072: the key block is the PKCS#1 v1.5 encryption of the AES key. */
#define EEI_RSA_WRAPPED_SIZE EEI_KEY_BLOCK_SIZE
/* ECIES-P256: the key block is point X||Y, then the HKDF salt, then zeros. */
#define EEI_ECIES_POINT_SIZE 64u
#define EEI_ECIES_COORD_SIZE 32u
#define EEI_ECIES_SALT_SIZE 32u
#define EEI_ECIES_ZERO_SIZE (EEI_KEY_BLOCK_SIZE - EEI_ECIES_POINT_SIZE - EEI_ECIES_SALT_SIZE)

#define EEI_AES_KEY_SIZE 32u
#define EEI_GCM_BLOCK_SIZE 16u
#define EEI_MAX_PAYLOAD 0xffffffffu

/*
 * Key derivation. ECIES: AES key = HKDF-SHA256(IKM = x(ECDH), salt = the header's salt,
 * info = EEI_HKDF_INFO without its NUL). The device key of a chip with an eFuse HMAC key:
 * P-256 scalar = PBKDF2-HMAC-SHA256(password = HMAC key, salt = eei_pbkdf2_salt,
 * EEI_PBKDF2_ITERATIONS), big-endian, valid when 1 <= d < n.
 */
#define EEI_HKDF_INFO "_esp_enc_img_ecc"
#define EEI_HKDF_INFO_SIZE (sizeof(EEI_HKDF_INFO) - 1u)
#define EEI_HMAC_KEY_SIZE 32u
#define EEI_P256_SCALAR_SIZE 32u
#define EEI_PBKDF2_ITERATIONS 2048u
#define EEI_PBKDF2_SALT_SIZE 32u
extern const uint8_t eei_pbkdf2_salt[EEI_PBKDF2_SALT_SIZE];

/*
 * The app binary inside the ciphertext (the firmware idf.py builds; ESP-IDF calls its layout an
 * app image): a 24-byte header (magic 0xE9, segment count, chip id at 12), the first 8-byte
 * segment header, then the 256-byte app descriptor.
 */
#define EEI_APP_MAGIC 0xe9u
#define EEI_APP_HEADER_SIZE 24u
#define EEI_APP_SEGMENT_HEADER_SIZE 8u
#define EEI_APP_OFF_SEGMENTS 1u
#define EEI_APP_OFF_CHIP_ID 12u
/* Not 0: the SHA-256 of the app follows its checksum byte (ESP-IDF reads any non-zero so). */
#define EEI_APP_OFF_HASH_APPENDED 23u
#define EEI_APP_SEGMENTS_MAX 16u
/*
 * After the last segment: zero padding, then the checksum byte (0xEF XOR every segment data
 * byte) ending a 16-byte block, then with hash_appended the SHA-256 of everything before it.
 */
#define EEI_APP_CHECKSUM_SEED 0xefu
#define EEI_APP_CHECKSUM_ALIGN 16u
#define EEI_APP_HASH_SIZE 32u
#define EEI_APP_DESC_OFFSET (EEI_APP_HEADER_SIZE + EEI_APP_SEGMENT_HEADER_SIZE)
#define EEI_APP_DESC_SIZE 256u
#define EEI_APP_DESC_MAGIC 0xabcd5432u
#define EEI_APP_DESC_OFF_SECURE_VERSION 4u
#define EEI_APP_DESC_OFF_VERSION 16u
#define EEI_APP_DESC_OFF_PROJECT 48u
#define EEI_APP_DESC_OFF_IDF_VER 112u
#define EEI_APP_DESC_TEXT_SIZE 32u
/* Bytes of an app binary that hold everything eei_app_head_parse reads. */
#define EEI_APP_HEAD_SIZE (EEI_APP_DESC_OFFSET + EEI_APP_DESC_SIZE)
/*
 * The largest app a chip boots: ESP-IDF's bootloader refuses an app partition over 16 MiB, and an
 * app (its signature sector included) fills at most its partition.
 */
#define EEI_APP_MAX_SIZE (16u * 1024u * 1024u)

/*
 * ESP Secure Boot V2. A signed app is the app padded with 0xFF to a multiple of 4096 bytes,
 * then one 4096-byte signature sector: up to three 1216-byte signature blocks, the rest 0xFF.
 * A block: magic 0xE7, version (0x02: RSA-3072 PSS, MGF1-SHA256, 32-byte salt; 0x03: ECDSA),
 * for ECDSA the hash (0: SHA-256, 1: SHA-384), a zero byte, the digest of the padded app, the
 * public key as the ROM reads it, the signature, then a CRC-32 of the first 1196 bytes and 16
 * zero bytes. Numbers little-endian (the RSA ones as the RSA peripheral wants: least significant
 * byte first). The eFuse holds, for each key, SHA-256 of its key field as laid out here.
 */
#define EEI_SB_SECTOR_SIZE 4096u
#define EEI_SB_BLOCK_SIZE 1216u
#define EEI_SB_BLOCKS_MAX 3u
#define EEI_SB_MAGIC 0xe7u
#define EEI_SB_VERSION_RSA 0x02u
#define EEI_SB_VERSION_ECDSA 0x03u
#define EEI_SB_HASH_SHA256 0u
#define EEI_SB_HASH_SHA384 1u
#define EEI_SB_CURVE_P192 1u /* ESP32-C2 only; read, not made */
#define EEI_SB_CURVE_P256 2u
#define EEI_SB_CURVE_P384 3u
#define EEI_SB_OFF_HASH 2u
#define EEI_SB_OFF_DIGEST 4u
#define EEI_SB_CRC_SPAN 1196u /* the bytes the CRC covers; it follows them */
#define EEI_SB_PAD 0xffu      /* the app's padding and the sector's unused bytes */
/* RSA-3072: n, e, R^2 mod n (R = 2^3072), -n^-1 mod 2^32, then the signature. */
#define EEI_SB_RSA_BYTES 384u
#define EEI_SB_RSA_OFF_KEY (EEI_SB_OFF_DIGEST + 32u)
#define EEI_SB_RSA_KEY_SIZE (EEI_SB_RSA_BYTES + 4u + EEI_SB_RSA_BYTES + 4u)
#define EEI_SB_RSA_OFF_SIG (EEI_SB_RSA_OFF_KEY + EEI_SB_RSA_KEY_SIZE)
/* ECDSA: the digest, then the key (curve id, X, Y), then r and s, each number coord bytes. */
#define EEI_SB_ECDSA_KEY_SIZE(coord) (1u + 2u * (coord))

/* A signature block, checked (magic, version, hash and curve agree, CRC); fields point into it. */
typedef struct {
    uint8_t version;       /* EEI_SB_VERSION_RSA or _ECDSA */
    uint8_t curve;         /* ECDSA: EEI_SB_CURVE_*; RSA: 0 */
    size_t digest_len;     /* 32 (SHA-256) or 48 (SHA-384) */
    const uint8_t *digest; /* of the padded app */
    const uint8_t *key;    /* the key field: what the eFuse digest is of */
    size_t key_len;
    const uint8_t *sig; /* RSA: 384 bytes; ECDSA: r then s, coord bytes each */
    size_t sig_len;
} eei_sb_block;

typedef enum {
    EEI_SB_OK = 0,
    EEI_SB_EMPTY,     /* no block here: 0xFF (or zero) bytes where one would start */
    EEI_SB_BAD_MAGIC, /* something else than a block */
    EEI_SB_BAD_KIND,  /* a version, hash or curve that Secure Boot V2 does not have */
    EEI_SB_BAD_CRC,   /* the CRC does not match: the block was altered */
} eei_sb_err;

#ifdef EEI_FORMAT_INTERNALS
/* Check one block of a signature sector and describe it. */
eei_sb_err eei_sb_block_parse(const uint8_t block[EEI_SB_BLOCK_SIZE], eei_sb_block *out);
/* Write the CRC and the zero padding of a block whose first 1196 bytes are filled. */
void eei_sb_block_seal(uint8_t block[EEI_SB_BLOCK_SIZE]);
#endif
/* The app's length once padded for its signature sector (a multiple of 4096). */
EEI_API uint64_t eei_sb_padded_size(uint64_t app_len);
#ifdef EEI_FORMAT_INTERNALS
/* CRC-32 (IEEE 802.3, as zlib's crc32): start with crc 0; feed pieces in turn. */
uint32_t eei_crc32(uint32_t crc, const uint8_t *data, size_t len);
#endif
EEI_API const char *eei_sb_strerror(eei_sb_err err);
/* "rsa-3072", "ecdsa-p256", "ecdsa-p384" or "ecdsa-p192" for a block's version and curve. */
EEI_API const char *eei_sb_scheme_name(uint8_t version, uint8_t curve);

/* What the start of an app binary says about it. */
typedef struct {
    uint16_t chip_id;
    uint8_t segments;
    bool hash_appended;
    uint32_t secure_version;
    char version[EEI_APP_DESC_TEXT_SIZE + 1]; /* NUL-terminated */
    char project[EEI_APP_DESC_TEXT_SIZE + 1];
    char idf_version[EEI_APP_DESC_TEXT_SIZE + 1];
} eei_app_head;

/* How far the layout of an app binary holds, read start to end. */
typedef enum {
    EEI_APP_WALKING = 0,  /* read so far, nothing wrong yet, not at its end */
    EEI_APP_OK,           /* segments, checksum byte (and the SHA-256's place) all there */
    EEI_APP_NOT_APP,      /* no magic 0xE9, or no app descriptor at offset 32 */
    EEI_APP_BAD_SEGMENTS, /* a segment count of 0 or above EEI_APP_SEGMENTS_MAX */
    EEI_APP_TRUNCATED,    /* the data ends inside the app */
    EEI_APP_BAD_CHECKSUM,
} eei_app_err;

/*
 * An app binary's layout, walked as it streams by: segments, checksum, where the appended
 * SHA-256 is. Its fields are the walker's own; read them through the functions below.
 */
typedef struct {
    uint64_t pos;  /* bytes seen */
    uint64_t next; /* where the part being read ends */
    uint64_t end;  /* the end of the checksum block (what the SHA-256 covers); 0 until known */
    uint8_t head[EEI_APP_HEAD_SIZE];
    uint8_t seg_header[EEI_APP_SEGMENT_HEADER_SIZE];
    uint8_t hash[EEI_APP_HASH_SIZE];
    uint8_t part; /* which part is being read */
    uint8_t segment;
    uint8_t checksum;
    eei_app_err state;
} eei_app_walk;

#ifdef EEI_FORMAT_INTERNALS
void eei_app_walk_init(eei_app_walk *w);
/*
 * Walk len more bytes. Returns how many of them, from the first, lie in what the appended
 * SHA-256 covers (every byte before the hash); 0 once the data is known not to be an app.
 */
size_t eei_app_walk_update(eei_app_walk *w, const uint8_t *data, size_t len);
/* At the end of the data: the verdict; head filled when the start was an app's. */
eei_app_err eei_app_walk_finish(eei_app_walk *w, eei_app_head *head);
/* The app's size, its appended SHA-256 included (once EEI_APP_OK), and that SHA-256. */
uint64_t eei_app_walk_size(const eei_app_walk *w);
const uint8_t *eei_app_walk_hash(const eei_app_walk *w);
/*
 * Where the app's layout ends: after its checksum block and, when it has one, its appended
 * SHA-256 (what ESP-IDF calls image_len). Known once the walk has passed it, also when the
 * checksum is wrong; 0 before, and for data that is not an app or whose segments are bad.
 */
uint64_t eei_app_walk_layout_end(const eei_app_walk *w);
#endif
EEI_API const char *eei_app_strerror(eei_app_err err);
/* "esp32c3" for 5, and so on; NULL for an id this version does not know. */
EEI_API const char *eei_app_chip_name(uint16_t chip_id);

/* Where a device reads a signature sector, by which rule. */
typedef enum {
    EEI_SB_AT_NONE = 0, /* not known yet: the walk has not passed the app's layout */
    EEI_SB_AFTER_APP,   /* an app binary: its layout end rounded up to 4096 */
    EEI_SB_AT_END,      /* no layout (not an app binary, or a broken one): its last 4096 bytes */
} eei_sb_place;

#ifdef EEI_FORMAT_INTERNALS
/*
 * Where ESP-IDF's bootloader (and its check of an update) reads the signature sector of
 * data_len bytes that w walked: an app binary's is right after its layout end rounded up to
 * 4096, whatever the data holds there, and its digest covers every byte before it. Data with no
 * layout to walk (not an app binary; a bad segment count; truncated) has its last 4096 bytes
 * stand for the sector (*offset 0 when there are fewer). Mid-walk, an app's is known once the
 * walk has passed its layout (AT_NONE until then); eei_app_walk_finish first for the final word.
 */
eei_sb_place eei_sb_sector_place(const eei_app_walk *w, uint64_t data_len, uint64_t *offset);
#endif

typedef enum {
    EEI_SCHEME_UNKNOWN = 0,
    EEI_SCHEME_RSA3072,
    EEI_SCHEME_ECIES_P256,
} eei_scheme;

typedef enum {
    EEI_FMT_OK = 0,
    EEI_FMT_SHORT,           /* fewer than 512 bytes */
    EEI_FMT_BAD_MAGIC,       /* first four bytes are not the magic */
    EEI_FMT_TRUNCATED,       /* fewer payload bytes than the length field says */
    EEI_FMT_TRAILING,        /* more bytes than the length field says */
    EEI_FMT_SCHEME_MISMATCH, /* the header is not of the expected scheme */
    EEI_FMT_COUNT
} eei_format_err;

/* The decoded header. key_block keeps the raw bytes; the ECIES accessors below slice it. */
typedef struct {
    uint32_t magic;
    uint8_t key_block[EEI_KEY_BLOCK_SIZE];
    uint8_t iv[EEI_IV_SIZE];
    uint32_t payload_len;
    uint8_t tag[EEI_TAG_SIZE];
    uint8_t reserved[EEI_RESERVED_SIZE];
} eei_header;

#ifdef EEI_FORMAT_INTERNALS
uint32_t eei_le32_get(const uint8_t *p);
void eei_le32_put(uint8_t *p, uint32_t v);

/* Serialise h into exactly EEI_HEADER_SIZE bytes. */
void eei_header_encode(const eei_header *h, uint8_t out[EEI_HEADER_SIZE]);

/* Parse the first 512 of len bytes; checks size and magic only. h is filled even on BAD_MAGIC. */
eei_format_err eei_header_decode(const uint8_t *buf, size_t len, eei_header *h);

/*
 * Collect a header from a stream that arrives in pieces: copies what is still missing of the
 * 512 bytes from in (len bytes) into buf, advances *fill, and returns how many bytes it took.
 */
size_t eei_header_collect(uint8_t buf[EEI_HEADER_SIZE], size_t *fill, const uint8_t *in,
                          size_t len);

/* Build a header for either scheme; the tag is set later with eei_header_set_tag. */
void eei_header_init_rsa(eei_header *h, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                         const uint8_t iv[EEI_IV_SIZE], uint32_t payload_len);
void eei_header_init_ecies(eei_header *h, const uint8_t point[EEI_ECIES_POINT_SIZE],
                           const uint8_t salt[EEI_ECIES_SALT_SIZE], const uint8_t iv[EEI_IV_SIZE],
                           uint32_t payload_len);
void eei_header_set_tag(eei_header *h, const uint8_t tag[EEI_TAG_SIZE]);

/* The ECIES server point (X||Y, 64 bytes) and KDF salt inside the key block. */
const uint8_t *eei_header_ecies_point(const eei_header *h);
const uint8_t *eei_header_ecies_salt(const eei_header *h);

/*
 * Both coordinates below the P-256 field prime and not both zero: the cheap, crypto-free test
 * of "looks like a point". Whether it is on the curve is for the crypto layer to decide.
 */
bool eei_p256_point_plausible(const uint8_t point[EEI_ECIES_POINT_SIZE]);

/*
 * ECIES when the 288 key-block bytes after the salt are zero and the point is plausible; RSA
 * when those bytes are not all zero; UNKNOWN for zero bytes without a plausible point (and for
 * a bad magic).
 */
eei_scheme eei_header_scheme(const eei_header *h);

/* Length check against the whole image size (header included). */
eei_format_err eei_header_check_size(const eei_header *h, uint64_t image_size);

/* Check that h can be read by a device configured for scheme. */
eei_format_err eei_header_check_scheme(const eei_header *h, eei_scheme scheme);

/* True when every reserved byte is zero (the device ignores them either way). */
bool eei_header_reserved_clear(const eei_header *h);

/* True for the start of an ESP app binary (magic byte and app descriptor); fills out. */
bool eei_app_head_parse(const uint8_t head[EEI_APP_HEAD_SIZE], eei_app_head *out);
#endif

EEI_API const char *eei_format_strerror(eei_format_err err);
EEI_API const char *eei_scheme_name(eei_scheme scheme);

#ifdef __cplusplus
}
#endif

#endif
