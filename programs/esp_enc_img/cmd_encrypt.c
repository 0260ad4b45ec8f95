/* encrypt IN KEY OUT: one image for one device. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_stream.h"
#include "inspection.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img encrypt IN KEY OUT [--sign-key K [--sign-key K2 ...]] [--json] [--quiet]\n"
    "                           [--passphrase-file FILE]\n"
    "\n"
    "Encrypt the firmware IN for the device that holds KEY, into the esp_encrypted_img format.\n"
    "The scheme follows the key: RSA-3072 (key wrap) or P-256 (ECIES). KEY is the device's\n"
    "public key PEM; a private key works too (its public half is used). A 32-byte HMAC key is\n"
    "refused: it is the chip's eFuse secret ('pubkey' gives its public key).\n"
    "IN and OUT may be '-' for stdin and stdout. OUT appears only when the image is complete:\n"
    "a failure leaves no partial file and an existing OUT untouched. Inputs over 4 GiB - 1\n"
    "are refused. Warns (and still encrypts) when IN is not the app binary idf.py builds: an\n"
    "ELF file, an encrypted image, or data without the app's 0xE9 byte and descriptor.\n"
    "\n"
    "Options:\n"
    "  --sign-key K              sign the app for Secure Boot V2 first (RSA-3072, P-256 or P-384\n"
    "                            private key; up to 3 times, a block each), in the same pass:\n"
    "                            the image holds the signed app ('sign', then 'encrypt')\n"
    "  --json                    a summary as one JSON object on stdout (OUT must not be '-'):\n"
    "                            scheme, sizes, SHA-256 of input and output, key\n"
    "                            fingerprint, warnings\n" CLI_HELP_QUIET CLI_HELP_PASSPHRASE
        CLI_HELP_PIN CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error.\n";

/* What --json reports besides the sizes: hashes of both files and the key's fingerprint. */
static int summarise(cJSON *json, output_file *out, const eei_key *key,
                     const uint8_t in_sha[EEI_SHA256_SIZE], uint64_t in_size, uint64_t payload,
                     eei_error *err)
{
    uint8_t out_sha[EEI_SHA256_SIZE], fp[EEI_SHA256_SIZE];
    if (output_sha256(out, out_sha, err) != 0 || eei_key_fingerprint(key, fp, err) != EEI_OK) {
        return -1;
    }
    cJSON_AddStringToObject(json, "scheme", eei_scheme_name(eei_key_scheme(key)));
    cJSON_AddNumberToObject(json, "input_size", (double)in_size);
    cJSON_AddNumberToObject(json, "output_size", (double)(payload + EEI_HEADER_SIZE));
    if (payload != in_size) { /* signed first: the image holds the signed app */
        cJSON_AddNumberToObject(json, "signed_size", (double)payload);
    }
    json_add_hex(json, "input_sha256", in_sha, EEI_SHA256_SIZE);
    json_add_hex(json, "output_sha256", out_sha, EEI_SHA256_SIZE);
    json_add_hex(json, "key_fingerprint", fp, EEI_SHA256_SIZE);
    return 0;
}

/* The input's SHA-256 by a second read: only for --json, and only of a regular file. */
static int input_sha256(input_file *in, uint8_t digest[EEI_SHA256_SIZE], uint8_t *buf,
                        eei_error *err)
{
    eei_sha256 *sha = NULL;
    if (eei_sha256_new(&sha, err) != EEI_OK) {
        return -1;
    }
    int rc = 0;
    for (uint64_t off = 0; rc == 0 && off < in->size;) {
        size_t got = 0;
        rc = input_pread(in, buf, EEI_IO_CHUNK, off, &got, err);
        if (rc == 0 && got == 0) {
            rc = eei_fail(err, EEI_ERR_FILE, "%s: changed while it was read", in->name);
        }
        eei_sha256_update(sha, buf, got);
        off += got;
    }
    eei_sha256_final(sha, digest);
    eei_sha256_free(sha);
    return rc;
}

static int run(const cli_args *args)
{
    if (args->npos != 3) {
        return cli_usage_of(args, "expected IN KEY OUT");
    }
    const char *in_path = args->pos[0], *out_path = args->pos[2];
    if (args->json && (strcmp(out_path, "-") == 0 || strcmp(in_path, "-") == 0)) {
        return cli_usage_of(args, "--json prints to stdout: IN and OUT must be files");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL, *sign_keys[EEI_SB_BLOCKS_MAX] = {NULL};
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = true};
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    int loaded = cli_load_key_arg(args, 1, "IN KEY OUT", &key, &err);
    loaded = loaded == 0 ? cli_refuse_secret_key(key, args->pos[1], "KEY", &err) : loaded;
    for (int i = 0; loaded == 0 && i < args->sign_keys.n; i++) {
        loaded = cli_load_key(args->sign_keys.v[i], args, &sign_keys[i], &err);
    }
    if (loaded == 0 && input_open(&in, in_path, &err) == 0) {
        uint64_t holds = args->sign_keys.n ? eei_sb_padded_size(in.size) + EEI_SB_SECTOR_SIZE
                                           : in.size; /* signed first: the signed app */
        if (in.regular && holds > EEI_MAX_PAYLOAD) {
            eei_fail(&err, EEI_ERR_FILE,
                     "%s: %llu bytes%s; the format's 32-bit length field allows at most "
                     "4294967295 (4 GiB - 1)",
                     in.name, (unsigned long long)holds, args->sign_keys.n ? " once signed" : "");
        } else if (args->sign_keys.n && input_refuse_signed(&in, &err) != 0) {
            /* said why */
        } else if (output_open(&out, out_path, &oo, &err) == 0) {
            progress p;
            progress_begin(&p, "encrypt", in.size, false, args->quiet);
            file_stream fs;
            file_stream_init(&fs, &in, NULL, 0, &out, &p);
            uint64_t encrypted = 0;
            size_t nsign = (size_t)args->sign_keys.n;
            eei_status st = nsign
                                ? eei_encrypt_signed_stream(key, (const eei_key *const *)sign_keys,
                                                            nsign, &fs.io, &encrypted, &err)
                                : eei_encrypt_stream(key, &fs.io, &encrypted, &err);
            int rc = st == EEI_OK ? 0 : -1;
            progress_end(&p);
            /* what the input looks like, once it was read (a failed read says nothing) */
            char warning[sizeof(err.msg)];
            if ((st == EEI_OK || fs.head_len > 0) &&
                input_not_an_app(fs.head, fs.head_len, in.name, warning, sizeof(warning))) {
                cli_warning(args, warning);
                if (json) {
                    json_add_warning(json, warning);
                }
            }
            /* a file that shrank or grew while it was read would be encrypted as neither */
            uint64_t want = nsign ? eei_sb_padded_size(in.size) + EEI_SB_SECTOR_SIZE : in.size;
            if (rc == 0 && in.regular && encrypted != want) {
                rc = eei_fail(&err, EEI_ERR_FILE,
                              "%s: changed size while it was read (%llu bytes, now %llu)", in.name,
                              (unsigned long long)in.size, (unsigned long long)encrypted);
            }
            uint8_t in_sha[EEI_SHA256_SIZE];
            uint8_t *buf = rc == 0 && json ? malloc(EEI_IO_CHUNK) : NULL;
            if (rc == 0 && json) {
                rc = buf ? input_sha256(&in, in_sha, buf, &err)
                         : eei_fail(&err, EEI_ERR_SYSTEM, "out of memory");
            }
            free(buf);
            if (rc == 0 && json) {
                rc = summarise(json, &out, key, in_sha, in.size, encrypted, &err);
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
    input_close(&in);
    eei_key_free(key);
    for (int i = 0; i < args->sign_keys.n; i++) {
        eei_key_free(sign_keys[i]);
    }
    if (json) {
        json_add_missing(json, args->cmd); /* what a failure did not get to */
    }
    return json ? json_finish(json, &err, args->verbose) : cli_report(&err, args->verbose);
}

const cli_command cmd_encrypt = {
    "encrypt", help, OPT_PASSPHRASE | OPT_PIN | OPT_JSON | OPT_QUIET | OPT_SIGN_KEY, run};
