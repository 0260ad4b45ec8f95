/*
 * The one decoder of images, for the host library and the device alike: a state machine over
 * the caller's memory that takes an image in chunks of any size, and gives its verdict with
 * the reason.
 *
 *   eei_core_dec_start(&dec, crypto, scheme, key);    the key of the device, of its scheme
 *   eei_core_dec_feed(&dec, in, n, out, cap, &m);     any number of chunks of any size
 *   eei_core_dec_finish(&dec);                        after the last byte: length and tag
 *   eei_core_dec_abort(&dec);                         always, at the end: wipes every secret
 *
 * The header: its magic is judged as soon as its first four bytes are in, the rest at its
 * 512th byte, when the key is used once (RSA-3072 unwrap or ECIES-P256, by the key's scheme:
 * the header's look only explains a failure) and dropped. Then the payload through AES-256-GCM
 * as a stream: more bytes than the header declares fail at once, fewer at finish, where the
 * tag is checked. Plaintext is not authentic until finish says EEI_CORE_OK.
 *
 * Output goes to out, which is in (in place) or a buffer that does not overlap it, with room
 * for len + eei_core_dec_slack(crypto) bytes: with a crypto that takes whole blocks only, up to
 * 15 bytes of an incomplete block wait for the next chunk (and a chunk may write that much more
 * than it brought); the chunk that completes the payload writes everything that is left.
 *
 * No allocation and no library type here: the state lives wherever the caller puts it (static
 * memory is fine); the backend allocates its cipher context when the key is established.
 */
#ifndef EEI_CORE_DECODER_H
#define EEI_CORE_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_core/crypto.h"
#include "esp_enc_img/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every verdict, each for one reason. */
typedef enum {
    EEI_CORE_OK = 0,
    EEI_CORE_ERR_ARG,       /* bad arguments or call order (and every call after a failure) */
    EEI_CORE_ERR_SHORT,     /* the data ended inside the 512-byte header */
    EEI_CORE_ERR_MAGIC,     /* the first four bytes are not the magic: not an encrypted image */
    EEI_CORE_ERR_SCHEME,    /* the key does not open it, and it looks like the other scheme's */
    EEI_CORE_ERR_UNWRAP,    /* RSA: the key block does not open with this key */
    EEI_CORE_ERR_POINT,     /* ECIES: the server point is not on P-256 */
    EEI_CORE_ERR_TRAILING,  /* more bytes than the header declares */
    EEI_CORE_ERR_TRUNCATED, /* the data ended inside the payload the header declares */
    EEI_CORE_ERR_AUTH,      /* the tag does not match: altered image or wrong key */
    EEI_CORE_ERR_CRYPTO,    /* the crypto library failed */
} eei_core_verdict;

/* Read the fields through the functions below; the rest is the decoder's own. */
typedef struct {
    const eei_core_crypto *crypto;
    eei_scheme scheme;
    const void *key; /* the backend's key, until the header is opened */
    int state;
    uint8_t header_buf[EEI_HEADER_SIZE];
    size_t header_fill;
    eei_header header;
    uint64_t payload_seen;             /* ciphertext bytes taken */
    uint8_t carry[EEI_GCM_BLOCK_SIZE]; /* ciphertext of an incomplete block */
    size_t carry_len;
    void *gcm;
} eei_core_dec;

/*
 * The verdict on the first len bytes of a header (4 tell the magic, 512 the rest) and, when it
 * is known, on the size of the whole image (else pass UINT64_MAX): EEI_FMT_SHORT, _BAD_MAGIC,
 * _TRUNCATED, _TRAILING or _OK. The decoder judges by it; h is filled once 512 bytes are there,
 * whatever the magic.
 */
eei_format_err eei_core_header_judge(const uint8_t *buf, size_t len, uint64_t image_size,
                                     eei_header *h);

/* How many bytes past its input a chunk may write with this crypto: 0, or 15. */
size_t eei_core_dec_slack(const eei_core_crypto *crypto);

/* key: the backend's key of scheme (RSA3072 or ECIES_P256), read at the 512th header byte. */
eei_core_verdict eei_core_dec_start(eei_core_dec *dec, const eei_core_crypto *crypto,
                                    eei_scheme scheme, const void *key);
eei_core_verdict eei_core_dec_feed(eei_core_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                                   size_t out_size, size_t *out_len);
eei_core_verdict eei_core_dec_finish(eei_core_dec *dec);
/* Wipes and releases everything; safe at any time, twice too. */
void eei_core_dec_abort(eei_core_dec *dec);

/* The key is not needed any more (the header was opened, or the decoder stopped). */
bool eei_core_dec_key_done(const eei_core_dec *dec);
/* The parsed header, once 512 bytes have been fed; NULL before. */
const eei_header *eei_core_dec_header(const eei_core_dec *dec);
/* The header bytes taken so far (up to 512), into header; returns how many. */
size_t eei_core_dec_header_bytes(const eei_core_dec *dec, uint8_t header[EEI_HEADER_SIZE]);
/* Image bytes taken so far, header included: where a resumed download continues. */
uint64_t eei_core_dec_consumed(const eei_core_dec *dec);

#ifdef __cplusplus
}
#endif

#endif
