/*
 * libesp_enc_img through its public header: keys (lib/engine/keys.c): from memory and files,
 * passphrases given or asked for, what is mistaken for a key, HMAC keys, exports. argv[1]: the
 * vectors folder (its keys are read at test time).
 */

#include "lib_fixture.h"

/* A program's way of asking its user for a passphrase, scripted: what it was asked, and when. */
typedef struct {
    int calls;
    char key_name[300];
    const char *answer; /* NULL: it cannot ask (fails with its own message) */
} asker;

static int ask(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    asker *a = ctx;
    a->calls++;
    snprintf(a->key_name, sizeof(a->key_name), "%s", key_name);
    if (!a->answer) {
        return eei_fail(err, EEI_ERR_KEY, "nobody to ask");
    }
    snprintf(buf, size, "%s", a->answer);
    return 0;
}

/* A callback that asks no one and adds how to give a passphrase to what err says. */
static int add_hint(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    (void)ctx;
    (void)key_name;
    (void)buf;
    (void)size;
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, ": use --pass");
    return -1;
}

static void test_key_loading(void)
{
    eei_key *key = NULL;
    eei_error err;
    /* 32 bytes are an HMAC key; anything else must parse as a key */
    uint8_t junk[33] = {0};
    CHECK(eei_key_load(junk, sizeof(junk), NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(eei_key_load(junk, 0, NULL, &key, &err) == EEI_ERR_KEY);

    /* files: a passphrase given or asked for, and what the file holds deciding what it is */
    char dir[200];
    CHECK(check_scratch("lib", dir, sizeof(dir)));
    char pem_path[256], bin_path[256];
    snprintf(pem_path, sizeof(pem_path), "%s/k.pem", dir);
    snprintf(bin_path, sizeof(bin_path), "%s/short.bin", dir);
    eei_key *gen = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &gen, NULL) == EEI_OK);
    FILE *f = fopen(bin_path, "wb");
    fputs("short", f);
    fclose(f);
    /* an encrypted PKCS#8 key, written with the library's own PEM as a cross-check */
    uint8_t *pem = NULL;
    size_t pem_len = 0;
    CHECK(eei_key_export(gen, EEI_EXPORT_PRIVATE_PEM, &pem, &pem_len, NULL) == EEI_OK);
    f = fopen(pem_path, "wb");
    fwrite(pem, 1, pem_len, f);
    fclose(f);
    char enc_path[300];
    snprintf(enc_path, sizeof(enc_path), "%s.enc", pem_path);
#ifdef _WIN32 /* no openssl command there: the library's own encrypted PKCS#8 */
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    CHECK(eei_key_export_encrypted(gen, "sesame", &enc, &enc_len, NULL) == EEI_OK);
    f = fopen(enc_path, "wb");
    fwrite(enc, 1, enc_len, f);
    fclose(f);
    eei_free(enc, enc_len);
#else
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:sesame -in %s -out %s.enc",
             pem_path, pem_path);
    CHECK(system(cmd) == 0);
#endif
    eei_key_options opts = {.passphrase = "sesame"};
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_OK);
    uint8_t fa[EEI_SHA256_SIZE], fb[EEI_SHA256_SIZE];
    CHECK(eei_key_fingerprint(key, fa, NULL) == EEI_OK);
    CHECK(eei_key_fingerprint(gen, fb, NULL) == EEI_OK);
    CHECK(memcmp(fa, fb, sizeof(fa)) == 0);
    eei_key_free(key);
    opts.passphrase = NULL;
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "passphrase-protected") != NULL);
    CHECK(strncmp(err.msg, enc_path, strlen(enc_path)) == 0);
    opts.passphrase = "wrong";
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY);
    /* no passphrase given: the caller's callback asks, once, naming the key */
    asker a = {.answer = "sesame"};
    opts = (eei_key_options){.ask_passphrase = ask, .ask_ctx = &a};
    err = (eei_error){EEI_OK, ""};
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_OK && key);
    CHECK(err.status == EEI_OK); /* no trace of the attempt without a passphrase */
    CHECK(a.calls == 1 && strcmp(a.key_name, enc_path) == 0);
    eei_key_free(key);
    a = (asker){.answer = "wrong"};
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(a.calls == 1 && strstr(err.msg, "wrong passphrase"));
    a = (asker){.answer = NULL}; /* its own message, after the key's name */
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strncmp(err.msg, enc_path, strlen(enc_path)) == 0 && strstr(err.msg, "nobody to ask"));
    /* a callback that fails without a word: the key's need stands, and it may add to it */
    opts.ask_passphrase = add_hint;
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "passphrase-protected") && strstr(err.msg, ": use --pass"));
    opts.ask_passphrase = ask;
    /* never asked when a passphrase is given, nor for a key that is not encrypted */
    a = (asker){.answer = "wrong"};
    opts.passphrase = "sesame";
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_OK && a.calls == 0);
    eei_key_free(key);
    opts.passphrase = NULL;
    CHECK(eei_key_load_file(pem_path, &opts, &key, &err) == EEI_OK && a.calls == 0);
    eei_key_free(key);

    /* encrypted PKCS#8 out, and back in with the same passphrase from a file */
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    CHECK(eei_key_export_encrypted(gen, "sesame", &sealed, &sealed_len, &err) == EEI_OK);
    CHECK(sealed_len > 40 && memcmp(sealed, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
    CHECK(eei_key_load(sealed, sealed_len, NULL, &key, &err) == EEI_ERR_KEY);
    CHECK(eei_key_load(sealed, sealed_len, "sesame", &key, &err) == EEI_OK);
    CHECK(eei_key_fingerprint(key, fa, NULL) == EEI_OK && memcmp(fa, fb, sizeof(fa)) == 0);
    eei_key_free(key);
    eei_free(sealed, sealed_len);
    /* no passphrase, an empty one, or a public key: nothing */
    CHECK(eei_key_export_encrypted(gen, NULL, &sealed, &sealed_len, &err) == EEI_ERR_USAGE);
    CHECK(eei_key_export_encrypted(gen, "", &sealed, &sealed_len, &err) == EEI_ERR_USAGE);
    CHECK(!sealed && !sealed_len);
    eei_key *pub = NULL;
    CHECK(eei_key_load_file(enc_path, &(eei_key_options){.passphrase = "sesame"}, &key, &err) ==
          EEI_OK);
    uint8_t *pub_der = NULL;
    size_t pub_der_len = 0;
    CHECK(eei_key_export(key, EEI_EXPORT_PUBLIC_DER, &pub_der, &pub_der_len, NULL) == EEI_OK);
    CHECK(eei_key_load(pub_der, pub_der_len, NULL, &pub, &err) == EEI_OK);
    CHECK(eei_key_export_encrypted(pub, "sesame", &sealed, &sealed_len, &err) == EEI_ERR_KEY);
    eei_key_free(pub);
    pub = NULL;
    /* what a file holds decides, not its name: a DER key named .bin is a key */
    f = fopen(bin_path, "wb");
    fwrite(pub_der, 1, pub_der_len, f);
    fclose(f);
    CHECK(eei_key_load_file(bin_path, NULL, &pub, &err) == EEI_OK && !eei_key_has_private(pub));
    eei_key_free(pub);
    pub = NULL;
    f = fopen(bin_path, "wb");
    fputs("short", f);
    fclose(f);
    eei_free(pub_der, pub_der_len);
    eei_key_free(pub);
    eei_key_free(key);
    CHECK(eei_key_load_file(bin_path, NULL, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "not a key") && !strstr(err.msg, "32 bytes")); /* text: no HMAC key */
    /* and binary data that is not DER is an HMAC key of the wrong size, whatever its name */
    CHECK(eei_key_load_file(pem_path, NULL, &key, &err) == EEI_OK);
    eei_key_free(key);
    key = NULL;
    f = fopen(pem_path, "wb");
    fwrite("\x30\x7f binary, but not DER either", 1, 29, f);
    fclose(f);
    CHECK(eei_key_load_file(pem_path, NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "exactly 32 bytes; this file has 29") != NULL);
    CHECK(eei_key_load_file(dir, NULL, &key, &err) == EEI_ERR_KEY);
    remove_scratch(dir);
    eei_free(pem, pem_len);
    eei_key_free(gen);
}

/* A key encrypted with passphrase (export) and read back with it (load): true when both work. */
static bool passphrase_round_trip(const eei_key *gen, const char *passphrase)
{
    uint8_t *sealed = NULL, fa[EEI_SHA256_SIZE], fb[EEI_SHA256_SIZE];
    size_t sealed_len = 0;
    eei_key *key = NULL;
    bool ok = eei_key_export_encrypted(gen, passphrase, &sealed, &sealed_len, NULL) == EEI_OK &&
              eei_key_load(sealed, sealed_len, passphrase, &key, NULL) == EEI_OK &&
              eei_key_fingerprint(key, fa, NULL) == EEI_OK &&
              eei_key_fingerprint(gen, fb, NULL) == EEI_OK && memcmp(fa, fb, sizeof(fa)) == 0;
    eei_key_free(key);
    eei_free(sealed, sealed_len);
    return ok;
}

/* Export and load take exactly the same passphrases: 1 to 1024 bytes, any but NUL. */
static void test_passphrase_limits(void)
{
    eei_key *gen = NULL, *key = NULL;
    eei_error err;
    CHECK(eei_key_generate(EEI_KEY_P256, &gen, NULL) == EEI_OK);
    char over[1026];
    memset(over, 'x', 1025);
    over[1025] = '\0';
    const char *longest = over + 1; /* 1024 bytes */
    CHECK(passphrase_round_trip(gen, longest));
    CHECK(passphrase_round_trip(gen, "\xc3\xa9t\xc3\xa9 \t\x01\x7f\xff\r\n"));
    CHECK(passphrase_round_trip(gen, "x"));
    /* one byte more, or none: neither exported nor used to load, and said so */
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    CHECK(eei_key_export_encrypted(gen, over, &sealed, &sealed_len, &err) == EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "1025 bytes long, more than the 1024") && !sealed && !sealed_len);
    CHECK(eei_key_export_encrypted(gen, longest, &sealed, &sealed_len, NULL) == EEI_OK);
    CHECK(eei_key_load(sealed, sealed_len, over, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "1025 bytes long, more than the 1024") != NULL);
    CHECK(eei_key_load(sealed, sealed_len, "", &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "the passphrase is empty") != NULL);

    eei_free(sealed, sealed_len);
    eei_key_free(gen);
}

/* What is mistaken for a key (the HMAC key as hex, a certificate) is named, with how to get one. */
static void test_not_a_key_hints(void)
{
    eei_key *key = NULL;
    eei_error err;
    size_t len = 0;
    uint8_t *hmac = read_file("kat/hmac_key.bin", &len);
    char hex[2 * EEI_HMAC_KEY_SIZE + 3];
    for (size_t i = 0; i < EEI_HMAC_KEY_SIZE; i++) {
        snprintf(hex + 2 * i, 3, "%02X", hmac[i]);
    }
    free(hmac);
    strcat(hex, "\r\n");
    CHECK(eei_key_load((const uint8_t *)hex, strlen(hex), NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "HMAC key written as 64 hex digits") &&
          strstr(err.msg, "'xxd -r -p KEY.hex KEY.bin'"));
#ifndef _WIN32 /* the openssl command makes the certificate (on Windows: tests/cli) */
    char dir[200];
    CHECK(check_scratch("cert", dir, sizeof(dir)));
    char cmd[1024], path[300];
    snprintf(path, sizeof(path), "%s/cert.der", dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
             "%s/key.pem -subj /CN=x -days 1 -outform DER -out %s 2>/dev/null",
             dir, path);
    CHECK(system(cmd) == 0);
    uint8_t der[4096];
    FILE *f = fopen(path, "rb");
    size_t der_len = f ? fread(der, 1, sizeof(der), f) : 0;
    if (f) {
        fclose(f);
    }
    CHECK(eei_key_load(der, der_len, NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "not a key but an X.509 certificate") &&
          strstr(err.msg, "'openssl x509 -inform DER -in CERT -pubkey -noout > pub.pem'"));
    remove_scratch(dir);
#endif
}

static void test_hmac_keys(void)
{
    eei_key *key = load_key("kat/hmac_key.bin");
    size_t want_len;
    uint8_t *want = read_file("kat/hmac_device_pub.der", &want_len);
    uint8_t *der = NULL;
    size_t der_len = 0;
    CHECK(eei_key_export(key, EEI_EXPORT_PUBLIC_DER, &der, &der_len, NULL) == EEI_OK);
    CHECK(der_len == 91 && der_len == want_len);
    CHECK(der && memcmp(der, want, want_len) == 0);
    CHECK(eei_key_get_type(key) == EEI_KEY_P256);
    CHECK(eei_key_get_scheme(key) == EEI_SCHEME_ECIES_P256);
    CHECK(eei_key_has_private(key));
    CHECK(eei_key_is_hmac_derived(key));
    eei_key *pub = NULL; /* its public half, as a file of it reads: no secret there */
    CHECK(eei_key_load(der, der_len, NULL, &pub, NULL) == EEI_OK && !eei_key_is_hmac_derived(pub));
    eei_key_free(pub);
    eei_free(der, der_len);
    free(want);
    eei_key_free(key);
    /* its public half, as a PEM file, is a public key like any other */
    key = load_key("kat/hmac_device_pub.pem");
    CHECK(!eei_key_is_hmac_derived(key) && !eei_key_has_private(key));
    eei_key_free(key);

    /* a generated HMAC key derives a usable device key, and the same one every time */
    uint8_t hmac[EEI_HMAC_KEY_SIZE];
    eei_key *a = NULL, *b = NULL;
    CHECK(eei_key_generate_hmac(hmac, &a, NULL) == EEI_OK);
    CHECK(eei_key_from_hmac(hmac, &b, NULL) == EEI_OK);
    uint8_t fa[EEI_SHA256_SIZE], fb[EEI_SHA256_SIZE];
    CHECK(eei_key_fingerprint(a, fa, NULL) == EEI_OK && eei_key_fingerprint(b, fb, NULL) == 0);
    CHECK(memcmp(fa, fb, sizeof(fa)) == 0);
    CHECK(eei_key_is_hmac_derived(a) && eei_key_is_hmac_derived(b));
    eei_key_free(a);
    eei_key_free(b);
}

static void test_exports(const eei_key *rsa_priv, const eei_key *rsa_pub)
{
    uint8_t *out = NULL;
    size_t len = 0;
    CHECK(eei_key_export(rsa_pub, EEI_EXPORT_DEVICE_DER, &out, &len, NULL) == EEI_OK);
    CHECK(len == 398); /* PKCS#1 RSAPublicKey of RSA-3072, as the device exports it */
    eei_free(out, len);
    CHECK(eei_key_export(rsa_pub, EEI_EXPORT_PUBLIC_PEM, &out, &len, NULL) == EEI_OK);
    CHECK(len > 26 && memcmp(out, "-----BEGIN PUBLIC KEY-----", 26) == 0);
    eei_free(out, len);
    eei_error err;
    CHECK(eei_key_export(rsa_pub, EEI_EXPORT_PRIVATE_PEM, &out, &len, &err) == EEI_ERR_KEY);
    CHECK(out == NULL && len == 0);
    CHECK(eei_key_export(rsa_priv, EEI_EXPORT_PRIVATE_PEM, &out, &len, NULL) == EEI_OK);
    eei_key *again = NULL;
    CHECK(eei_key_load(out, len, NULL, &again, NULL) == EEI_OK);
    CHECK(again && eei_key_has_private(again) && eei_key_get_type(again) == EEI_KEY_RSA3072);
    CHECK(!eei_key_is_hmac_derived(again) && !eei_key_is_hmac_derived(rsa_pub));
    eei_key_free(again);
    eei_free(out, len);
    CHECK(eei_key_export(rsa_pub, (eei_export_format)99, &out, &len, NULL) == EEI_ERR_USAGE);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_keys VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");

    test_key_loading();
    test_passphrase_limits();
    test_not_a_key_hints();
    test_hmac_keys();
    test_exports(rsa_priv, rsa_pub);

    eei_key_free(rsa_priv);
    eei_key_free(rsa_pub);
    return check_summary();
}
