/* Keys: loading from memory and files (HMAC keys and passphrases included), export, digests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "engine/ds.h"
#include "engine/file.h"
#include "error/error_internal.h"

#define KEY_FILE_MAX (64u * 1024u)
#define HMAC_KEY_ATTEMPTS 16

static bool is_pem(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof(begin) - 1 <= len; i++) {
        if (memcmp(data + i, begin, sizeof(begin) - 1) == 0) {
            return true;
        }
    }
    return false;
}

/* Printable ASCII and white space only: text, which the crypto library has words for. */
static bool is_text(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((data[i] < 0x20 || data[i] > 0x7e) && !strchr("\t\r\n", data[i])) {
            return false;
        }
    }
    return true;
}

/*
 * One DER SEQUENCE that fills len bytes exactly: how every DER key and certificate starts. Binary
 * data that is not this is no key file but the raw bytes of an HMAC key (of a wrong size).
 */
static bool is_der(const uint8_t *data, size_t len)
{
    if (len < 2 || data[0] != 0x30) {
        return false;
    }
    size_t head = 2, body = data[1];
    if (data[1] & 0x80) { /* the long form: the length in the next 1 to 4 bytes */
        size_t n = data[1] & 0x7fu;
        if (n == 0 || n > 4 || len < 2 + n) {
            return false;
        }
        body = 0;
        for (size_t i = 0; i < n; i++) {
            body = body << 8 | data[2 + i];
        }
        head += n;
    }
    return head + body == len;
}

/*
 * 64 hex digits and white space only (a line end, or xxd -p's two lines): the 32-byte HMAC key
 * written as text, which a key file never is.
 */
static bool is_hex_hmac_key(const uint8_t *data, size_t len)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i] | 0x20; /* lower case, for letters */
        if ((data[i] >= '0' && data[i] <= '9') || (c >= 'a' && c <= 'f')) {
            digits++;
        } else if (!strchr(" \t\r\n", data[i]) || !data[i]) {
            return false;
        }
    }
    return digits == 2 * EEI_HMAC_KEY_SIZE;
}

/*
 * The key is the HMAC key as hex: how to write its 32 bytes (name: the file's path, or NULL for
 * memory, a placeholder then), next to it with .bin for its extension.
 */
static eei_status hex_hmac_key_hint(const char *name, eei_error *err)
{
    const char *hex = name ? name : "KEY.hex";
    const char *base = strrchr(hex, '/') ? strrchr(hex, '/') + 1 : hex;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot > base ? (size_t)(dot - hex) : strlen(hex);
    return eei_error_set(err, EEI_ERR_KEY,
                         "%s%slooks like the 32-byte HMAC key written as 64 hex digits; a key file "
                         "holds the 32 bytes themselves: 'xxd -r -p %s %.*s%s' writes them",
                         name ? name : "", name ? ": " : "", hex, (int)stem, hex,
                         strcmp(hex + stem, ".bin") == 0 ? "_raw.bin" : ".bin");
}

/* The key is an X.509 certificate: how to take its public key out (name as above). */
static eei_status certificate_hint(const char *name, const uint8_t *data, size_t len,
                                   eei_error *err)
{
    return eei_error_set(err, EEI_ERR_KEY,
                         "%s%snot a key but an X.509 certificate: its public key is what 'openssl "
                         "x509%s -in %s -pubkey -noout > pub.pem' writes",
                         name ? name : "", name ? ": " : "",
                         is_pem(data, len) ? "" : " -inform DER", name ? name : "CERT");
}

/* A whole small file (at most max bytes) in a malloc'd buffer; the caller wipes and frees it. */
static eei_status read_small_file(const char *path, size_t max, uint8_t **out, size_t *out_len,
                                  eei_error *err)
{
    int fd = eei_file_open_read(path);
    if (fd < 0) {
        return eei_error_set(err, EEI_ERR_FILE, "%s: %s", path,
                             errno == EISDIR ? "is a directory" : strerror(errno));
    }
    uint8_t *buf = malloc(max + 1);
    size_t got = 0;
    long n = 1;
    while (buf && got <= max && n > 0) {
        n = eei_file_read(fd, buf + got, max + 1 - got);
        got += n > 0 ? (size_t)n : 0;
    }
    int e = errno;
    eei_file_close(fd);
    eei_status rc = EEI_OK;
    if (!buf) {
        rc = eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    } else if (n < 0) {
        rc = eei_error_set(err, EEI_ERR_FILE, "%s: read failed: %s", path, strerror(e));
    } else if (got > max) {
        rc = eei_error_set(err, EEI_ERR_FILE, "%s: larger than %zu bytes", path, max);
    }
    if (rc != EEI_OK) {
        eei_free(buf, got);
        return rc;
    }
    *out = buf;
    *out_len = got;
    return EEI_OK;
}

eei_status eei_key_load(const uint8_t *data, size_t len, const char *passphrase, eei_key **out,
                        eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    if (len == EEI_HMAC_KEY_SIZE && !is_pem(data, len)) {
        return eei_key_from_hmac(data, out, err);
    }
    if (is_hex_hmac_key(data, len)) {
        return hex_hmac_key_hint(NULL, err);
    }
    eei_crypto_refusal why = EEI_CRYPTO_REFUSED;
    eei_status st = eei_crypto_key_parse(data, len, passphrase, out, &why, err);
    return st != EEI_OK && why == EEI_CRYPTO_CERTIFICATE ? certificate_hint(NULL, data, len, err)
                                                         : st;
}

bool eei_key_name_is_pkcs11(const char *name)
{
    const char *scheme = EEI_PKCS11_URI_PREFIX; /* a URI's scheme is the same in any case */
    size_t i = 0;
    while (scheme[i] && name[i] && (name[i] | 0x20) == (scheme[i] | 0x20)) {
        i++;
    }
    return scheme[i] == '\0';
}

/* A key of a kind nothing here takes, refused for signing: its kind, then what signs. */
static void refused_for_signing(eei_error *err)
{
    char *why = strstr(err->msg, ": ");
    if (why) {
        snprintf(why, sizeof(err->msg) - (size_t)(why - err->msg),
                 ": Secure Boot V2 signs with RSA-3072, ECDSA P-256 or ECDSA P-384 keys only");
    }
}

/* A key in a PKCS#11 token, with the PIN and module opts give. */
static eei_status load_from_token(const char *uri, const eei_key_options *opts, eei_key **out,
                                  eei_error *err)
{
    const char *pin = opts ? opts->pin : NULL;
    if (pin && !pin[0]) { /* a try with nothing uses up one of the token's */
        return eei_error_set(err, EEI_ERR_KEY, "the PKCS#11 PIN is empty");
    }
    eei_crypto_refusal why = EEI_CRYPTO_REFUSED;
    eei_status st =
        eei_crypto_key_from_pkcs11(uri, opts ? opts->pkcs11_module : NULL, pin, out, &why, err);
    if (st != EEI_OK && why == EEI_CRYPTO_KEY_KIND) { /* a token's key only signs */
        refused_for_signing(err);
    }
    return st;
}

/* An encrypted key, and no passphrase given: the caller's callback asks for one, once. */
static eei_status parse_with_asked_passphrase(const char *path, const uint8_t *data, size_t len,
                                              const eei_key_options *opts, eei_key **out,
                                              eei_error *err)
{
    char *typed = calloc(1, EEI_CRYPTO_PASSPHRASE_MAX + 1);
    if (!typed) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    /* err says the key needs a passphrase: it stands when the callback fails without a word */
    bool answered =
        opts->ask_passphrase(opts->ask_ctx, path, typed, EEI_CRYPTO_PASSPHRASE_MAX + 1, err) == 0;
    typed[EEI_CRYPTO_PASSPHRASE_MAX] = '\0';
    eei_status st;
    if (answered) {
        *err = (eei_error){EEI_OK, ""}; /* not the first attempt's failure */
        st = eei_crypto_key_parse(data, len, typed, out, NULL, err);
    } else {
        st = err->status != EEI_OK ? err->status : (err->status = EEI_ERR_KEY);
    }
    eei_free(typed, EEI_CRYPTO_PASSPHRASE_MAX + 1);
    return st;
}

eei_status eei_key_load_file(const char *path, const eei_key_options *opts, eei_key **out,
                             eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    uint8_t *data = NULL;
    size_t len = 0;
    *out = NULL;
    if (eei_key_name_is_pkcs11(path) && opts && opts->ds_chip) {
        eei_fail(err, EEI_ERR_KEY,
                 "%s: a key in a PKCS#11 token never leaves it, and the DS data holds the private "
                 "exponent",
                 path);
        return err->status;
    }
    if (eei_key_name_is_pkcs11(path)) {
        return load_from_token(path, opts, out, err);
    }
    eei_crypto_refusal why = EEI_CRYPTO_REFUSED;
    eei_status st = read_small_file(path, KEY_FILE_MAX, &data, &len, err);
    if (st != EEI_OK) {
        st = err->status = EEI_ERR_KEY;
    } else if (!is_pem(data, len) && len == EEI_HMAC_KEY_SIZE) {
        st = eei_crypto_key_from_hmac(data, out, err);
    } else if (is_hex_hmac_key(data, len)) {
        st = hex_hmac_key_hint(path, err);
    } else {
        st = eei_crypto_key_parse(data, len, opts ? opts->passphrase : NULL, out, &why, err);
        if (st != EEI_OK && why == EEI_CRYPTO_REFUSED && !is_text(data, len) &&
            !is_der(data, len)) { /* the crypto errors stay */
            st = eei_error_set(err, EEI_ERR_KEY,
                               "not a key: binary, but not DER, and an HMAC key is exactly 32 "
                               "bytes; this file has %zu",
                               len);
        }
        if (st != EEI_OK && why == EEI_CRYPTO_CERTIFICATE) {
            st = certificate_hint(path, data, len, err);
        } else if (st != EEI_OK && why == EEI_CRYPTO_NEEDS_PASSPHRASE && opts &&
                   !opts->passphrase && opts->ask_passphrase) {
            st = parse_with_asked_passphrase(path, data, len, opts, out, err);
        }
        if (st != EEI_OK && why == EEI_CRYPTO_KEY_KIND && opts && opts->signing) {
            refused_for_signing(err);
        } else if (st != EEI_OK && why == EEI_CRYPTO_KEY_KIND && opts && opts->ds_chip) {
            eei_ds_refuse_kind(opts->ds_chip, err);
        }
    }
    if (st == EEI_OK && opts && opts->ds_chip) {
        st = eei_ds_key_check(*out, opts->ds_chip, err);
        if (st != EEI_OK) {
            eei_key_free(*out);
            *out = NULL;
        }
    }
    eei_free(data, len);
    if (st != EEI_OK && strncmp(err->msg, path, strlen(path)) != 0) {
        eei_error_prefix(err, path);
    }
    return st;
}

eei_status eei_key_from_hmac(const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_key **out,
                             eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    return eei_crypto_key_from_hmac(hmac_key, out, err);
}

eei_status eei_key_generate(eei_key_type type, eei_key **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    if (type != EEI_KEY_RSA3072 && type != EEI_KEY_P256 && type != EEI_KEY_P384) {
        eei_fail(err, EEI_ERR_USAGE, "no such key type: %d", (int)type);
        return err->status;
    }
    return eei_crypto_key_generate(type, out, err);
}

/* A random HMAC key whose derived scalar is valid (all but ~2^-32 of keys are). */
eei_status eei_key_generate_hmac(uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_key **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    for (int i = 0; i < HMAC_KEY_ATTEMPTS; i++) {
        if (eei_crypto_random(hmac_key, EEI_HMAC_KEY_SIZE, err) != EEI_OK) {
            return err->status;
        }
        if (eei_crypto_key_from_hmac(hmac_key, out, err) == EEI_OK) {
            return EEI_OK;
        }
        if (err->status != EEI_ERR_KEY) {
            break;
        }
    }
    eei_wipe(hmac_key, EEI_HMAC_KEY_SIZE);
    if (err->status == EEI_ERR_KEY) {
        eei_fail(err, EEI_ERR_SYSTEM, "no valid HMAC key after %d attempts", HMAC_KEY_ATTEMPTS);
    }
    return err->status;
}

void eei_key_free(eei_key *key)
{
    eei_crypto_key_free(key);
}

eei_key_type eei_key_get_type(const eei_key *key)
{
    return eei_crypto_key_type(key);
}

bool eei_key_has_private(const eei_key *key)
{
    return eei_crypto_key_has_private(key);
}

bool eei_key_is_hmac_derived(const eei_key *key)
{
    return eei_crypto_key_from_hmac_key(key);
}

eei_scheme eei_key_get_scheme(const eei_key *key)
{
    switch (eei_crypto_key_type(key)) {
    case EEI_KEY_RSA3072:
        return EEI_SCHEME_RSA3072;
    case EEI_KEY_P256:
        return EEI_SCHEME_ECIES_P256;
    case EEI_KEY_P384:
        break;
    }
    return EEI_SCHEME_UNKNOWN;
}

eei_status eei_key_fingerprint(const eei_key *key, uint8_t digest[EEI_SHA256_SIZE], eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    uint8_t *der = NULL;
    size_t len = 0;
    eei_sha256 *sha = NULL;
    if (eei_crypto_key_public_der(key, &der, &len, err) != EEI_OK) {
        return err->status;
    }
    eei_status st = eei_crypto_sha256_start(&sha, err);
    if (st == EEI_OK) {
        eei_crypto_sha256_update(sha, der, len);
        eei_crypto_sha256_finish(sha, digest);
        eei_crypto_sha256_free(sha);
    }
    free(der);
    return st;
}

eei_status eei_key_export(const eei_key *key, eei_export_format format, uint8_t **out,
                          size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    eei_status rc;
    *out = NULL;
    *out_len = 0;
    switch (format) {
    case EEI_EXPORT_PUBLIC_PEM:
        rc = eei_crypto_key_public_pem(key, out, out_len, err);
        break;
    case EEI_EXPORT_PUBLIC_DER:
        rc = eei_crypto_key_public_der(key, out, out_len, err);
        break;
    case EEI_EXPORT_DEVICE_DER:
        rc = eei_crypto_key_public_device(key, out, out_len, err);
        break;
    case EEI_EXPORT_PRIVATE_PEM:
        rc = eei_crypto_key_private_pem(key, out, out_len, err);
        break;
    default:
        rc = eei_error_set(err, EEI_ERR_USAGE, "no such export format: %d", (int)format);
        break;
    }
    return rc;
}

eei_status eei_key_export_encrypted(const eei_key *key, const char *passphrase, uint8_t **out,
                                    size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    *out_len = 0;
    if (!passphrase) {
        eei_fail(err, EEI_ERR_USAGE, "no passphrase to encrypt the private key with");
        return err->status;
    }
    if (!passphrase[0]) { /* a key encrypted with an empty one is not protected */
        eei_fail(err, EEI_ERR_USAGE, "the passphrase is empty");
        return err->status;
    }
    return eei_crypto_key_private_pem_encrypted(key, passphrase, out, out_len, err);
}
