/*
 * Heap use of the device decryptor: none in the payload path. The allocator is interposed
 * (glibc's __libc_* underneath) and counts from the moment the key is established (the 512th
 * header byte) to the end of finish, for several chunk sizes and both schemes.
 * argv[1]: the vectors folder.
 */
#include "check.h"

#include "vectors_io.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static int counting;
static long allocations;

void *malloc(size_t n)
{
    allocations += counting;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    allocations += counting;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    allocations += counting;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

static long payload_allocations(const char *image, const char *keyfile, size_t chunk, long *setup)
{
    static uint8_t buf[4096 + EEI_DEC_OUT_SLACK];
    static eei_dec dec;
    size_t ilen, klen;
    uint8_t *img = vio_read(getenv("EEI_VECTORS"), image, &ilen);
    uint8_t *key = vio_read(getenv("EEI_VECTORS"), keyfile, &klen);
    eei_dec_config cfg;
    vio_key_config(key, klen, &cfg);

    allocations = 0;
    counting = 1;
    eei_dec_err rc = eei_dec_start(&dec, &cfg);
    size_t n = 0;
    memcpy(buf, img, EEI_HEADER_SIZE);
    if (rc == EEI_DEC_OK) {
        rc = eei_dec_feed(&dec, buf, EEI_HEADER_SIZE, buf, sizeof(buf), &n);
    }
    *setup = allocations;
    allocations = 0;
    for (size_t off = EEI_HEADER_SIZE; rc == EEI_DEC_OK && off < ilen; off += chunk) {
        size_t len = chunk < ilen - off ? chunk : ilen - off;
        memcpy(buf, img + off, len);
        rc = eei_dec_feed(&dec, buf, len, buf, sizeof(buf), &n);
    }
    if (rc == EEI_DEC_OK) {
        rc = eei_dec_finish(&dec);
    }
    counting = 0;
    eei_dec_abort(&dec);
    CHECK(rc == EEI_DEC_OK);
    __libc_free(img);
    __libc_free(key);
    return allocations;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_decryptor_heap VECTORS_DIR\n");
        return 2;
    }
    setenv("EEI_VECTORS", argv[1], 1);
    static const size_t chunks[] = {1, 7, 16, 17, 512, 4095, 4096};
    const char *cases[][2] = {{"kat/rsa_4099.bin", "kat/rsa_private.pem"},
                              {"kat/ecies_4099.bin", "kat/hmac_key.bin"},
                              {"upstream/image_rsa.bin", "upstream/rsa_private.pem"}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
            long setup = 0;
            long n = payload_allocations(cases[c][0], cases[c][1], chunks[i], &setup);
            CHECK(n == 0);
            CHECK(setup > 0); /* the counter works: key parsing and bignums do allocate */
            if (i == 0) {
                printf("%s: %ld allocations while the key is set up, then %ld\n", cases[c][0],
                       setup, n);
            }
        }
    }
    return check_summary();
}
