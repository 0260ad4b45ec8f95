/* sign IN --key K...: Secure Boot V2 signature blocks appended to an app. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_stream.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img sign IN --key K [--key K2 [--key K3]] [-o OUT] [--append] [--json]\n"
    "                        [--max-size SIZE] [--passphrase-file FILE] [--quiet]\n"
    "\n"
    "Sign the app IN for ESP Secure Boot V2: pad it with 0xFF to a multiple of 4096 bytes and\n"
    "append a 4096-byte signature sector with one signature block per --key (RSA-3072 PSS,\n"
    "ECDSA P-256 or P-384 private keys; at most 3 blocks). What espsecure.py sign_data\n"
    "--version 2 writes. OUT defaults to IN (the file a symlink leads to), replaced with the\n"
    "same mode only once the signed app is complete. An app signed already is refused: a\n"
    "device reads the first signature sector only; --append adds blocks to it instead. So is\n"
    "an app with bytes after its layout past its last 4096: a device reads the sector right\n"
    "after the layout (rounded up to 4096), so sign the app alone (docs/SIGNING.md).\n"
    "\n"
    "Options:\n"
    "  --key K                   a signing key (PEM or DER), given 1 to 3 times\n"
    "  -k, --keyfile K           the same as --key (espsecure's and imgtool's spelling)\n"
    "  -o, --output OUT          where the signed app goes ('-': stdout)\n"
    "  --version 2               Secure Boot V2 (espsecure's spelling): the only version made\n"
    "  --append                  IN is signed already: keep its blocks (they must sign IN's app)\n"
    "                            and add a block per --key, up to 3 in all\n"
    "  --json                    one JSON object on stdout: sizes and each block's key "
    "digest\n" CLI_HELP_MAX_SIZE CLI_HELP_PASSPHRASE CLI_HELP_PIN CLI_HELP_QUIET
        CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 signed; 1 IN cannot take the blocks (--append: not signed, or changed since;\n"
    "bytes after the app's layout); 2 usage error; 3 file, key or system error.\n";

/* The old signature sector of a signed app: its last 4096 bytes. */
static int read_old_sector(input_file *in, uint8_t sector[EEI_SB_SECTOR_SIZE], eei_error *err)
{
    size_t got = 0;
    if (!in->regular) {
        return eei_fail(err, EEI_ERR_USAGE, "--append reads IN twice: it must be a file");
    }
    if (in->size < 2 * EEI_SB_SECTOR_SIZE || in->size % EEI_SB_SECTOR_SIZE != 0) {
        return eei_fail(err, EEI_ERR_REJECTED,
                        "%s: %llu bytes is no signed app (a multiple of 4096, at least 8192): "
                        "sign it without --append",
                        in->name, (unsigned long long)in->size);
    }
    if (input_pread(in, sector, EEI_SB_SECTOR_SIZE, in->size - EEI_SB_SECTOR_SIZE, &got, err) !=
        0) {
        return -1;
    }
    return got == EEI_SB_SECTOR_SIZE
               ? 0
               : eei_fail(err, EEI_ERR_FILE, "%s: changed size while it was read", in->name);
}

/* The signed app as it was written, read back from the output before it is committed. */
typedef struct {
    output_file *out;
    uint64_t at;
} written_app;

static int read_written(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    written_app *w = ctx;
    if (output_pread(w->out, buf, cap, w->at, got, err) != 0) {
        return -1;
    }
    w->at += *got;
    return 0;
}

/*
 * The blocks of the signed app written, for --json: read from what was written, not from OUT
 * afterwards (a FIFO's reader has taken the bytes, a device gives none back).
 */
static int check_written(output_file *out, eei_sb_report *rep, eei_error *err)
{
    written_app w = {out, 0};
    eei_io io = {.read = read_written, .ctx = &w};
    return eei_sb_check_stream(&io, NULL, 0, rep, err) == EEI_OK ? 0 : -1;
}

static void describe(const eei_sb_report *rep, uint64_t signed_size, cJSON *json)
{
    cJSON_AddNumberToObject(json, "signed_size", (double)signed_size);
    cJSON_AddNumberToObject(json, "app_size", (double)rep->signed_size);
    if (rep->place == EEI_SB_AFTER_APP) { /* the sector follows the app's layout */
        cJSON_AddNumberToObject(json, "layout_end", (double)rep->layout_end);
    } else {
        cJSON_AddNullToObject(json, "layout_end");
    }
    cJSON *blocks = cJSON_AddArrayToObject(json, "blocks");
    for (unsigned i = 0; i < rep->count; i++) {
        const eei_sb_block_info *b = &rep->blocks[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "scheme", eei_sb_scheme_name(b->version, b->curve));
        json_add_hex(o, "key_digest", b->key_digest, EEI_SHA256_SIZE);
        cJSON_AddItemToArray(blocks, o);
    }
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one IN (the app to sign)");
    }
    if (args->sb_version && strcmp(args->sb_version, "2") != 0) {
        char shown[64];
        text_for_display(args->sb_version, shown, sizeof(shown));
        return cli_usage_of(args,
                            "--version %s: this tool makes Secure Boot V2 signature blocks only "
                            "(give --version 2, or leave it out)",
                            shown);
    }
    if (args->keys.n == 0) {
        return cli_usage_of(args, "give the signing key with --key K (up to 3 times)");
    }
    const char *in_path = args->pos[0];
    /* signed in place by default: the file itself, where a symlink leads, keeps its mode */
    char real_in[OS_PATH_MAX];
    const char *out_path =
        args->output ? args->output
        : strcmp(in_path, "-") != 0 && os_realpath(in_path, real_in, sizeof(real_in)) == 0
            ? real_in
            : in_path;
    if (args->json && strcmp(out_path, "-") == 0) {
        return cli_usage_of(args, "--json prints to stdout: OUT must be a file");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *keys[EEI_SB_BLOCKS_MAX] = {NULL};
    input_file in = {.fd = -1};
    output_file out;
    /* seekable: stdout is spooled, so a failure writes nothing there either */
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = true};
    os_info st;
    uint8_t sector[EEI_SB_SECTOR_SIZE];
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    /* OUT may be IN (that is signing in place, the default), never a key or a secret's file */
    const char *inputs[EEI_SB_BLOCKS_MAX + 2] = {args->passphrase_file, args->pin_file};
    for (int i = 0; i < args->keys.n; i++) {
        inputs[2 + i] = args->keys.v[i];
    }
    int rc = output_check(out_path, inputs, 2 + (size_t)args->keys.n, &err);
    /* in place, OUT is IN's file where its links lead: only where the system would follow them */
    rc = rc == 0 && !args->output ? output_refuse_untrusted(in_path, &err) : rc;
    for (int i = 0; rc == 0 && i < args->keys.n; i++) {
        rc = cli_load_signing_key(args->keys.v[i], args, &keys[i], &err);
    }
    rc = rc == 0 ? input_open(&in, in_path, &err) : rc;
    rc = rc == 0 && args->append ? read_old_sector(&in, sector, &err) : rc;
    rc = rc == 0 && !args->append ? input_refuse_signed(&in, &err) : rc;
    if (rc == 0 && !args->output && in.regular && os_fstat(in.fd, &st) == 0) {
        oo.mode = st.mode;
    }
    rc = rc == 0 ? output_open(&out, out_path, &oo, &err) : rc;
    if (rc == 0) {
        file_stream fs;
        uint64_t signed_size = 0;
        file_stream_init(&fs, &in, NULL, 0, &out, NULL);
        if (args->append) {
            file_stream_limit(&fs, in.size - EEI_SB_SECTOR_SIZE);
        }
        rc = eei_sign_stream((const eei_key *const *)keys, (size_t)args->keys.n,
                             args->append ? sector : NULL, &fs.io, &signed_size, &err) == EEI_OK
                 ? 0
                 : -1;
        if (rc == 0 && in.regular && !args->append &&
            signed_size != eei_sb_padded_size(in.size) + EEI_SB_SECTOR_SIZE) {
            rc = eei_fail(&err, EEI_ERR_FILE, "%s: changed size while it was read", in.name);
        }
        if (rc == 0 && signed_size > input_get_max()) { /* it must fit an app partition */
            rc = eei_fail(&err, EEI_ERR_FILE,
                          "%s: %llu bytes once signed, larger than the largest app %s", in.name,
                          (unsigned long long)signed_size, input_max_reason());
        }
        if (rc != 0 && err.status == EEI_ERR_REJECTED) {
            eei_error_prefix(&err, in.name);
        }
        eei_sb_report rep;
        rc = rc == 0 && json ? check_written(&out, &rep, &err) : rc;
        input_close(&in); /* signed in place: Windows replaces no file that is open */
        if (rc == 0 && output_commit(&out, &err) == 0) {
            if (json) {
                describe(&rep, signed_size, json);
            } else if (strcmp(out_path, "-") != 0 && !args->quiet) {
                char shown[OS_PATH_MAX];
                text_for_display(out_path, shown, sizeof(shown));
                printf("%s: signed app, %llu bytes, %d new signature block(s)%s\n", shown,
                       (unsigned long long)signed_size, args->keys.n,
                       args->append ? " after the ones it had" : "");
            }
        } else if (rc != 0) {
            output_abort(&out);
        }
    }
    if (json) {
        cJSON_AddStringToObject(json, "input", in_path);
        cJSON_AddStringToObject(json, "output", out_path);
    }
    input_close(&in);
    for (int i = 0; i < args->keys.n; i++) {
        eei_key_free(keys[i]);
    }
    return cli_finish(args, json, &err);
}

const cli_command cmd_sign = {"sign", help,
                              OPT_KEY | OPT_SIGN_SPELLINGS | OPT_OUTPUT | OPT_APPEND | OPT_JSON |
                                  OPT_PASSPHRASE | OPT_PIN | OPT_QUIET | OPT_MAX_SIZE,
                              run};
