#include "cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fileio.h"
#include "key_files.h"
#include "net.h" /* inet_pton: text only, no socket */

static bool is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static bool is_dns_name(const char *host)
{
    size_t n = strlen(host);
    if (n == 0 || n > 253) {
        return false;
    }
    for (const char *p = host; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool cert_names_host(X509 *cert, const char *host)
{
    return is_ip(host) ? X509_check_ip_asc(cert, host, 0) == 1
                       : X509_check_host(cert, host, 0, 0, NULL) == 1;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *host, long days)
{
    X509 *cert = X509_new();
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    BIGNUM *bn = BN_new();
    char san[300];
    snprintf(san, sizeof(san), "%s:%s", is_ip(host) ? "IP" : "DNS", host);
    X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
    int ok =
        cert && serial && bn && name && X509_set_version(cert, 2) &&
        BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) && BN_to_ASN1_INTEGER(bn, serial) &&
        X509_set_serialNumber(cert, serial) && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
        X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) &&
        X509_set_pubkey(cert, key) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)host, -1, -1,
                                   0) &&
        X509_set_issuer_name(cert, name) && add_ext(cert, NID_subject_alt_name, san) &&
        add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") &&
        add_ext(cert, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign") &&
        add_ext(cert, NID_ext_key_usage, "serverAuth") &&
        add_ext(cert, NID_subject_key_identifier, "hash") && X509_sign(cert, key, EVP_sha256()) > 0;
    BN_free(bn);
    ASN1_INTEGER_free(serial);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* A PEM encoding, in a memory BIO (wiped on free for a secret) that holds it. */
static BIO *encode_pem(bool secret, int (*emit)(BIO *, void *), void *obj, const uint8_t **data,
                       size_t *len)
{
    BIO *bio = BIO_new(secret ? BIO_s_secmem() : BIO_s_mem());
    char *text = NULL;
    long n = bio && emit(bio, obj) ? BIO_get_mem_data(bio, &text) : 0;
    *data = (const uint8_t *)text;
    *len = n > 0 ? (size_t)n : 0;
    return bio;
}

static int emit_key(BIO *bio, void *key)
{
    return PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
}

static int emit_cert(BIO *bio, void *cert)
{
    return PEM_write_bio_X509(bio, cert);
}

/* The PEM certificate in the file at path (a UTF-8 path on every system), or NULL. */
static X509 *read_cert(const char *path)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    eei_error ignored = {EEI_OK, ""};
    if (file_read_all(path, 1024 * 1024, &pem, &len, &ignored) != 0) {
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    free(pem);
    return cert;
}

/* The certificate's last day, "YYYY-MM-DD" ("unknown" when it cannot be read). */
static void not_after(X509 *cert, char until[11])
{
    struct tm tm;
    snprintf(until, 11, "unknown");
    if (cert && ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1 &&
        strftime(until, 11, "%Y-%m-%d", &tm) == 0) {
        snprintf(until, 11, "unknown");
    }
}

int cert_self_signed(const char *host, const char *dir, long days, char cert_path[OS_PATH_MAX],
                     char key_path[OS_PATH_MAX], bool *reused, char until[11], eei_error *err)
{
    *reused = false;
    snprintf(until, 11, "unknown");
    if (!is_ip(host) && !is_dns_name(host)) {
        return eei_fail(err, EEI_ERR_USAGE, "--self-signed %s: not a host name or address", host);
    }
    snprintf(cert_path, OS_PATH_MAX, "%s/ca_cert.pem", dir);
    snprintf(key_path, OS_PATH_MAX, "%s/ca_key.pem", dir);
    if (path_exists(cert_path) || path_exists(key_path)) {
        X509 *cert = read_cert(cert_path);
        bool same = cert && cert_names_host(cert, host) && path_exists(key_path);
        not_after(cert, until);
        X509_free(cert);
        ERR_clear_error();
        if (!same) {
            return eei_fail(err, EEI_ERR_FILE,
                            "%s: exists, but not as a certificate and key for %s: remove it or "
                            "give another --cert-dir",
                            cert_path, host);
        }
        *reused = true;
        return 0;
    }
    if (make_dirs(dir, 0700, err) != 0) {
        return -1;
    }
    EVP_PKEY *key = EVP_RSA_gen(2048); /* what every ESP-IDF TLS configuration accepts */
    X509 *cert = key ? make_cert(key, host, days) : NULL;
    not_after(cert, until);
    const uint8_t *key_pem = NULL, *cert_pem = NULL;
    size_t key_len = 0, cert_len = 0;
    BIO *key_bio = cert ? encode_pem(true, emit_key, key, &key_pem, &key_len) : NULL;
    BIO *cert_bio = cert ? encode_pem(false, emit_cert, cert, &cert_pem, &cert_len) : NULL;
    int rc;
    if (!key_len || !cert_len) {
        rc = eei_fail(err, EEI_ERR_SYSTEM, "cannot make a certificate");
    } else { /* both files, or neither */
        rc = key_pair_write(key_path, key_pem, key_len, cert_path, cert_pem, cert_len, false, err);
    }
    BIO_free(key_bio);
    BIO_free(cert_bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
