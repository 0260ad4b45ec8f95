/*
 * libesp_enc_img through its public header: what a header says without a key
 * (lib/engine/inspect.c). argv[1]: the vectors folder (its keys are read at test time).
 */

#include "lib_fixture.h"

static void test_inspection(const eei_key *hmac)
{
    uint8_t plain[100] = {0};
    size_t len;
    uint8_t *img = encrypt_all(hmac, plain, sizeof(plain), &len);
    eei_inspection ins;
    eei_inspect(img, len, len, &ins);
    CHECK(ins.verdict == EEI_FMT_OK && ins.problem == NULL);
    CHECK(ins.scheme == EEI_SCHEME_ECIES_P256 && ins.scheme_sure && ins.on_curve);
    CHECK(eei_inspect_bytes_needed(img) == len + 1);
    eei_inspect(img, len, len + 1, &ins);
    CHECK(ins.verdict == EEI_FMT_TRAILING && ins.problem != NULL);
    eei_inspect(img, 100, 100, &ins);
    CHECK(ins.verdict == EEI_FMT_SHORT && !ins.header_read);
    /* a size not known (a stream): the header alone is judged, no length check */
    eei_inspect(img, EEI_HEADER_SIZE, UINT64_MAX, &ins);
    CHECK(ins.verdict == EEI_FMT_OK && ins.image_size == UINT64_MAX);
    eei_inspect(img, EEI_HEADER_SIZE, EEI_HEADER_SIZE, &ins);
    CHECK(ins.verdict == EEI_FMT_TRUNCATED);
    img[0] ^= 1;
    CHECK(eei_inspect_bytes_needed(img) == EEI_HEADER_SIZE);
    eei_inspect(img, len, len, &ins);
    CHECK(ins.verdict == EEI_FMT_BAD_MAGIC);
    free(img);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_inspect VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *hmac = load_key("kat/hmac_key.bin");

    test_inspection(hmac);

    eei_key_free(hmac);
    return check_summary();
}
