/*
 * A program that links libesp_enc_img: encrypt a firmware file for a device, in memory.
 *
 *   encrypt_buffer FIRMWARE.bin DEVICE_PUBLIC_KEY.pem OUT.img
 *
 * Build against an installed library with pkg-config:
 *   cc encrypt_buffer.c $(pkg-config --cflags --libs esp_enc_img) -o encrypt_buffer
 * or with CMake: find_package(esp_enc_img) and link esp_enc_img::esp_enc_img (CMakeLists.txt).
 */
#include <stdio.h>
#include <stdlib.h>

#include <esp_enc_img/esp_enc_img.h>

/* The whole of a small file, in a malloc'd buffer. */
static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    if (f && fseek(f, 0, SEEK_END) == 0 && (*len = (size_t)ftell(f), 1) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(*len + 1)) && fread(buf, 1, *len, f) != *len) {
        free(buf);
        buf = NULL;
    }
    if (f) {
        fclose(f);
    }
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s FIRMWARE.bin DEVICE_PUBLIC_KEY.pem OUT.img\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    uint8_t *firmware = read_all(argv[1], &len);
    if (!firmware) {
        perror(argv[1]);
        return 1;
    }
    eei_key *key = NULL;
    eei_error err;
    size_t out_len = 0, cap = len + EEI_HEADER_SIZE;
    uint8_t *image = malloc(cap);
    int rc = 1;
    if (image && eei_key_load_file(argv[2], NULL, &key, &err) == EEI_OK &&
        eei_encrypt_buffer(key, firmware, len, image, cap, &out_len, &err) == EEI_OK) {
        FILE *f = fopen(argv[3], "wb");
        rc = f && fwrite(image, 1, out_len, f) == out_len && fclose(f) == 0 ? 0 : 1;
        if (rc != 0) {
            perror(argv[3]);
        } else {
            printf("%s: %zu bytes, %s, for the device holding %s's private key\n", argv[3], out_len,
                   eei_scheme_name(eei_key_get_scheme(key)), argv[2]);
        }
    } else {
        fprintf(stderr, "%s\n", image ? err.msg : "out of memory");
    }
    eei_key_free(key);
    free(image);
    free(firmware);
    return rc;
}
