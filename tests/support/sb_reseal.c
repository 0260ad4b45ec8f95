/*
 * Alter a signed app's signature block and seal it again, so that its CRC holds and only what
 * the block says is wrong (a signature that does not verify, a digest of another app):
 *
 *   sb_reseal FILE OFFSET [LEN BYTE]
 *
 * XORs the byte at OFFSET with 0x01, or sets LEN bytes from OFFSET to BYTE; they lie in one
 * block of the signature sector that ends FILE, before its CRC. The block's CRC and padding are
 * then written again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "esp_enc_img/format.h"

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: sb_reseal FILE OFFSET [LEN BYTE]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r+b");
    long at = strtol(argv[2], NULL, 10);
    long len = argc == 5 ? strtol(argv[3], NULL, 10) : 1;
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        perror(argv[1]);
        return 3;
    }
    long sector = ftell(f) - (long)EEI_SB_SECTOR_SIZE;
    long block = sector + (at - sector) / (long)EEI_SB_BLOCK_SIZE * (long)EEI_SB_BLOCK_SIZE;
    uint8_t b[EEI_SB_BLOCK_SIZE];
    if (sector < 0 || at < sector || len < 1 || at - block + len > (long)EEI_SB_CRC_SPAN ||
        fseek(f, block, SEEK_SET) != 0 || fread(b, 1, sizeof(b), f) != sizeof(b)) {
        fprintf(stderr, "sb_reseal: offset %ld is not in a block of %s\n", at, argv[1]);
        return 3;
    }
    for (long i = 0; i < len; i++) {
        b[at - block + i] =
            argc == 5 ? (uint8_t)strtol(argv[4], NULL, 0) : b[at - block + i] ^ 0x01;
    }
    eei_sb_block_seal(b);
    if (fseek(f, block, SEEK_SET) != 0 || fwrite(b, 1, sizeof(b), f) != sizeof(b) ||
        fclose(f) != 0) {
        perror(argv[1]);
        return 3;
    }
    return 0;
}
