/*
 * libesp_enc_img through its public header: app binaries (lib/engine/app.c): what an app says about
 * itself, plain or inside an image, read in pieces of any size, with its signature blocks. argv[1]:
 * the vectors folder (its keys are read at test time).
 */

#include "lib_fixture.h"

#include "app_fixture.h"

/* A fixture app with its real SHA-256 appended; its length. */
static size_t real_app(uint8_t *buf)
{
    size_t n = fixture_app(buf, 30);
    eei_sha256 *sha = NULL;
    CHECK(eei_sha256_new(&sha, NULL) == EEI_OK);
    eei_sha256_update(sha, buf, n - EEI_APP_HASH_SIZE);
    eei_sha256_final(sha, buf + n - EEI_APP_HASH_SIZE);
    eei_sha256_free(sha);
    return n;
}

static eei_status scan_all(const uint8_t *data, size_t len, size_t step, const eei_key *const *keys,
                           size_t nkeys, eei_app_info *info)
{
    eei_app_scan *scan = NULL;
    eei_status st = eei_app_scan_new(&scan, NULL);
    for (size_t at = 0; st == EEI_OK && at < len; at += step) {
        eei_app_scan_update(scan, data + at, len - at < step ? len - at : step);
    }
    st = st == EEI_OK ? eei_app_scan_final(scan, keys, nkeys, info, NULL) : st;
    eei_app_scan_free(scan);
    return st;
}

static void test_app_scan(const eei_key *rsa_priv, const eei_key *dev_pub, const eei_key *dev)
{
    static uint8_t app[FIXTURE_APP_BUF];
    size_t n = real_app(app);
    eei_app_info info;
    for (size_t step = 1; step < n + 10; step += 37) {
        CHECK(scan_all(app, n, step, NULL, 0, &info) == EEI_OK);
        CHECK(info.layout == EEI_APP_OK && info.size == n && info.hash_matches);
        CHECK(!info.signature_sector && info.sig.count == 0);
    }
    CHECK(strcmp(info.head.project, "blinky") == 0 && info.head.secure_version == 7);
    /* a changed byte the checksum does not see (the descriptor's text is in it: the padding) */
    app[n - EEI_APP_HASH_SIZE - 2] ^= 1;
    CHECK(scan_all(app, n, 100, NULL, 0, &info) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && !info.hash_matches);
    app[n - EEI_APP_HASH_SIZE - 2] ^= 1;
    /* not an app: said, and no error */
    CHECK(scan_all(app + 1, n - 1, 100, NULL, 0, &info) == EEI_OK);
    CHECK(info.layout == EEI_APP_NOT_APP && !info.signature_sector);

    /* signed: the blocks are read; with the key, verified */
    const eei_key *signers[1] = {rsa_priv};
    size_t signed_len = 0;
    eei_status st;
    uint8_t *sapp = sign_all(signers, 1, NULL, app, n, &signed_len, &st);
    CHECK(st == EEI_OK && signed_len == 8192);
    CHECK(scan_all(sapp, signed_len, 4000, NULL, 0, &info) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && info.hash_matches && info.signature_sector);
    CHECK(info.sig.count == 1 && info.sig.blocks[0].digest_matches);
    CHECK(info.sig.blocks[0].verified_by == -1);
    CHECK(scan_all(sapp, signed_len, 4000, signers, 1, &info) == EEI_OK);
    CHECK(info.sig.blocks[0].verified_by == 0);
    CHECK(info.sig.place == EEI_SB_AFTER_APP && info.sig.device_offset == 4096);
    CHECK(info.sig.layout_end == n && info.sig.signed_size == 4096 && !info.sig.misplaced);

    /* where a device reads the sector: after the app's layout, not at the end of the data */
    static uint8_t junk[4 * 4096];
    memcpy(junk, app, n);
    memset(junk + n, 0xa5, 2 * 4096 - n); /* bytes after the app, past its last sector */
    memset(junk + 2 * 4096, 0xff, 4096);
    memcpy(junk + 3 * 4096, sapp + 4096, 4096); /* a sector at the end, where none is read */
    eei_sb_report rep;
    eei_error err;
    CHECK(check_all(junk, sizeof(junk), signers, 1, &rep) == EEI_ERR_REJECTED);
    CHECK(rep.misplaced && rep.signed_size == 3 * 4096 && rep.device_offset == 4096);
    CHECK(rep.place == EEI_SB_AFTER_APP && rep.layout_end == n);
    CHECK(rep.count == 1 && rep.blocks[0].state == EEI_SB_OK);
    CHECK(!rep.blocks[0].digest_matches && rep.blocks[0].verified_by == -1);
    eei_io jio = {.data = junk, .size = sizeof(junk)};
    CHECK(eei_sb_check_stream(&jio, signers, 1, &rep, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "at byte 12288, but a device reads it at byte 4096") != NULL);
    CHECK(scan_all(junk, sizeof(junk), 3000, NULL, 0, &info) == EEI_OK); /* said, no error */
    CHECK(info.layout == EEI_APP_OK && !info.signature_sector && info.sig.misplaced);
    CHECK(info.sig.count == 1 && info.sig.signed_size == 3 * 4096);
    /* the sector where a device reads it, then bytes: refused, and not misplaced */
    memcpy(junk, sapp, signed_len);
    CHECK(check_all(junk, signed_len + 100, signers, 1, &rep) == EEI_ERR_REJECTED);
    CHECK(!rep.misplaced && rep.count == 0 && rep.device_offset == 4096);
    /* bytes after the layout within its last sector: a device hashes them too, so they sign */
    memcpy(junk, app, n);
    memset(junk + n, 0x5a, 100);
    uint8_t *tailed = sign_all(signers, 1, NULL, junk, n + 100, &signed_len, &st);
    CHECK(st == EEI_OK && signed_len == 8192);
    CHECK(check_all(tailed, signed_len, signers, 1, &rep) == EEI_OK);
    CHECK(rep.blocks[0].verified_by == 0 && rep.signed_size == 4096);
    free(tailed);
    /* past it they cannot: the signer refuses what no device would boot */
    memset(junk + n, 0x5a, 4096);
    CHECK(!sign_all(signers, 1, NULL, junk, 4096 + 1, &signed_len, &st));
    CHECK(st == EEI_ERR_REJECTED);
    /* data that is not an app: its last sector, and the report says by which rule */
    CHECK(check_all(sapp + 1, 8191, NULL, 0, &rep) == EEI_ERR_REJECTED &&
          rep.place == EEI_SB_AT_END);
    /* nothing to read, from NULL: nothing changes */
    eei_sb_check *chk = NULL;
    CHECK(eei_sb_check_new(&chk, NULL) == EEI_OK);
    eei_sb_check_update(chk, NULL, 0);
    eei_sb_check_update(chk, sapp, 8192);
    eei_sb_check_update(chk, NULL, 0);
    CHECK(eei_sb_check_final(chk, signers, 1, &rep, NULL) == EEI_OK);
    CHECK(rep.blocks[0].verified_by == 0);
    eei_sb_check_free(chk);
    eei_app_scan *scan = NULL;
    CHECK(eei_app_scan_new(&scan, NULL) == EEI_OK);
    eei_app_scan_update(scan, NULL, 0);
    eei_app_scan_update(scan, sapp, 8192);
    eei_app_scan_update(scan, NULL, 0);
    CHECK(eei_app_scan_final(scan, NULL, 0, &info, NULL) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && info.signature_sector && info.hash_matches);
    eei_app_scan_free(scan);
    eei_sign_ctx *sign = NULL;
    uint8_t tail[EEI_SIGN_TAIL_MAX];
    size_t tail_len = 0;
    CHECK(eei_sign_new(signers, 1, NULL, &sign, NULL) == EEI_OK);
    eei_sign_update(sign, NULL, 0);
    eei_sign_update(sign, app, n);
    CHECK(eei_sign_final(sign, tail, &tail_len, NULL) == EEI_OK && tail_len + n == 8192);
    eei_sign_free(sign);

    /* inside an image: what the device will get */
    uint8_t *img = malloc(signed_len + EEI_HEADER_SIZE);
    size_t img_len = 0;
    CHECK(eei_encrypt_buffer(dev_pub, sapp, signed_len, img, signed_len + EEI_HEADER_SIZE, &img_len,
                             NULL) == EEI_OK);
    eei_io io = {.data = img, .size = img_len};
    eei_decrypt_result res;
    eei_decrypt_options opts = {.app = &info};
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_OK);
    CHECK(res.authentic && info.layout == EEI_APP_OK && info.hash_matches);
    CHECK(info.signature_sector && info.sig.count == 1);
    CHECK(strcmp(info.head.version, "1.2.3") == 0);
    opts.sign_keys = signers;
    opts.nsign = 1;
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_OK);
    CHECK(info.sig.blocks[0].verified_by == 0);
    /* the unsigned app, with a signing key asked for: rejected */
    CHECK(eei_encrypt_buffer(dev_pub, app, n, img, signed_len + EEI_HEADER_SIZE, &img_len, NULL) ==
          EEI_OK);
    io.size = img_len;
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_ERR_REJECTED);
    CHECK(res.authentic && !info.signature_sector);
    opts.nsign = 0;
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && !info.signature_sector);
    free(img);
    free(sapp);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_app VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *hmac_pub = load_key("kat/hmac_device_pub.pem");
    eei_key *hmac = load_key("kat/hmac_key.bin");

    test_app_scan(rsa_priv, hmac_pub, hmac);

    eei_key_free(rsa_priv);
    eei_key_free(hmac_pub);
    eei_key_free(hmac);
    return check_summary();
}
