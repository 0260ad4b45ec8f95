/*
 * libesp_enc_img through its public header: Secure Boot V2 (lib/engine/signing.c): signing apps
 * with one to three keys, keeping an old sector's blocks, checking signed apps over a stream,
 * sign-then-encrypt and decrypt-then-check. argv[1]: the vectors folder (its keys are read at test
 * time).
 */

#include "lib_fixture.h"

static void test_signing(const eei_key *rsa_priv, const eei_key *rsa_pub)
{
    eei_key *p256 = NULL, *p384 = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &p256, NULL) == EEI_OK);
    CHECK(eei_key_generate(EEI_KEY_P384, &p384, NULL) == EEI_OK);
    const eei_key *signers[3] = {rsa_priv, p256, p384};
    const eei_key *verifiers[3] = {rsa_pub, p256, p384};
    static uint8_t app[10000];
    for (size_t i = 0; i < sizeof(app); i++) {
        app[i] = (uint8_t)(i * 13);
    }
    eei_status st;
    eei_sb_report rep;
    size_t len = 0;

    /* three blocks at once: each verifies with its own key, and says its eFuse digest */
    uint8_t *img = sign_all(signers, 3, NULL, app, sizeof(app), &len, &st);
    CHECK(st == EEI_OK && len == 3 * 4096 + 4096);
    CHECK(img && img[sizeof(app)] == 0xff && img[3 * 4096 - 1] == 0xff); /* the padding */
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.count == 3 && rep.signed_size == 3 * 4096);
    for (int i = 0; i < 3; i++) {
        uint8_t want[EEI_SHA256_SIZE];
        CHECK(eei_key_sb_digest(verifiers[i], want, NULL) == EEI_OK);
        CHECK(rep.blocks[i].state == EEI_SB_OK && rep.blocks[i].digest_matches);
        CHECK(rep.blocks[i].verified_by == i);
        CHECK(memcmp(rep.blocks[i].key_digest, want, sizeof(want)) == 0);
    }
    CHECK(rep.blocks[0].version == EEI_SB_VERSION_RSA);
    CHECK(rep.blocks[2].curve == EEI_SB_CURVE_P384);
    /* the rest of the sector is 0xFF */
    CHECK(img[len - 1] == 0xff && img[len - 4096 + 3 * EEI_SB_BLOCK_SIZE] == 0xff);

    /* a key that made no block verifies none; a changed app matches no digest */
    CHECK(check_all(img, len, verifiers + 1, 1, &rep) == EEI_OK);
    CHECK(rep.blocks[0].verified_by == -1 && rep.blocks[1].verified_by == 0);
    img[100] ^= 1;
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(!rep.blocks[0].digest_matches && rep.blocks[0].verified_by == -1);
    img[100] ^= 1;
    /* a forged signature whose CRC was made to match: the signature check catches it */
    uint8_t *blk = img + len - 4096;
    blk[EEI_SB_RSA_OFF_SIG + 5] ^= 1;
    eei_sb_block_seal(blk);
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.blocks[0].digest_matches && rep.blocks[0].verified_by == -1);
    blk[EEI_SB_RSA_OFF_SIG + 5] ^= 1; /* the real signature, under the forger's CRC: it fails */
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.blocks[0].state == EEI_SB_BAD_CRC && rep.blocks[0].verified_by == -1);
    eei_sb_block_seal(blk); /* the real signature under its own CRC: it verifies again */
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK && rep.blocks[0].verified_by == 0);

    /* a sector after a sector (signed twice): a device reads the first, so the check refuses */
    uint8_t *twice = malloc(len + 4096);
    memcpy(twice, img, len);
    memcpy(twice + len, img + len - 4096, 4096);
    CHECK(check_all(twice, len + 4096, verifiers, 3, &rep) == EEI_ERR_REJECTED);
    CHECK(rep.blocks[0].verified_by == -1 && rep.blocks[2].verified_by == -1);
    /*
     * a sector followed by 4096 bytes without a block, in data that is not an app: a device reads
     * those last 4096 bytes as the sector and finds nothing. Not signed twice: signed, then more.
     */
    memset(twice + len, 0xff, 4096);
    eei_io io = {.data = twice, .size = len + 4096};
    eei_error why;
    CHECK(eei_sb_check_stream(&io, verifiers, 3, &rep, &why) == EEI_ERR_REJECTED);
    CHECK(strstr(why.msg, "4096 bytes follow the signature sector at byte 12288") != NULL);
    CHECK(strstr(why.msg, "twice") == NULL);
    free(twice);
    free(img);
    eei_sb_report_clear(&rep);
    CHECK(rep.count == 0 && rep.blocks[1].state == EEI_SB_EMPTY && rep.blocks[1].verified_by == -1);

    /* append: an RSA block, then a P-256 one after it; a fourth block is refused */
    img = sign_all(signers, 1, NULL, app, 8192, &len, &st);
    CHECK(st == EEI_OK && len == 8192 + 4096);
    size_t len2 = 0;
    uint8_t *img2 = sign_all(signers + 1, 1, img + 8192, img, 8192, &len2, &st);
    CHECK(st == EEI_OK && len2 == len);
    CHECK(check_all(img2, len2, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.count == 2 && rep.blocks[0].verified_by == 0 && rep.blocks[1].verified_by == 1);
    size_t len3 = 0;
    uint8_t *img3 = sign_all(signers, 2, img2 + 8192, img2, 8192, &len3, &st);
    CHECK(st == EEI_ERR_REJECTED && !img3);
    /* blocks that sign another app are not kept */
    app[0] ^= 1;
    img3 = sign_all(signers + 2, 1, img2 + 8192, app, 8192, &len3, &st);
    CHECK(st == EEI_ERR_REJECTED && !img3);
    app[0] ^= 1;
    /* a sector without blocks cannot be appended to */
    uint8_t empty[4096];
    memset(empty, 0xff, sizeof(empty));
    img3 = sign_all(signers, 1, empty, app, 8192, &len3, &st);
    CHECK(st == EEI_ERR_REJECTED && !img3);
    free(img2);
    free(img);

    /* sign-then-encrypt in one pass, then decryption that checks the signature too */
    size_t cap = 3 * 4096 + 4096 + EEI_HEADER_SIZE;
    recorder rec = {malloc(cap), cap, calloc(cap, 1), 0, 0, 0, 0};
    eei_io enc_io = {.data = app, .size = sizeof(app), .write = record, .ctx = &rec};
    uint64_t payload = 0;
    CHECK(eei_encrypt_signed_stream(rsa_pub, signers + 1, 2, &enc_io, &payload, NULL) == EEI_OK);
    CHECK(payload == 3 * 4096 + 4096);
    eei_io dec_io = {.data = rec.buf, .size = (size_t)payload + EEI_HEADER_SIZE};
    eei_decrypt_result res;
    eei_app_info info;
    eei_decrypt_options opts = {
        .flags = EEI_HASH_PLAINTEXT, .app = &info, .sign_keys = verifiers + 2, .nsign = 1};
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, NULL) == EEI_OK);
    CHECK(res.hashed && info.sig.count == 2 && info.sig.blocks[1].verified_by == 0);
    eei_error err;
    opts.sign_keys = verifiers;
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "no signature block") && info.sig.count == 2);
    /* without app: the signature is required all the same */
    opts.app = NULL;
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "no signature block") != NULL);
    opts.sign_keys = verifiers + 2;
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_OK);
    rec.buf[EEI_HEADER_SIZE + 7] ^= 1; /* the tag fails before any signature is looked at */
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "authentication failed") != NULL);
    free(rec.buf);
    free(rec.written);

    /* what cannot sign, what is not signed, and a signing-only key */
    CHECK(!sign_all(verifiers, 1, NULL, app, 100, &len, &st) && st == EEI_ERR_KEY);
    CHECK(!sign_all(signers, 1, NULL, app, 0, &len, &st) && st == EEI_ERR_FILE);
    CHECK(check_all(app, 8192, NULL, 0, &rep) == EEI_ERR_REJECTED); /* no blocks */
    CHECK(check_all(app, 5000, NULL, 0, &rep) == EEI_ERR_REJECTED); /* no sector */
    eei_encrypt_ctx *enc = NULL;
    CHECK(eei_encrypt_new(p384, &enc, &err) == EEI_ERR_KEY && strstr(err.msg, "P-384"));
    CHECK(eei_key_get_scheme(p384) == EEI_SCHEME_UNKNOWN);
    eei_key_free(p256);
    eei_key_free(p384);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_signing VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");

    test_signing(rsa_priv, rsa_pub);

    eei_key_free(rsa_priv);
    eei_key_free(rsa_pub);
    return check_summary();
}
