/*
 * Signing keys that never leave a PKCS#11 token (an HSM, a smart card, SoftHSM), through
 * libp11: the key is found by an RFC 7512 URI, signs in the token, and only its public half is
 * read out. Built when libp11 is found (EEI_HAVE_PKCS11); without it such a URI is refused.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "crypto/openssl_key.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error/error_internal.h"

#ifdef EEI_HAVE_PKCS11

#include <pthread.h>
#include <stdio.h>

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#define ATTR_MAX 256
#define MODULE_PATH_MAX 4096
#define SHOWN_MAX 512 /* a message is no longer */

/*
 * A loaded module and its slots, shared by every key of this process that lives in it: a module
 * is initialised once per process, and a second context on it would close the first one's
 * sessions. Counted; unloaded with the last key.
 */
struct eei_pkcs11_token {
    char module[MODULE_PATH_MAX];
    PKCS11_CTX *ctx;
    bool loaded; /* libp11 cannot unload what it never loaded */
    PKCS11_SLOT *slots;
    unsigned int nslots;
    unsigned int refs;
    eei_pkcs11_token *next;
};

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static eei_pkcs11_token *modules;

/*
 * Text of a URI or of a token (len bytes, or up to a NUL) for a message, what fits: control
 * bytes and non-ASCII as \xNN, so none of them reaches a terminal.
 */
static const char *shown(const char *text, size_t len, char out[SHOWN_MAX])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; len > 0 && *p; p++, len--) {
        bool plain = *p >= 0x20 && *p < 0x7f;
        if (n + (plain ? 1 : 4) >= SHOWN_MAX) {
            break;
        }
        n += (size_t)(plain ? snprintf(out + n, SHOWN_MAX - n, "%c", *p)
                            : snprintf(out + n, SHOWN_MAX - n, "\\x%02x", *p));
    }
    out[n] = '\0';
    return out;
}
/* shown() of a whole string, into a buffer that lives as long as the block that uses it */
#define SHOWN(text) shown((text), SIZE_MAX, (char[SHOWN_MAX]){0})

static void module_free(eei_pkcs11_token *t)
{
    if (t->slots) {
        PKCS11_release_all_slots(t->ctx, t->slots, t->nslots);
    }
    if (t->loaded) {
        PKCS11_CTX_unload(t->ctx);
    }
    PKCS11_CTX_free(t->ctx);
    free(t);
}

/* Close a token's session and unload its module (NULL is fine). */
static void token_close(eei_pkcs11_token *token)
{
    if (!token) {
        return;
    }
    pthread_mutex_lock(&modules_lock);
    bool last = --token->refs == 0;
    for (eei_pkcs11_token **at = &modules; last && *at; at = &(*at)->next) {
        if (*at == token) {
            *at = token->next;
            break;
        }
    }
    pthread_mutex_unlock(&modules_lock);
    if (last) {
        module_free(token);
    }
}

/*
 * The module at path, loaded and its slots listed (a reference taken); call with the lock held.
 * Known by its real path: two spellings of one module are one module.
 */
static eei_pkcs11_token *module_open(const char *given, eei_error *err)
{
    char real[MODULE_PATH_MAX];
    const char *path = realpath(given, real) ? real : given;
    for (eei_pkcs11_token *t = modules; t; t = t->next) {
        if (strcmp(t->module, path) == 0) {
            t->refs++;
            return t;
        }
    }
    eei_pkcs11_token *t = calloc(1, sizeof(*t));
    if (t) {
        t->ctx = PKCS11_CTX_new();
    }
    if (!t || !t->ctx || strlen(path) >= sizeof(t->module)) {
        if (t) {
            PKCS11_CTX_free(t->ctx);
        }
        free(t);
        eei_fail(err, EEI_ERR_SYSTEM, "PKCS#11: cannot set up the module %s", SHOWN(path));
        return NULL;
    }
    snprintf(t->module, sizeof(t->module), "%s", path);
    if (PKCS11_CTX_load(t->ctx, path) != 0) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: cannot load the module %s", SHOWN(given));
    } else if ((t->loaded = true, PKCS11_enumerate_slots(t->ctx, &t->slots, &t->nslots) != 0)) {
        t->slots = NULL;
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: %s lists no slots", SHOWN(path));
    } else {
        t->refs = 1;
        t->next = modules;
        modules = t;
        return t;
    }
    module_free(t);
    return NULL;
}

/* What a URI names; an attribute not given is empty (id_len 0). */
typedef struct {
    char token[ATTR_MAX], object[ATTR_MAX], serial[ATTR_MAX], manufacturer[ATTR_MAX],
        model[ATTR_MAX], type[ATTR_MAX], module[MODULE_PATH_MAX];
    unsigned char id[ATTR_MAX];
    size_t id_len;
    unsigned int given; /* a bit for each attribute read: none may come twice */
} uri_parts;

/* The value of a hex digit, or -1 for a character that is not one. */
static int hex_value(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1; /* not a status: no digit */
}

/* Percent-decode len chars at s into out (cap bytes), *out_len its length: NULL, or why not. */
static const char *pct_decode(const char *s, size_t len, unsigned char *out, size_t cap,
                              size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++, n++) {
        if (n + 1 >= cap) {
            return "too long";
        }
        if (s[i] != '%') {
            out[n] = (unsigned char)s[i];
            continue;
        }
        int hi = i + 2 < len ? hex_value(s[i + 1]) : -1; /* not a status: no digit */
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;     /* not a status: no digit */
        if (lo < 0) {
            return "not well percent-encoded";
        }
        out[n] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    out[n] = 0;
    *out_len = n;
    return NULL;
}

/* One "name=value" of the URI's path (query: its query) into parts. */
static eei_status uri_attribute(const char *at, size_t len, bool query, uri_parts *parts,
                                eei_error *err)
{
    char text[SHOWN_MAX];
    const char *eq = memchr(at, '=', len);
    if (!eq) {
        return eei_error_set(err, EEI_ERR_KEY, "PKCS#11 URI: '%s' is not name=value",
                             shown(at, len, text));
    }
    size_t name_len = (size_t)(eq - at);
    const char *value = eq + 1;
    size_t value_len = len - name_len - 1;
    static const struct {
        const char *name;
        bool query;
        size_t offset, size;
    } fields[] = {
        {"token", false, offsetof(uri_parts, token), ATTR_MAX},
        {"object", false, offsetof(uri_parts, object), ATTR_MAX},
        {"serial", false, offsetof(uri_parts, serial), ATTR_MAX},
        {"manufacturer", false, offsetof(uri_parts, manufacturer), ATTR_MAX},
        {"model", false, offsetof(uri_parts, model), ATTR_MAX},
        {"type", false, offsetof(uri_parts, type), ATTR_MAX},
        {"id", false, offsetof(uri_parts, id), ATTR_MAX},
        {"module-path", true, offsetof(uri_parts, module), MODULE_PATH_MAX},
    };
    bool pin_attr = name_len >= 4;
    for (size_t i = 0; pin_attr && i < 4; i++) { /* pin-value, pin-source, in any case */
        pin_attr = (at[i] | 0x20) == "pin-"[i];
    }
    if (pin_attr) {
        return eei_error_set(err, EEI_ERR_USAGE,
                             "PKCS#11 URI: a PIN in the URI would be in the command line, where "
                             "others can read it: give it apart");
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].query == query && strlen(fields[i].name) == name_len &&
            memcmp(fields[i].name, at, name_len) == 0) {
            if (parts->given & (1u << i)) { /* which one would win is a guess */
                return eei_error_set(
                    err, EEI_ERR_KEY,
                    "PKCS#11 URI: %s is given twice (RFC 7512: each attribute at most "
                    "once)",
                    fields[i].name);
            }
            parts->given |= 1u << i;
            unsigned char *out = (unsigned char *)parts + fields[i].offset;
            size_t n = 0;
            const char *bad = pct_decode(value, value_len, out, fields[i].size, &n);
            if (bad) {
                return eei_error_set(err, EEI_ERR_KEY, "PKCS#11 URI: the value of %s is %s",
                                     fields[i].name, bad);
            }
            if (out == parts->id) { /* bytes, any of them */
                parts->id_len = n;
            } else if (memchr(out, 0, n)) {
                return eei_error_set(err, EEI_ERR_KEY,
                                     "PKCS#11 URI: the value of %s holds %%00 (a NUL byte): a text "
                                     "ends there, and the rest would be dropped",
                                     fields[i].name);
            }
            return EEI_OK;
        }
    }
    if (!query) { /* RFC 7512: an attribute this reader does not know must not be ignored */
        return eei_error_set(err, EEI_ERR_KEY,
                             "PKCS#11 URI: '%s' is not supported (token, object, id, serial, "
                             "manufacturer, model, type; ?module-path=)",
                             shown(at, name_len, text));
    }
    return EEI_OK; /* query attributes this reader does not use are ignored, as the RFC allows */
}

static eei_status uri_parse(const char *uri, uri_parts *parts, eei_error *err)
{
    memset(parts, 0, sizeof(*parts));
    const char *p = uri + strlen(EEI_PKCS11_URI_PREFIX);
    const char *query = strchr(p, '?');
    const char *path_end = query ? query : p + strlen(p);
    while (p < path_end) {
        const char *end = memchr(p, ';', (size_t)(path_end - p));
        end = end ? end : path_end;
        if (end > p && uri_attribute(p, (size_t)(end - p), false, parts, err) != EEI_OK) {
            return err->status;
        }
        p = end + 1;
    }
    for (p = query ? query + 1 : path_end; *p;) {
        const char *end = strchr(p, '&');
        end = end ? end : p + strlen(p);
        if (end > p && uri_attribute(p, (size_t)(end - p), true, parts, err) != EEI_OK) {
            return err->status;
        }
        p = *end ? end + 1 : end;
    }
    if (parts->type[0] && strcmp(parts->type, "private") != 0) {
        return eei_error_set(err, EEI_ERR_KEY,
                             "PKCS#11 URI: type=%s, where a signing key is type=private",
                             SHOWN(parts->type));
    }
    if (!parts->object[0] && parts->id_len == 0) {
        return eei_error_set(err, EEI_ERR_KEY, "PKCS#11 URI: name the key with object= or id=");
    }
    return EEI_OK;
}

static bool matches(const char *want, const char *have)
{
    return !want[0] || (have && strcmp(want, have) == 0);
}

/* The one token the URI names, or NULL with err set (none, or several: never a guess). */
static PKCS11_SLOT *find_slot(eei_pkcs11_token *t, const uri_parts *parts, eei_error *err)
{
    PKCS11_SLOT *found = NULL;
    unsigned int nfound = 0;
    for (unsigned int i = 0; i < t->nslots; i++) {
        PKCS11_TOKEN *tok = t->slots[i].token;
        if (tok && tok->initialized && matches(parts->token, tok->label) &&
            matches(parts->serial, tok->serialnr) &&
            matches(parts->manufacturer, tok->manufacturer) && matches(parts->model, tok->model)) {
            found = &t->slots[i];
            nfound++;
        }
    }
    if (nfound == 0) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: no token%s%s in %s", parts->token[0] ? " " : "",
                 SHOWN(parts->token), SHOWN(t->module));
        return NULL;
    }
    if (nfound > 1) { /* a PIN tried on the wrong token uses up one of its retries */
        eei_fail(err, EEI_ERR_KEY,
                 "PKCS#11: %u tokens in %s match: name one with token= or serial=", nfound,
                 SHOWN(t->module));
        return NULL;
    }
    return found;
}

/* The one private key the URI names, or NULL with err set. */
static PKCS11_KEY *find_key(PKCS11_SLOT *slot, const uri_parts *parts, eei_error *err)
{
    PKCS11_KEY *keys = NULL, *found = NULL;
    unsigned int nkeys = 0, nfound = 0;
    if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: cannot list the keys of token '%s'",
                 SHOWN(slot->token->label));
        return NULL;
    }
    for (unsigned int i = 0; i < nkeys; i++) {
        if (matches(parts->object, keys[i].label) &&
            (parts->id_len == 0 || (keys[i].id_len == parts->id_len &&
                                    memcmp(keys[i].id, parts->id, parts->id_len) == 0))) {
            found = &keys[i];
            nfound++;
        }
    }
    if (nfound == 0) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: no private key in token '%s' has that %s",
                 SHOWN(slot->token->label),
                 parts->object[0] && parts->id_len ? "label (object=) and id"
                 : parts->object[0]                ? "label (object=)"
                                                   : "id");
        return NULL;
    }
    if (nfound > 1) {
        eei_fail(err, EEI_ERR_KEY,
                 "PKCS#11: %u private keys in token '%s' match: name one with object= and id=",
                 nfound, SHOWN(slot->token->label));
        return NULL;
    }
    return found;
}

/* The slot of the token the URI names, in a session, logged in (NULL: err says why); with the
 * lock held. *token: the module's reference, to close even on failure. */
static PKCS11_SLOT *open_token(const uri_parts *parts, const char *module, const char *pin,
                               eei_pkcs11_token **token, eei_error *err)
{
    module = parts->module[0] ? parts->module : module;
    if (!module || !module[0]) {
        eei_fail(err, EEI_ERR_KEY,
                 "PKCS#11: which module? add ?module-path=/path/to/module.so to the URI");
        return NULL;
    }
    eei_pkcs11_token *t = module_open(module, err);
    if (!t) {
        return NULL;
    }
    *token = t;
    PKCS11_SLOT *slot = find_slot(t, parts, err);
    if (!slot) {
        return NULL;
    }
    const char *label = slot->token->label;
    int logged_in = 0;
    if (PKCS11_is_logged_in(slot, 0, &logged_in) == 0 && logged_in) {
        return slot; /* another key of this token opened it */
    }
    if (PKCS11_open_session(slot, 0) != 0) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: cannot open a session with token '%s'", SHOWN(label));
        return NULL;
    }
    if (slot->token->loginRequired && !pin) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: token '%s' needs its user PIN", SHOWN(label));
        return NULL;
    }
    if (slot->token->loginRequired && PKCS11_login(slot, 0, pin) != 0) {
        eei_fail(err, EEI_ERR_KEY, "PKCS#11: token '%s' refused the PIN", SHOWN(label));
        return NULL;
    }
    return slot;
}

eei_status eei_crypto_key_from_pkcs11(const char *uri, const char *module, const char *pin,
                                      eei_key **out, eei_crypto_refusal *why, eei_error *err)
{
    *out = NULL;
    uri_parts parts;
    if (uri_parse(uri, &parts, err) != EEI_OK) {
        return err->status;
    }
    eei_pkcs11_token *t = NULL;
    PKCS11_KEY *key = NULL;
    EVP_PKEY *signer = NULL, *pub = NULL;
    pthread_mutex_lock(&modules_lock);
    PKCS11_SLOT *slot = open_token(&parts, module, pin, &t, err);
    if (slot) {
        key = find_key(slot, &parts, err);
    }
    eei_status rc = EEI_OK;
    if (!key) { /* open_token or find_key said why */
        rc = err->status != EEI_OK ? err->status : EEI_ERR_KEY;
    }
    if (rc == EEI_OK && !(signer = PKCS11_get_private_key(key))) {
        rc = eei_error_set(err, EEI_ERR_KEY, "PKCS#11: cannot use the key '%s'", SHOWN(key->label));
    }
    if (rc == EEI_OK) { /* the public half, as a key of this process: it lays out and verifies */
        unsigned char *der = NULL;
        int len = i2d_PUBKEY(signer, &der);
        const unsigned char *p = der;
        pub = len > 0 ? d2i_PUBKEY(NULL, &p, len) : NULL;
        OPENSSL_free(der);
        if (!pub) {
            rc =
                eei_error_set(err, EEI_ERR_KEY,
                              "PKCS#11: the token does not give the public half of '%s' (store its "
                              "public key object with the same id)",
                              SHOWN(key->label));
        }
    }
    if (rc == EEI_OK) {
        rc = eei_openssl_key_wrap(pub, true, out, why, err);
        pub = NULL; /* taken over, or freed */
    }
    pthread_mutex_unlock(&modules_lock);
    if (rc == EEI_OK) {
        (*out)->signer = signer;
        (*out)->token = t;
        (*out)->token_close = token_close;
        ERR_clear_error();
        return EEI_OK;
    }
    EVP_PKEY_free(pub);
    EVP_PKEY_free(signer);
    token_close(t);
    return rc; /* *why EEI_CRYPTO_KEY_KIND too: the caller says what signs */
}

#else /* no libp11: no key lives in a token */

eei_status eei_crypto_key_from_pkcs11(const char *uri, const char *module, const char *pin,
                                      eei_key **out, eei_crypto_refusal *why, eei_error *err)
{
    (void)uri;
    (void)module;
    (void)why;
    (void)pin;
    *out = NULL;
#ifdef _WIN32
    return eei_error_set(err, EEI_ERR_KEY,
                         "the Windows build has no PKCS#11 support: a key in a token (pkcs11: URI) "
                         "signs with the Linux or macOS build; here, give a key file");
#else
    return eei_error_set(
        err, EEI_ERR_KEY,
        "this build has no PKCS#11 support (libp11 was not found when it was built: "
        "install libp11-dev and rebuild)");
#endif
}

#endif
