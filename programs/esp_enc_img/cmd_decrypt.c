/* decrypt IN KEY OUT: authenticated decryption; OUT appears only for an authentic image. */
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_stream.h"
#include "inspection.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img decrypt IN KEY OUT [--json] [--quiet] [--max-size SIZE]\n"
    "                           [--passphrase-file FILE]\n"
    "\n"
    "Decrypt and authenticate the encrypted image IN with the device's KEY: an RSA-3072 private\n"
    "key PEM, a P-256 private key PEM, or the 32-byte eFuse HMAC key. IN and OUT may be '-'.\n"
    "OUT appears only when the whole image is authenticated; nothing is left otherwise. It is\n"
    "written with mode 0600 (the firmware is the plaintext the image protects). OUT may not be\n"
    "IN or KEY. With OUT '-', a device, a FIFO or a socket, the plaintext is streamed there\n"
    "before the tag at the end is checked: then the exit status is the verdict, and output of\n"
    "a non-zero run must be discarded.\n"
    "\n"
    "Options:\n"
    "  --json                    a summary as one JSON object on stdout (OUT must not be '-'):\n"
    "                            scheme, sizes, SHA-256 of the plaintext, key "
    "fingerprint\n" CLI_HELP_QUIET CLI_HELP_MAX_SIZE CLI_HELP_PASSPHRASE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 authentic and written; 1 image rejected (bad magic, wrong length, wrong\n"
    "key, failed tag, invalid point); 2 usage error; 3 file, key or system error.\n";

/* A regular file (never opened otherwise: a FIFO would block) with a whole image header. */
static bool looks_like_image(const char *path)
{
    os_info st;
    if (os_stat(path, &st) != 0 || st.kind != OS_FILE || st.size < EEI_HEADER_SIZE) {
        return false;
    }
    input_file f = {.fd = -1};
    eei_error quiet = {EEI_OK, ""};
    eei_inspection ins;
    bool yes = input_open(&f, path, &quiet) == 0 && f.regular &&
               inspect_input(&f, NULL, 0, &ins, &quiet) == 0 && ins.header_read &&
               ins.verdict != EEI_FMT_BAD_MAGIC;
    input_close(&f);
    return yes;
}

/*
 * A file's header and size are judged before any output exists. No image at IN but one at OUT
 * (which would be replaced): IN and OUT were swapped.
 */
static int judge_input(input_file *in, const char *out_path, eei_error *err)
{
    eei_inspection ins;
    if (!in->regular) {
        return 0;
    }
    if (inspect_input(in, NULL, 0, &ins, err) != 0) {
        return -1;
    }
    if (inspect_reject_keyed(&ins, in->name, err) == 0) {
        return 0;
    }
    if (ins.verdict == EEI_FMT_BAD_MAGIC && looks_like_image(out_path)) {
        return eei_fail(err, EEI_ERR_USAGE,
                        "%s is not an encrypted image, but OUT %s is: the order is 'decrypt IN "
                        "KEY OUT' (OUT is replaced)",
                        in->name, out_path);
    }
    return -1;
}

/* An image rejected for its magic, read as a stream: what the first bytes look like instead. */
static void explain_magic(const file_stream *fs, const char *name, eei_error *err)
{
    char hint[sizeof(err->msg)];
    if (inspect_magic_hint(fs->head, fs->head_len, hint, sizeof(hint))) {
        eei_fail(err, EEI_ERR_REJECTED, "%s: %s", name, hint);
    } else {
        eei_error_prefix(err, name);
    }
}

static void summarise(cJSON *json, const eei_key *key, const eei_decrypt_result *res)
{
    uint8_t fp[EEI_SHA256_SIZE];
    eei_error ignored;
    cJSON_AddStringToObject(json, "scheme", eei_scheme_name(eei_key_get_scheme(key)));
    cJSON_AddNumberToObject(json, "input_size", (double)res->image_size);
    cJSON_AddNumberToObject(json, "output_size", (double)res->payload_size);
    json_add_hex(json, "output_sha256", res->plaintext_sha256, EEI_SHA256_SIZE);
    if (eei_key_fingerprint(key, fp, &ignored) == EEI_OK) {
        json_add_hex(json, "key_fingerprint", fp, EEI_SHA256_SIZE);
    }
}

static int run(const cli_args *args)
{
    if (args->npos != 3) {
        return cli_usage_of(args, "expected IN KEY OUT");
    }
    const char *in_path = args->pos[0], *out_path = args->pos[2];
    if (args->json && strcmp(out_path, "-") == 0) {
        return cli_usage_of(args, "--json prints to stdout: OUT must not be '-'");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0600, .no_clobber = false, .seekable = false};
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    if (cli_check_output(args, out_path, &err) == 0 &&
        cli_load_key_arg(args, 1, "IN KEY OUT", &key, &err) == 0 &&
        input_open(&in, in_path, &err) == 0 && judge_input(&in, out_path, &err) == 0 &&
        output_open(&out, out_path, &oo, &err) == 0) {
        progress p;
        progress_begin(&p, "decrypt", in.size, false, args->quiet || args->json);
        file_stream fs;
        file_stream_init(&fs, &in, NULL, 0, &out, &p);
        eei_decrypt_result res;
        eei_decrypt_options opts = {.flags = json ? EEI_HASH_PLAINTEXT : 0};
        eei_status st = eei_decrypt_stream(key, &fs.io, &opts, &res, &err);
        progress_end(&p);
        if (st == EEI_OK) {
            if (output_commit(&out, &err) == 0 && json) {
                summarise(json, key, &res);
            }
        } else {
            if (st == EEI_ERR_REJECTED) {
                explain_magic(&fs, in.name, &err);
            }
            output_abort(&out);
        }
    }
    input_close(&in);
    eei_key_free(key);
    if (json) {
        cJSON_AddStringToObject(json, "input", in_path);
        cJSON_AddStringToObject(json, "output", out_path);
    }
    return cli_finish(args, json, &err);
}

const cli_command cmd_decrypt = {"decrypt", help,
                                 OPT_PASSPHRASE | OPT_QUIET | OPT_JSON | OPT_MAX_SIZE, run};
