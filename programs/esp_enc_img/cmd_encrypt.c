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
    "                           [--strict] [--max-size SIZE] [--passphrase-file FILE]\n"
    "\n"
    "Encrypt the firmware IN for the device that holds KEY, into the esp_encrypted_img format.\n"
    "The scheme follows the key: RSA-3072 (key wrap) or P-256 (ECIES). KEY is the device's\n"
    "public key PEM; a private key works too (its public half is used). A 32-byte HMAC key is\n"
    "refused: it is the chip's eFuse secret ('pubkey' gives its public key).\n"
    "IN and OUT may be '-' for stdin and stdout. OUT appears only when the image is complete:\n"
    "a failure leaves no partial file and an existing OUT untouched; OUT may not be IN or KEY.\n"
    "An empty IN, and one larger than the largest app a chip boots (16 MiB), are refused.\n"
    "Warns (and still encrypts, unless --strict) when IN is not the app binary idf.py builds:\n"
    "an ELF file, an encrypted image, data without the app's 0xE9 byte and descriptor, or an\n"
    "app a device refuses (truncated, checksum or appended SHA-256 wrong).\n"
    "\n"
    "Options:\n"
    "  --sign-key K              sign the app for Secure Boot V2 first (RSA-3072, P-256 or P-384\n"
    "                            private key; up to 3 times, a block each), in the same pass:\n"
    "                            the image holds the signed app ('sign', then 'encrypt')\n"
    "  --json                    a summary as one JSON object on stdout (OUT must not be '-'):\n"
    "                            scheme, sizes, SHA-256 of input and output, key\n"
    "                            fingerprint, warnings\n" CLI_HELP_STRICT CLI_HELP_QUIET
        CLI_HELP_MAX_SIZE CLI_HELP_PASSPHRASE CLI_HELP_PIN CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error, 4 a warning with\n"
    "--strict (nothing written).\n";

/* What --json reports besides the sizes: hashes of both files and the key's fingerprint. */
static int summarise(cJSON *json, output_file *out, const eei_key *key,
                     const uint8_t in_sha[EEI_SHA256_SIZE], uint64_t in_size, uint64_t payload,
                     eei_error *err)
{
    uint8_t out_sha[EEI_SHA256_SIZE], fp[EEI_SHA256_SIZE];
    if (output_sha256(out, out_sha, err) != 0 || eei_key_fingerprint(key, fp, err) != EEI_OK) {
        return -1;
    }
    cJSON_AddStringToObject(json, "scheme", eei_scheme_name(eei_key_get_scheme(key)));
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

/* What the app a device boots may hold: the input, and once signed, its padding and sector. */
static uint64_t app_bytes(uint64_t in_size, bool sign)
{
    return sign ? eei_sb_padded_size(in_size) + EEI_SB_SECTOR_SIZE : in_size;
}

static int refuse_size(const input_file *in, uint64_t size, bool sign, eei_error *err)
{
    if (size == 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s is empty: there is no firmware to encrypt",
                        in->name);
    }
    uint64_t holds = app_bytes(size, sign);
    if (holds > EEI_MAX_PAYLOAD) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: %llu bytes%s; the format's 32-bit length field allows at most "
                        "4294967295 (4 GiB - 1)",
                        in->name, (unsigned long long)holds, sign ? " once signed" : "");
    }
    if (holds > input_get_max()) {
        return eei_fail(err, EEI_ERR_FILE, "%s: %llu bytes%s, larger than the largest app %s",
                        in->name, (unsigned long long)holds, sign ? " once signed" : "",
                        input_max_reason());
    }
    return 0;
}

/*
 * Warnings once the input was read: what it looks like when it is not an app binary, or what is
 * wrong with the app a device would refuse (a failed read says nothing).
 */
static void warn_input(const cli_args *args, const file_stream *fs, eei_app_scan *scan, cJSON *json)
{
    char warning[sizeof(((eei_error *)0)->msg)];
    bool warn = input_not_an_app(fs->head, fs->head_len, fs->in->name, warning, sizeof(warning));
    eei_app_info app;
    eei_error ignored = {EEI_OK, ""};
    if (!warn && eei_app_scan_final(scan, NULL, 0, &app, &ignored) == EEI_OK && app_problem(&app)) {
        snprintf(warning, sizeof(warning), "%s: the app is broken, a device refuses it: %s",
                 fs->in->name, app_problem(&app));
        warn = true;
    }
    if (warn) {
        cli_warning(args, warning);
        if (json) {
            json_add_warning(json, warning);
        }
    }
}

static int encrypt_file(const cli_args *args, const eei_key *key, const eei_key *const *sign_keys,
                        input_file *in, const char *out_path, cJSON *json, eei_error *err)
{
    size_t nsign = (size_t)args->sign_keys.n;
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = true};
    if ((in->regular && refuse_size(in, in->size, nsign > 0, err) != 0) ||
        (nsign && input_refuse_signed(in, err) != 0) ||
        output_open(&out, out_path, &oo, err) != 0) {
        return -1;
    }
    eei_sha256 *sha = NULL;
    eei_app_scan *scan = NULL;
    if ((json && eei_sha256_new(&sha, err) != EEI_OK) || eei_app_scan_new(&scan, err) != EEI_OK) {
        eei_sha256_free(sha);
        output_abort(&out);
        return -1;
    }
    progress p;
    progress_begin(&p, "encrypt", in->size, false, args->quiet);
    file_stream fs;
    file_stream_init(&fs, in, NULL, 0, &out, &p);
    file_stream_observe(&fs, sha, scan);
    uint64_t encrypted = 0;
    eei_status st = nsign
                        ? eei_encrypt_signed_stream(key, sign_keys, nsign, &fs.io, &encrypted, err)
                        : eei_encrypt_stream(key, &fs.io, &encrypted, err);
    int rc = st == EEI_OK ? 0 : -1;
    progress_end(&p);
    if ((st == EEI_OK || fs.head_len > 0) && fs.total > 0) { /* an empty one is refused */
        warn_input(args, &fs, scan, json);
    }
    /* a file that shrank or grew while it was read would be encrypted as neither */
    if (rc == 0 && in->regular && fs.total != in->size) {
        rc =
            eei_fail(err, EEI_ERR_FILE, "%s: changed size while it was read (%llu bytes, now %llu)",
                     in->name, (unsigned long long)in->size, (unsigned long long)fs.total);
    }
    rc = rc == 0 ? refuse_size(in, fs.total, nsign > 0, err) : rc; /* a stream, once measured */
    rc = rc == 0 ? cli_strict(args, err) : rc;
    uint8_t in_sha[EEI_SHA256_SIZE] = {0};
    if (sha) {
        eei_sha256_final(sha, in_sha);
        eei_sha256_free(sha);
    }
    eei_app_scan_free(scan);
    if (rc == 0 && json) {
        rc = summarise(json, &out, key, in_sha, fs.total, encrypted, err);
    }
    if (rc == 0) {
        return output_commit(&out, err);
    }
    output_abort(&out);
    return -1;
}

static int run(const cli_args *args)
{
    if (args->keys.n || args->output) { /* the spellings of 'sign' and other tools */
        const char *in = args->npos == 1 ? args->pos[0] : "IN";
        return cli_usage_of(args,
                            "KEY and OUT are positional, not --key and -o: 'esp_enc_img encrypt "
                            "%s %s %s'",
                            in, args->keys.n ? args->keys.v[0] : "KEY",
                            args->output ? args->output : "OUT");
    }
    if (args->npos != 3) {
        return cli_usage_of(args, "expected IN KEY OUT");
    }
    const char *in_path = args->pos[0], *out_path = args->pos[2];
    if (args->json && strcmp(out_path, "-") == 0) {
        return cli_usage_of(args, "--json prints to stdout: OUT must not be '-'");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL, *sign_keys[EEI_SB_BLOCKS_MAX] = {NULL};
    input_file in = {.fd = -1};
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    int rc = cli_check_output(args, out_path, &err);
    rc = rc == 0 ? cli_load_key_arg(args, 1, "IN KEY OUT", &key, &err) : rc;
    rc = rc == 0 ? cli_refuse_secret_key(key, args->pos[1], "KEY", &err) : rc;
    for (int i = 0; rc == 0 && i < args->sign_keys.n; i++) {
        rc = cli_load_signing_key(args->sign_keys.v[i], args, &sign_keys[i], &err);
    }
    if (rc == 0 && input_open(&in, in_path, &err) == 0) {
        encrypt_file(args, key, (const eei_key *const *)sign_keys, &in, out_path, json, &err);
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
    return cli_finish(args, json, &err);
}

const cli_command cmd_encrypt = {"encrypt", help,
                                 OPT_PASSPHRASE | OPT_PIN | OPT_JSON | OPT_QUIET | OPT_SIGN_KEY |
                                     OPT_MAX_SIZE | OPT_STRICT | OPT_KEY | OPT_OUTPUT,
                                 run};
