/*
 * What an app binary says about itself, read as it streams by: its descriptor and layout
 * (format.h's walker), whether its appended SHA-256 matches, and its Secure Boot V2 blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "engine/app_scan.h"
#include "error/error_internal.h"

struct eei_app_scan {
    eei_app_walk walk;
    eei_sha256 *sha;   /* what the appended SHA-256 covers */
    eei_sb_check *chk; /* the signature sector; NULL once the data is known not to be an app */
    bool need_signature;
};

void eei_app_info_clear(eei_app_info *info)
{
    memset(info, 0, sizeof(*info));
    info->layout = EEI_APP_NOT_APP;
    eei_sb_report_clear(&info->sig);
}

eei_status eei_app_scan_start(eei_app_scan **out, bool need_signature, eei_error *err)
{
    *out = NULL;
    eei_app_scan *scan = calloc(1, sizeof(*scan));
    if (!scan) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    eei_app_walk_init(&scan->walk);
    scan->need_signature = need_signature;
    eei_status st = eei_crypto_sha256_start(&scan->sha, err);
    if (st == EEI_OK) {
        st = eei_sb_check_new(&scan->chk, err);
    }
    if (st != EEI_OK) {
        eei_app_scan_free(scan);
        return st;
    }
    *out = scan;
    return EEI_OK;
}

eei_status eei_app_scan_new(eei_app_scan **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    return eei_app_scan_start(out, false, err);
}

void eei_app_scan_update(eei_app_scan *scan, const uint8_t *data, size_t len)
{
    if (len == 0) {
        return;
    }
    size_t covered = eei_app_walk_update(&scan->walk, data, len);
    if (covered > 0) {
        eei_crypto_sha256_update(scan->sha, data, covered);
    }
    eei_app_err state = scan->walk.state;
    if (scan->chk && !scan->need_signature &&
        (state == EEI_APP_NOT_APP || state == EEI_APP_BAD_SEGMENTS)) {
        eei_sb_check_free(scan->chk); /* no app, no signed app: nothing more to read */
        scan->chk = NULL;
    }
    if (scan->chk) {
        eei_sb_check_update(scan->chk, data, len);
    }
}

bool eei_app_scan_wants_more(const eei_app_scan *scan)
{
    const eei_app_walk *w = &scan->walk;
    if (scan->need_signature) {
        return true;
    }
    switch (w->state) {
    case EEI_APP_WALKING:
        return true;
    case EEI_APP_OK: /* a signature sector ends a sector after the padded app, or there is none */
        return w->pos <= eei_sb_padded_size(eei_app_walk_size(w)) + EEI_SB_SECTOR_SIZE;
    default: /* not an app, or a broken one: nothing after it changes the verdict */
        return false;
    }
}

eei_status eei_app_scan_final(eei_app_scan *scan, const eei_key *const *keys, size_t nkeys,
                              eei_app_info *info, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    eei_app_info_clear(info);
    info->layout = eei_app_walk_finish(&scan->walk, &info->head);
    info->size = eei_app_walk_size(&scan->walk);
    if (info->layout == EEI_APP_OK && info->head.hash_appended) {
        uint8_t got[EEI_SHA256_SIZE];
        eei_crypto_sha256_finish(scan->sha, got);
        info->hash_matches = memcmp(got, eei_app_walk_hash(&scan->walk), sizeof(got)) == 0;
    }
    if (!scan->chk) {
        return EEI_OK;
    }
    eei_error quiet = {EEI_OK, ""};
    eei_status st =
        eei_sb_check_final(scan->chk, keys, nkeys, &info->sig, scan->need_signature ? err : &quiet);
    info->signature_sector = st == EEI_OK;
    /* an app, not a signed one: its report holds blocks only when they are misplaced */
    return scan->need_signature ? st : EEI_OK;
}

void eei_app_scan_free(eei_app_scan *scan)
{
    if (scan) {
        eei_crypto_sha256_free(scan->sha);
        eei_sb_check_free(scan->chk);
        free(scan);
    }
}
