/* digest PUB: the Secure Boot V2 eFuse digest of a signing key. */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "json_out.h"
#include "key_files.h"

static const char help[] =
    "Usage: esp_enc_img digest PUB [-o FILE] [--force] [--json] [--passphrase-file FILE]\n"
    "                          [--quiet]\n"
    "\n"
    "The 32-byte digest of the signing key PUB (RSA-3072, P-256 or P-384; public or private)\n"
    "that Secure Boot V2 keeps in eFuse: what espsecure.py digest_sbv2_public_key writes and\n"
    "'idf.py efuse-burn-key BLOCK_KEYn FILE SECURE_BOOT_DIGESTn' burns. Printed as hex, or\n"
    "written raw to FILE.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE         write the 32 bytes to FILE (never replaced without --force)\n"
    "  -f, --force               replace an existing FILE\n"
    "  --json                    one JSON object on stdout: the key and its digest in "
    "hex\n" CLI_HELP_PASSPHRASE CLI_HELP_PIN CLI_HELP_QUIET CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 written, 2 usage error, 3 file or key error.\n";

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one PUB key file");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    uint8_t digest[EEI_SHA256_SIZE];
    char hex[2 * EEI_SHA256_SIZE + 1] = "";
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    if ((!args->output || cli_check_output(args, args->output, &err) == 0) &&
        cli_load_signing_key(args->pos[0], args, &key, &err) == 0 &&
        eei_key_sb_digest(key, digest, &err) == EEI_OK) {
        hex_encode(digest, sizeof(digest), hex);
        if (args->output) {
            key_file_write(args->output, digest, sizeof(digest), false, false, args->force, &err);
        } else if (!json) {
            printf("%s\n", hex);
        }
    }
    if (json) {
        cJSON_AddStringToObject(json, "key", args->pos[0]);
        if (args->output) {
            cJSON_AddStringToObject(json, "output", args->output);
        }
        if (err.status == EEI_OK) { /* computed, and written where it was asked for */
            cJSON_AddStringToObject(json, "digest", hex);
        }
    }
    eei_key_free(key);
    return cli_finish(args, json, &err);
}

const cli_command cmd_digest = {
    "digest", help, OPT_OUTPUT | OPT_FORCE | OPT_JSON | OPT_PASSPHRASE | OPT_PIN | OPT_QUIET, run};
