/*
 * Write a valid ESP application image (what `idf.py build` produces) for tests and the demo:
 *
 *   make_app_binary OUT [--size BYTES] [--chip esp32c3|esp32s3|...] [--version TEXT]
 *                      [--project TEXT] [--seed N] [--secure-version N]
 *
 * The layout comes from the host port's sim_app_binary_build; the content is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_sim.h"

int main(int argc, char **argv)
{
    const char *out_path = NULL, *chip = "esp32c3";
    sim_app_binary_opts opts = {0, "1.0.0", "hello_app", 1, 0};
    unsigned long size = 65536;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--size") == 0 && v) {
            size = strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--chip") == 0 && v) {
            chip = argv[++i];
        } else if (strcmp(argv[i], "--version") == 0 && v) {
            opts.version = argv[++i];
        } else if (strcmp(argv[i], "--project") == 0 && v) {
            opts.project = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && v) {
            opts.seed = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--secure-version") == 0 && v) {
            opts.secure_version = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (!out_path && argv[i][0] != '-') {
            out_path = argv[i];
        } else {
            fprintf(stderr, "make_app_binary: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    int id = sim_chip_id(chip);
    if (!out_path || id < 0 || size < 1024 || size > (64ul << 20)) {
        fprintf(stderr, "usage: make_app_binary OUT [--size 1024..64MiB] [--chip NAME] "
                        "[--version V] [--project P] [--seed N] [--secure-version N]\n");
        return 2;
    }
    opts.chip_id = (uint16_t)id;
    uint8_t *img = malloc(size + SIM_APP_BINARY_OVERHEAD);
    size_t len = img ? sim_app_binary_build(img, size, &opts) : 0;
    FILE *f = len ? fopen(out_path, "wb") : NULL;
    if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0) {
        perror(out_path);
        return 3;
    }
    free(img);
    return 0;
}
