/*
 * Secure Boot V2: signing an app as it streams by, and checking a signed app's blocks. The
 * layout is format.h's; the signatures are the crypto interface's; the check of a sector and its
 * blocks is the shared one (eei_core/sb_check.h, the device's too) over the bytes a stream kept.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eei_core/sb_check.h"
#include "error/error_internal.h"

#define DIGEST_MAX 48u

/* The two digests a signature can sign: SHA-256 (RSA-3072, P-256) and SHA-384 (P-384). */
typedef struct {
    eei_sha256 *sha256, *sha384;
} app_digests;

static eei_status digests_start(app_digests *d, bool sha256, bool sha384, eei_error *err)
{
    memset(d, 0, sizeof(*d));
    eei_status st = sha256 ? eei_crypto_hash_start(&d->sha256, 32, err) : EEI_OK;
    if (st == EEI_OK && sha384) {
        st = eei_crypto_hash_start(&d->sha384, 48, err);
    }
    return st;
}

static void digests_update(app_digests *d, const uint8_t *data, size_t len)
{
    if (d->sha256) {
        eei_crypto_sha256_update(d->sha256, data, len);
    }
    if (d->sha384) {
        eei_crypto_sha256_update(d->sha384, data, len);
    }
}

/* The 0xFF bytes that pad an app of app_len bytes to its signature sector. */
static void digests_pad(app_digests *d, uint64_t app_len)
{
    static const uint8_t ff[64] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (uint64_t pad = eei_sb_padded_size(app_len) - app_len; pad > 0;) {
        size_t n = pad < sizeof(ff) ? (size_t)pad : sizeof(ff);
        digests_update(d, ff, n);
        pad -= n;
    }
}

/* Both digests, final (the one not computed stays zero). */
static void digests_finish(app_digests *d, uint8_t d256[32], uint8_t d384[48])
{
    memset(d256, 0, 32);
    memset(d384, 0, 48);
    if (d->sha256) {
        eei_crypto_sha256_finish(d->sha256, d256);
    }
    if (d->sha384) {
        eei_crypto_sha256_finish(d->sha384, d384);
    }
}

static void digests_free(app_digests *d)
{
    eei_crypto_sha256_free(d->sha256);
    eei_crypto_sha256_free(d->sha384);
    memset(d, 0, sizeof(*d));
}

static const uint8_t *digest_for(size_t len, const uint8_t d256[32], const uint8_t d384[48])
{
    return len == 48 ? d384 : d256;
}

/* One signature block of key over digest. */
static eei_status make_block(const eei_key *key, const uint8_t *digest,
                             uint8_t block[EEI_SB_BLOCK_SIZE], eei_error *err)
{
    uint8_t field[EEI_SB_RSA_KEY_SIZE], sig[EEI_SB_RSA_BYTES];
    size_t field_len = 0, sig_len = 0, digest_len = eei_crypto_sb_digest_size(key);
    eei_status st = eei_crypto_sb_key_field(key, field, &field_len, err);
    if (st == EEI_OK) {
        st = eei_crypto_sb_sign(key, digest, sig, &sig_len, err);
    }
    if (st != EEI_OK) {
        return st;
    }
    memset(block, 0, EEI_SB_BLOCK_SIZE);
    block[0] = EEI_SB_MAGIC;
    bool rsa = eei_crypto_key_type(key) == EEI_KEY_RSA3072;
    block[1] = rsa ? EEI_SB_VERSION_RSA : EEI_SB_VERSION_ECDSA;
    block[EEI_SB_OFF_HASH] = !rsa && digest_len == 48 ? EEI_SB_HASH_SHA384 : EEI_SB_HASH_SHA256;
    memcpy(block + EEI_SB_OFF_DIGEST, digest, digest_len);
    memcpy(block + EEI_SB_OFF_DIGEST + digest_len, field, field_len);
    memcpy(block + EEI_SB_OFF_DIGEST + digest_len + field_len, sig, sig_len);
    eei_sb_block_seal(block);
    return EEI_OK;
}

/* ---- signing ---- */

struct eei_sign_ctx {
    const eei_key *keys[EEI_SB_BLOCKS_MAX];
    size_t nkeys;
    uint8_t kept[EEI_SB_BLOCKS_MAX][EEI_SB_BLOCK_SIZE]; /* blocks already there (append) */
    size_t nkept;
    app_digests digests;
    eei_app_walk walk; /* where a device will read the sector: it must be where it goes */
    uint64_t app_len;
};

/* The valid blocks at the start of a signature sector; a damaged one is refused. */
static eei_status keep_blocks(eei_sign_ctx *ctx, const uint8_t sector[EEI_SB_SECTOR_SIZE],
                              eei_error *err)
{
    for (size_t i = 0; i < EEI_SB_BLOCKS_MAX; i++) {
        const uint8_t *block = sector + i * EEI_SB_BLOCK_SIZE;
        eei_sb_block b;
        eei_sb_err e = eei_sb_block_parse(block, &b);
        if (e == EEI_SB_EMPTY) {
            break;
        }
        if (e != EEI_SB_OK) {
            return eei_error_set(err, EEI_ERR_REJECTED, "signature block %zu: %s", i,
                                 eei_sb_strerror(e));
        }
        memcpy(ctx->kept[ctx->nkept++], block, EEI_SB_BLOCK_SIZE);
    }
    if (ctx->nkept == 0) {
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "no signature block to append to: the input is not a signed app");
    }
    return EEI_OK;
}

eei_status eei_sign_new(const eei_key *const *keys, size_t nkeys, const uint8_t *keep_sector,
                        eei_sign_ctx **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    eei_sign_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    eei_status st = keep_sector ? keep_blocks(ctx, keep_sector, err) : EEI_OK;
    if (st == EEI_OK && (nkeys == 0 || nkeys > EEI_SB_BLOCKS_MAX)) {
        st = eei_error_set(err, EEI_ERR_USAGE,
                           "%zu signing keys: a signature sector holds 1 to %u blocks", nkeys,
                           EEI_SB_BLOCKS_MAX);
    } else if (st == EEI_OK && ctx->nkept + nkeys > EEI_SB_BLOCKS_MAX) {
        st = eei_error_set(err, EEI_ERR_REJECTED,
                           "%zu block(s) there and %zu new: a signature sector holds 1 to %u "
                           "blocks",
                           ctx->nkept, nkeys, EEI_SB_BLOCKS_MAX);
    }
    bool sha256 = false, sha384 = false;
    for (size_t i = 0; st == EEI_OK && i < nkeys; i++) {
        if (!eei_crypto_key_has_private(keys[i])) {
            st = eei_error_set(err, EEI_ERR_KEY,
                               "signing key %zu is a public key: give the private key", i + 1);
        } else if (eei_crypto_key_from_hmac_key(keys[i])) {
            st = eei_error_set(err, EEI_ERR_KEY,
                               "signing key %zu is 32 raw bytes, read as a device's eFuse HMAC "
                               "key: a signing key is a PEM or DER private key",
                               i + 1);
        }
        ctx->keys[ctx->nkeys++] = keys[i];
        sha384 |= eei_crypto_sb_digest_size(keys[i]) == 48;
        sha256 |= eei_crypto_sb_digest_size(keys[i]) == 32;
    }
    for (size_t i = 0; st == EEI_OK && i < ctx->nkept; i++) {
        eei_sb_block b;
        eei_sb_block_parse(ctx->kept[i], &b);
        sha384 |= b.digest_len == 48;
        sha256 |= b.digest_len == 32;
    }
    st = st == EEI_OK ? digests_start(&ctx->digests, sha256, sha384, err) : st;
    if (st != EEI_OK) {
        eei_sign_free(ctx);
        return st;
    }
    eei_app_walk_init(&ctx->walk);
    *out = ctx;
    return EEI_OK;
}

void eei_sign_update(eei_sign_ctx *ctx, const uint8_t *app, size_t len)
{
    if (len == 0) {
        return;
    }
    eei_app_walk_update(&ctx->walk, app, len);
    digests_update(&ctx->digests, app, len);
    ctx->app_len += len;
}

/*
 * The sector goes after the data, padded to 4096; a device reads an app's right after its
 * layout, rounded up. Past that, bytes after the layout would put it where no device looks.
 */
static eei_status sector_reachable(eei_sign_ctx *ctx, eei_error *err)
{
    eei_app_head head;
    uint64_t at = 0;
    eei_app_walk_finish(&ctx->walk, &head);
    if (eei_sb_sector_place(&ctx->walk, ctx->app_len, &at) != EEI_SB_AFTER_APP ||
        ctx->app_len <= at) {
        return EEI_OK;
    }
    unsigned long long end = eei_app_walk_layout_end(&ctx->walk);
    return eei_error_set(err, EEI_ERR_REJECTED,
                         "the app's layout ends at byte %llu, but the input has %llu bytes: a "
                         "device reads the signature sector at byte %llu (the layout's end "
                         "rounded up to 4096), inside the bytes after it, and would refuse the "
                         "app. Sign the app alone, its first %llu bytes",
                         end, (unsigned long long)ctx->app_len, (unsigned long long)at, end);
}

eei_status eei_sign_final(eei_sign_ctx *ctx, uint8_t tail[EEI_SIGN_TAIL_MAX], size_t *tail_len,
                          eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *tail_len = 0;
    if (ctx->app_len == 0 && ctx->nkept == 0) {
        return eei_error_set(err, EEI_ERR_FILE, "the app is empty: nothing to sign");
    }
    eei_status st = sector_reachable(ctx, err);
    if (st != EEI_OK) {
        return st;
    }
    uint8_t d256[32], d384[48];
    size_t pad = (size_t)(eei_sb_padded_size(ctx->app_len) - ctx->app_len);
    digests_pad(&ctx->digests, ctx->app_len);
    digests_finish(&ctx->digests, d256, d384);
    uint8_t *sector = tail + pad;
    memset(tail, EEI_SB_PAD, pad + EEI_SB_SECTOR_SIZE);
    for (size_t i = 0; st == EEI_OK && i < ctx->nkept; i++) { /* blocks kept must sign this app */
        eei_sb_block b;
        eei_sb_block_parse(ctx->kept[i], &b);
        if (eei_core_sb_block_verify(&eei_core_crypto_openssl, &b,
                                     digest_for(b.digest_len, d256, d384)) ==
            EEI_CORE_BLOCK_DIGEST) {
            st = eei_error_set(err, EEI_ERR_REJECTED,
                               "signature block %zu signs another app than the one it follows: "
                               "the app was changed after it was signed",
                               i);
        }
        memcpy(sector + i * EEI_SB_BLOCK_SIZE, ctx->kept[i], EEI_SB_BLOCK_SIZE);
    }
    for (size_t i = 0; st == EEI_OK && i < ctx->nkeys; i++) {
        const eei_key *key = ctx->keys[i];
        st = make_block(key, digest_for(eei_crypto_sb_digest_size(key), d256, d384),
                        sector + (ctx->nkept + i) * EEI_SB_BLOCK_SIZE, err);
    }
    if (st == EEI_OK) {
        *tail_len = pad + EEI_SB_SECTOR_SIZE;
    }
    return st;
}

void eei_sign_free(eei_sign_ctx *ctx)
{
    if (ctx) {
        digests_free(&ctx->digests);
        free(ctx);
    }
}

/* ---- checking a signed app ---- */

void eei_sb_report_clear(eei_sb_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    for (size_t i = 0; i < EEI_SB_BLOCKS_MAX; i++) { /* nothing read: nothing verified */
        rep->blocks[i].state = EEI_SB_EMPTY;
        rep->blocks[i].verified_by = -1;
    }
}

/*
 * A signed app is read as it streams by, and walked: the walk says where a device reads its
 * signature sector (eei_sb_sector_place). An app's is after its layout: the sector there is
 * kept as it goes by, and the digests take the bytes before it. The last two sectors seen stay
 * in a window besides: the last one is the sector of data that is not an app (or a misplaced
 * one), and a sector of blocks before it shows an app signed twice.
 */
#define WINDOW (2u * EEI_SB_SECTOR_SIZE)

struct eei_sb_check {
    app_digests digests;
    eei_app_walk walk;
    uint64_t seen;
    uint64_t passed; /* bytes that left the window, digested up to an app's sector */
    uint8_t window[WINDOW];
    size_t fill;
    uint64_t sector_at; /* an app's sector: where a device reads it, once known (else 0) */
    uint8_t sector[EEI_SB_SECTOR_SIZE]; /* its 4096 bytes, as they went by */
};

eei_status eei_sb_check_new(eei_sb_check **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    eei_sb_check *chk = calloc(1, sizeof(*chk));
    if (!chk) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    eei_status st = digests_start(&chk->digests, true, true, err);
    if (st != EEI_OK) {
        eei_sb_check_free(chk);
        return st;
    }
    eei_app_walk_init(&chk->walk);
    *out = chk;
    return EEI_OK;
}

/* Bytes that left the window, in order: digested when they lie before an app's sector. */
static void digest_passed(eei_sb_check *chk, const uint8_t *data, size_t len, uint64_t limit)
{
    uint64_t room = chk->passed < limit ? limit - chk->passed : 0;
    digests_update(&chk->digests, data, room < len ? (size_t)room : len);
    chk->passed += len;
}

void eei_sb_check_update(eei_sb_check *chk, const uint8_t *data, size_t len)
{
    if (len == 0) {
        return;
    }
    /* walked first: an app's sector is known before any byte past its layout is digested */
    eei_app_walk_update(&chk->walk, data, len);
    uint64_t at = 0, limit = UINT64_MAX;
    if (eei_sb_sector_place(&chk->walk, chk->seen + len, &at) == EEI_SB_AFTER_APP) {
        limit = chk->sector_at = at;
        uint64_t from = at > chk->seen ? at : chk->seen;
        uint64_t to =
            chk->seen + len < at + EEI_SB_SECTOR_SIZE ? chk->seen + len : at + EEI_SB_SECTOR_SIZE;
        if (from < to) {
            memcpy(chk->sector + (from - at), data + (from - chk->seen), (size_t)(to - from));
        }
    }
    chk->seen += len;
    if (chk->fill + len > WINDOW) { /* what leaves the window is app */
        size_t out = chk->fill + len - WINDOW;
        size_t from_window = out < chk->fill ? out : chk->fill;
        digest_passed(chk, chk->window, from_window, limit);
        memmove(chk->window, chk->window + from_window, chk->fill - from_window);
        chk->fill -= from_window;
        digest_passed(chk, data, out - from_window, limit);
        data += out - from_window;
        len -= out - from_window;
    }
    memcpy(chk->window + chk->fill, data, len);
    chk->fill += len;
}

/*
 * The core's reads of what a check kept: an app's sector as it went by, and the last 8192 bytes.
 * A reader of the core (eei_core_read_fn): it answers in the core's codes.
 */
static int kept_read(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    const eei_sb_check *chk = ctx;
    uint64_t window = chk->seen - chk->fill, at = chk->sector_at;
    if (at > 0 && offset >= at && offset + len <= at + EEI_SB_SECTOR_SIZE &&
        offset + len <= chk->seen) {
        memcpy(buf, chk->sector + (offset - at), len);
    } else if (offset >= window && offset + len <= chk->seen) {
        memcpy(buf, chk->window + (offset - window), len);
    } else {
        return EEI_CC_E_READ;
    }
    return EEI_CC_OK;
}

/*
 * Which sector's blocks rep describes, in the shared check's verdict: where a device reads it,
 * or, when there is nothing there, a sector of blocks that ends the data elsewhere (misplaced: it
 * fails, and says where).
 */
static eei_status locate(eei_sb_check *chk, eei_app_err layout, eei_sb_report *rep, eei_error *err)
{
    uint64_t seen = chk->seen, at = rep->device_offset;
    unsigned long long where = at, end = rep->layout_end;
    uint8_t block[EEI_SB_BLOCK_SIZE];
    eei_core_sector v = eei_core_sb_sector(&chk->walk, seen, kept_read, chk, block, &at);
    bool app = rep->place == EEI_SB_AFTER_APP;
    switch (v) {
    case EEI_CORE_SECTOR_OK:
        rep->signed_size = at;
        return EEI_OK;
    case EEI_CORE_SECTOR_NO_ROOM:
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "not a signed app: %llu bytes of %s%s%s, where such a signed file "
                             "ends with its signature sector: a multiple of 4096 bytes, at least "
                             "8192",
                             (unsigned long long)seen,
                             layout == EEI_APP_NOT_APP ? "data that is not an app binary"
                                                       : "an app whose layout is wrong (",
                             layout == EEI_APP_NOT_APP ? "" : eei_app_strerror(layout),
                             layout == EEI_APP_NOT_APP ? "" : ")");
    case EEI_CORE_SECTOR_TWICE:
        if (!app) {
            return eei_error_set(err, EEI_ERR_REJECTED,
                                 "signed twice: a signature sector follows another one (sign the "
                                 "unsigned app, or add blocks with --append); a device reads the "
                                 "first");
        }
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "signed twice: a signature sector follows another one (sign the "
                             "unsigned app, or add blocks with --append); a device reads the "
                             "first, at byte %llu",
                             where);
    case EEI_CORE_SECTOR_TRAILING:
        if (!app) {
            return eei_error_set(err, EEI_ERR_REJECTED,
                                 "4096 bytes follow the signature sector at byte %llu: a device "
                                 "reads the last 4096 bytes of data that is not an app binary as "
                                 "its signature sector, and there is no block there",
                                 (unsigned long long)at);
        }
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "%llu bytes follow the signature sector at byte %llu, where a "
                             "device reads it (after the app's layout): a signed app ends with "
                             "its sector",
                             (unsigned long long)(seen - at - EEI_SB_SECTOR_SIZE), where);
    case EEI_CORE_SECTOR_MISPLACED:
        rep->misplaced = true;
        rep->signed_size = at;
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "the signature sector is at byte %llu, but a device reads it at "
                             "byte %llu (the app's layout ends at byte %llu; rounded up to "
                             "4096): its blocks do not cover the app as a device reads it. Sign "
                             "the app alone, its first %llu bytes",
                             (unsigned long long)at, where, end, end);
    case EEI_CORE_SECTOR_NONE:
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "not a signed app: no signature block at byte %llu, where a device "
                             "reads the signature sector (after the app's layout, which ends at "
                             "byte %llu)",
                             where, end);
    case EEI_CORE_SECTOR_READ:
        break;
    }
    return eei_error_set(err, EEI_ERR_SYSTEM, "the signature sector was not kept as it went by");
}

/* Which of keys (if any) carries the key of block b: its index, or -1 (verified_by's none). */
static int given_key(const eei_sb_block *b, const eei_key *const *keys, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++) {
        uint8_t field[EEI_SB_RSA_KEY_SIZE];
        size_t field_len = 0;
        eei_error ignored;
        if (eei_crypto_sb_digest_size(keys[k]) == b->digest_len &&
            eei_crypto_sb_key_field(keys[k], field, &field_len, &ignored) == EEI_OK &&
            field_len == b->key_len && memcmp(field, b->key, field_len) == 0) {
            return (int)k;
        }
    }
    return -1; /* not a status: no key's index */
}

eei_status eei_sb_check_final(eei_sb_check *chk, const eei_key *const *keys, size_t nkeys,
                              eei_sb_report *rep, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    eei_sb_report_clear(rep);
    eei_app_head head;
    eei_app_err layout = eei_app_walk_finish(&chk->walk, &head);
    rep->place = eei_sb_sector_place(&chk->walk, chk->seen, &rep->device_offset);
    rep->layout_end = eei_app_walk_layout_end(&chk->walk);
    eei_status st = locate(chk, layout, rep, err);
    if (st != EEI_OK && !rep->misplaced) {
        return st;
    }
    uint8_t d256[32] = {0}, d384[48] = {0};
    if (!rep->misplaced) { /* what is still in the window before the sector is app too */
        uint64_t in_window = chk->seen - chk->fill;
        uint64_t before = rep->signed_size > in_window ? rep->signed_size - in_window : 0;
        digests_update(&chk->digests, chk->window, (size_t)before);
        digests_finish(&chk->digests, d256, d384);
    }
    const eei_core_crypto *c = &eei_core_crypto_openssl;
    for (size_t i = 0; i < EEI_SB_BLOCKS_MAX; i++) {
        eei_sb_block_info *info = &rep->blocks[i];
        uint8_t bytes[EEI_SB_BLOCK_SIZE];
        eei_sb_block b;
        if (kept_read(chk, rep->signed_size + i * EEI_SB_BLOCK_SIZE, bytes, sizeof(bytes)) !=
            EEI_CC_OK) {
            return eei_error_set(err, EEI_ERR_SYSTEM, "the signature sector was not kept");
        }
        eei_core_block v = eei_core_sb_block_open(c, bytes, &b, &info->state, info->key_digest);
        if (v == EEI_CORE_BLOCK_EMPTY) {
            break;
        }
        rep->count++;
        if (v == EEI_CORE_BLOCK_CRYPTO) {
            return eei_error_set(err, EEI_ERR_SYSTEM, "cannot set up SHA-256");
        }
        if (v != EEI_CORE_BLOCK_OK) {
            continue;
        }
        info->version = b.version;
        info->curve = b.curve;
        if (rep->misplaced) { /* a device never reads these: they cover nothing it reads */
            continue;
        }
        v = eei_core_sb_block_verify(c, &b, digest_for(b.digest_len, d256, d384));
        info->digest_matches = v != EEI_CORE_BLOCK_DIGEST;
        if (v == EEI_CORE_BLOCK_OK) {
            info->verified_by = given_key(&b, keys, nkeys);
        }
    }
    eei_crypto_report_errors(NULL);
    if (st != EEI_OK) {
        return st;
    }
    if (rep->count == 0) {
        return eei_error_set(err, EEI_ERR_REJECTED, "not a signed app: no signature block");
    }
    return EEI_OK;
}

void eei_sb_check_free(eei_sb_check *chk)
{
    if (chk) {
        digests_free(&chk->digests);
        free(chk);
    }
}

eei_status eei_key_sb_digest(const eei_key *key, uint8_t digest[EEI_SHA256_SIZE], eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    uint8_t field[EEI_SB_RSA_KEY_SIZE];
    size_t len = 0;
    eei_sha256 *sha = NULL;
    eei_status st = eei_crypto_sb_key_field(key, field, &len, err);
    if (st == EEI_OK) {
        st = eei_crypto_sha256_start(&sha, err);
    }
    if (st != EEI_OK) {
        return st;
    }
    eei_crypto_sha256_update(sha, field, len);
    eei_crypto_sha256_finish(sha, digest);
    eei_crypto_sha256_free(sha);
    return EEI_OK;
}
