/* encrypt IN KEY OUT: one image for one device. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/fileio.h"
#include "cli/image_io.h"
#include "cli/json_out.h"

static const char encrypt_help[] =
    "Usage: esp_enc_img encrypt IN KEY OUT [--json] [--quiet] [--passphrase-file FILE]\n"
    "\n"
    "Encrypt the firmware IN for the device that holds KEY, into the esp_encrypted_img format.\n"
    "The scheme follows the key: RSA-3072 (key wrap) or P-256 (ECIES). KEY is the device's\n"
    "public key PEM; a private key or a 32-byte HMAC key works too (its public half is used).\n"
    "IN and OUT may be '-' for stdin and stdout. OUT appears only when the image is complete:\n"
    "a failure leaves no partial file and an existing OUT untouched. Inputs over 4 GiB - 1\n"
    "are refused.\n"
    "\n"
    "Options:\n"
    "  --json                    a summary as one JSON object on stdout (OUT must not be '-'):\n"
    "                            scheme, sizes, SHA-256 of input and output, key "
    "fingerprint\n" CLI_HELP_QUIET CLI_HELP_PASSPHRASE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error.\n";

/* What --json reports besides the sizes: hashes of both files and the key's fingerprint. */
static int summarise(cJSON *json, output_file *out, const eei_key *key, const uint8_t in_sha[32],
                     uint64_t in_size, eei_error *err)
{
    uint8_t out_sha[EEI_SHA256_SIZE], fp[EEI_SHA256_SIZE];
    if (output_sha256(out, out_sha, err) != 0 || key_fingerprint(key, fp, err) != 0) {
        return -1;
    }
    cJSON_AddStringToObject(json, "scheme", eei_scheme_name(crypto_key_scheme(key)));
    cJSON_AddNumberToObject(json, "input_size", (double)in_size);
    cJSON_AddNumberToObject(json, "output_size", (double)(in_size + EEI_HEADER_SIZE));
    json_add_hex(json, "input_sha256", in_sha, EEI_SHA256_SIZE);
    json_add_hex(json, "output_sha256", out_sha, EEI_SHA256_SIZE);
    json_add_hex(json, "key_fingerprint", fp, EEI_SHA256_SIZE);
    return 0;
}

/* The input's SHA-256 by a second read: only for --json, and only of a regular file. */
static int input_sha256(input_file *in, uint8_t digest[32], uint8_t *buf, eei_error *err)
{
    crypto_sha256 *sha = NULL;
    if (crypto_sha256_start(&sha, err) != 0) {
        return -1;
    }
    int rc = 0;
    for (uint64_t off = 0; rc == 0 && off < in->size;) {
        size_t got = 0;
        rc = input_pread(in, buf, EEI_IO_CHUNK, off, &got, err);
        if (rc == 0 && got == 0) {
            rc = eei_fail(err, EEI_ERR_FILE, "%s: changed while it was read", in->name);
        }
        crypto_sha256_update(sha, buf, got);
        off += got;
    }
    crypto_sha256_finish(sha, digest);
    crypto_sha256_free(sha);
    return rc;
}

int cmd_encrypt(int argc, char **argv)
{
    cli_args args;
    cli_parse_result pr =
        cli_parse(argc, argv, OPT_PASSPHRASE | OPT_JSON | OPT_QUIET, encrypt_help, &args);
    if (pr != CLI_RUN) {
        return pr == CLI_DONE_OK ? 0 : 2;
    }
    if (args.npos != 3) {
        return cli_usage("encrypt", "expected IN KEY OUT");
    }
    const char *in_path = args.pos[0], *key_path = args.pos[1], *out_path = args.pos[2];
    if (args.json && (strcmp(out_path, "-") == 0 || strcmp(in_path, "-") == 0)) {
        return cli_usage("encrypt", "--json prints to stdout: IN and OUT must be files");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = true};
    cJSON *json = args.json ? cJSON_CreateObject() : NULL;
    uint8_t *buf = malloc(EEI_IO_CHUNK);
    if (!buf) {
        eei_fail(&err, EEI_ERR_SYSTEM, "out of memory");
    } else if (key_file_load(key_path, &args.keys, &key, &err) == 0 &&
               input_open(&in, in_path, &err) == 0) {
        if (in.regular && in.size > EEI_MAX_PAYLOAD) {
            eei_fail(&err, EEI_ERR_FILE,
                     "%s: %llu bytes; the format's 32-bit length field allows at most 4294967295 "
                     "(4 GiB - 1)",
                     in.name, (unsigned long long)in.size);
        } else if (output_open(&out, out_path, &oo, &err) == 0) {
            progress p;
            progress_begin(&p, "encrypt", in.size, false, args.quiet);
            byte_source src = {.file = &in};
            uint8_t in_sha[EEI_SHA256_SIZE];
            int rc = image_encrypt(&src, &out, key, buf, &p, &err);
            progress_end(&p);
            if (rc == 0 && json) {
                rc = input_sha256(&in, in_sha, buf, &err);
            }
            if (rc == 0 && json) {
                rc = summarise(json, &out, key, in_sha, in.size, &err);
            }
            if (rc == 0) {
                output_commit(&out, &err);
            } else {
                output_abort(&out);
            }
        }
    }
    if (json) {
        cJSON_AddStringToObject(json, "input", in_path);
        cJSON_AddStringToObject(json, "output", out_path);
    }
    free(buf);
    input_close(&in);
    crypto_key_free(key);
    return json ? json_finish(json, &err, args.verbose) : cli_report(&err, args.verbose);
}
