#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "fileio.h"
#include "json_out.h"
#include "key_files.h"
#include "options.h"
#include "passphrase_prompt.h"

#define FLAG(name, letter, field, group)                                                           \
    {                                                                                              \
        name, letter, OPTION_FLAG, offsetof(cli_args, field), 0, 0, group                          \
    }
#define TEXT(name, letter, field, group)                                                           \
    {                                                                                              \
        name, letter, OPTION_TEXT, offsetof(cli_args, field), 0, 0, group                          \
    }
#define NUMBER(name, field, min, max, group)                                                       \
    {                                                                                              \
        name, 0, OPTION_NUMBER, offsetof(cli_args, field), min, max, group                         \
    }

static const option_spec cli_options[] = {
    FLAG("verbose", 'v', verbose, 0),
    FLAG("force", 'f', force, OPT_FORCE),
    TEXT("out-dir", 'd', out_dir, OPT_OUT_DIR),
    TEXT("output", 'o', output, OPT_OUTPUT),
    TEXT("passphrase-file", 'p', passphrase_file, OPT_PASSPHRASE),
    TEXT("pin-file", 0, pin_file, OPT_PIN),
    FLAG("json", 0, json, OPT_JSON),
    FLAG("quiet", 'q', quiet, OPT_QUIET),
    {"jobs", 'j', OPTION_NUMBER, offsetof(cli_args, jobs), 1, BATCH_JOBS_MAX, OPT_JOBS},
    TEXT("format", 0, format, OPT_FORMAT),
    TEXT("name", 0, name, OPT_NAME),
    FLAG("no-hash", 0, no_hash, OPT_NO_HASH),
    TEXT("bind", 0, bind, OPT_SERVE),
    NUMBER("port", port, 0, 65535, OPT_SERVE),
    TEXT("cert", 0, cert, OPT_SERVE),
    {"key", 0, OPTION_LIST, offsetof(cli_args, keys), 0, EEI_SB_BLOCKS_MAX, OPT_KEY},
    {"keyfile", 'k', OPTION_LIST, offsetof(cli_args, keys), 0, EEI_SB_BLOCKS_MAX,
     OPT_SIGN_SPELLINGS},
    TEXT("version", 0, sb_version, OPT_SIGN_SPELLINGS),
    {"pub", 0, OPTION_LIST, offsetof(cli_args, pubs), 0, EEI_SB_BLOCKS_MAX, OPT_PUB},
    {"sign-key", 0, OPTION_LIST, offsetof(cli_args, sign_keys), 0, EEI_SB_BLOCKS_MAX, OPT_SIGN_KEY},
    FLAG("append", 0, append, OPT_APPEND),
    TEXT("self-signed", 0, self_signed, OPT_SERVE),
    TEXT("cert-dir", 0, cert_dir, OPT_SERVE),
    NUMBER("timeout", timeout, 1, 3600, OPT_SERVE),
    NUMBER("max-clients", max_clients, 1, 4096, OPT_SERVE),
    NUMBER("days", days, 1, 36500, OPT_SERVE),
    TEXT("shard", 0, shard, OPT_SHARD),
    FLAG("merge", 0, merge, OPT_SHARD),
    TEXT("max-size", 0, max_size, OPT_MAX_SIZE),
    TEXT("hmac-key", 0, hmac_key, OPT_DS),
    TEXT("target", 0, target, OPT_DS),
    TEXT("offset", 0, offset, OPT_DS),
    NUMBER("key-block", key_block, 0, EEI_DS_KEY_BLOCKS - 1, OPT_DS),
    FLAG("strict", 0, strict, OPT_STRICT),
    {NULL, 0, OPTION_FLAG, 0, 0, 0, 0},
};

/*
 * --json is on the command line, where the parser may not have got to (it stops at a mistake):
 * spelled whole or by a beginning only it has ("--js").
 */
static bool json_asked(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        size_t n = strlen(argv[i]);
        if (n >= 4 && n <= 6 && strncmp(argv[i], "--json", n) == 0) {
            return true;
        }
    }
    return false;
}

/* --max-size: bytes, or K, M, G (KiB, MiB, GiB); at most what the format's length can hold. */
static bool parse_size(const char *text, uint64_t *out)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0}, {"K", 10}, {"M", 20}, {"G", 30}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}};
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9') {
        return false;
    }
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    for (size_t i = 0; errno == 0 && i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) == 0 && n > 0 &&
            n <= (EEI_MAX_PAYLOAD >> units[i].shift)) {
            *out = (uint64_t)n << units[i].shift;
            return *out <= EEI_MAX_PAYLOAD;
        }
    }
    return false;
}

static bool strict_tripped;

int cli_run(const cli_command *cmd, int argc, char **argv)
{
    cli_args args = {.cmd = cmd->name,
                     .bind = "127.0.0.1",
                     .port = 8070,
                     .timeout = 10,
                     .max_clients = 64,
                     .key_block = 1};
    options_outcome out;
    switch (options_parse(argc, argv, cli_options, cmd->options, &args, &out)) {
    case OPTIONS_HELP:
        fputs(cmd->help, stdout);
        return cli_exit_code(EEI_OK);
    case OPTIONS_USAGE: /* with --json anywhere on the line, the JSON answer too */
        args.json = (cmd->options & OPT_JSON) && json_asked(argc, argv);
        return cli_usage_of(&args, "%s", out.why);
    case OPTIONS_RUN:
        break;
    }
    args.npos = out.npos;
    args.pos = out.pos;
    uint64_t max = 0;
    if (args.max_size && !parse_size(args.max_size, &max)) {
        return cli_usage_of(&args,
                            "--max-size takes a size from 1 to 4294967295 bytes, with K, M or G "
                            "for KiB, MiB or GiB (e.g. 64M): not '%s'",
                            args.max_size);
    }
    if (args.max_size) {
        input_set_max(max);
    }
    int code = cmd->run(&args);
    return strict_tripped && code != 0 ? CLI_EXIT_STRICT : code;
}

int cli_exit_code(eei_status status)
{
    switch (status) {
    case EEI_OK:
        return 0;
    case EEI_ERR_REJECTED:
        return 1;
    case EEI_ERR_USAGE:
        return 2;
    case EEI_ERR_FILE:
    case EEI_ERR_KEY:
    case EEI_ERR_SYSTEM:
        break;
    }
    return 3;
}

static int usage_v(const char *cmd, bool json, const char *fmt, va_list ap)
{
    eei_error err = {EEI_ERR_USAGE, ""};
    int n = snprintf(err.msg, sizeof(err.msg), "%s: ", cmd);
    vsnprintf(err.msg + n, sizeof(err.msg) - (size_t)n, fmt, ap);
    if (json) {
        cJSON *obj = cJSON_CreateObject();
        json_add_missing(obj, cmd);
        json_print(obj, err.msg);
    }
    fprintf(stderr, "%s: %s\nTry '%s %s --help'.\n", EEI_PROG, err.msg, EEI_PROG, cmd);
    return cli_exit_code(err.status);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int code = usage_v(cmd, false, fmt, ap);
    va_end(ap);
    return code;
}

int cli_usage_of(const cli_args *args, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int code = usage_v(args->cmd, args->json, fmt, ap);
    va_end(ap);
    return code;
}

int cli_report(const eei_error *err, bool verbose)
{
    bool failed = err->status != EEI_OK;
    if (failed) {
        fprintf(stderr, "%s: %s\n", EEI_PROG, err->msg);
    }
    /* what the library tried and dropped on the way to a success is no error of the command */
    eei_report_crypto_errors(verbose && failed ? stderr : NULL);
    return cli_exit_code(err->status);
}

int cli_finish(const cli_args *args, cJSON *json, const eei_error *err)
{
    if (!json) {
        return cli_report(err, args->verbose);
    }
    json_add_missing(json, args->cmd); /* what a failure did not get to */
    json_print(json, err->status == EEI_OK ? NULL : err->msg);
    return cli_report(err, args->verbose);
}

static char first_warning[sizeof(((eei_error *)0)->msg)];

void cli_warning(const cli_args *args, const char *text)
{
    if (!first_warning[0]) {
        snprintf(first_warning, sizeof(first_warning), "%s", text);
    }
    if (!args->quiet && !args->strict) { /* under --strict it is the error, printed once */
        fprintf(stderr, "%s: warning: %s\n", EEI_PROG, text);
    }
}

int cli_strict(const cli_args *args, eei_error *err)
{
    if (!args->strict || !first_warning[0]) {
        return 0;
    }
    strict_tripped = true;
    return eei_fail(err, EEI_ERR_REJECTED, "%s (--strict: a warning is an error)", first_warning);
}

int cli_check_output(const cli_args *args, const char *out, eei_error *err)
{
    const char *inputs[64];
    size_t n = 0;
    for (int i = 0; i < args->npos && n < 48; i++) {
        if (args->pos[i] != out) {
            inputs[n++] = args->pos[i];
        }
    }
    const option_list *lists[] = {&args->keys, &args->pubs, &args->sign_keys};
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        for (int i = 0; i < lists[l]->n; i++) {
            inputs[n++] = lists[l]->v[i];
        }
    }
    inputs[n++] = args->passphrase_file;
    inputs[n++] = args->pin_file;
    inputs[n++] = args->cert;
    inputs[n++] = args->hmac_key;
    return output_check(out, inputs, n, err);
}

int cli_load_key_arg(const cli_args *args, int key_pos, const char *order, eei_key **out,
                     eei_error *err)
{
    if (cli_load_key(args->pos[key_pos], args, out, err) == 0) {
        return 0;
    }
    if (err->status != EEI_ERR_KEY && err->status != EEI_ERR_FILE) {
        return -1;
    }
    for (int i = 0; i < args->npos; i++) { /* is the key given in another place? */
        eei_key *other = NULL;
        eei_error quiet = {EEI_OK, ""};
        os_info st;
        /*
         * Only small regular files are looked at (never stdin, a FIFO, a device or a token),
         * and not 32-byte ones: any 32 bytes read as an HMAC key, so they prove nothing.
         */
        if (i == key_pos || os_stat(args->pos[i], &st) != 0 || st.kind != OS_FILE ||
            st.size > 64 * 1024 || st.size == EEI_HMAC_KEY_SIZE ||
            cli_load_key(args->pos[i], NULL, &other, &quiet) != 0) {
            continue;
        }
        eei_key_free(other);
        return eei_fail(err, EEI_ERR_USAGE,
                        "argument %d '%s' is not a key, but argument %d '%s' is: the order is "
                        "'%s %s'",
                        key_pos + 1, args->pos[key_pos], i + 1, args->pos[i], args->cmd, order);
    }
    return -1;
}

int cli_refuse_secret_key(const eei_key *key, const char *path, const char *what, eei_error *err)
{
    if (!eei_key_is_hmac_derived(key)) {
        return 0;
    }
    return eei_fail(err, EEI_ERR_KEY,
                    "%s: %s is a secret: the 32-byte HMAC key 'keygen hmac' writes, to be burnt "
                    "into the chip's eFuse, not a public key; give the device's public key "
                    "instead (device_pub_key.pem, or 'esp_enc_img pubkey %s' prints it)",
                    path, what, path);
}

/*
 * A token's key refused for want of what the command line gives: the library says what is
 * missing, this says how to give it (the library knows no option and no environment).
 */
static void token_hint(eei_error *err, bool module_given)
{
    static const struct {
        const char *says, *hint;
    } hints[] = {
        {"which module?", " or set $ESP_ENC_IMG_PKCS11_MODULE"},
        {"needs its user PIN", ": give --pin-file FILE or set $ESP_ENC_IMG_PKCS11_PIN"},
        {"a PIN in the URI", " with --pin-file FILE or $ESP_ENC_IMG_PKCS11_PIN"},
    };
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        if (strstr(err->msg, hints[i].says) && !(i == 0 && module_given)) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof(err->msg) - n, "%s", hints[i].hint);
            return;
        }
    }
}

static int load_key(const char *path, const cli_args *args, bool signing, const char *ds_chip,
                    eei_key **out, eei_error *err)
{
    if (strcmp(path, "-") == 0) {
        return eei_fail(err, EEI_ERR_USAGE, "the key must be a file, not stdin");
    }
    if (file_refuse_reserved(path, err) != 0 ||
        file_refuse_reserved(args ? args->passphrase_file : NULL, err) != 0 ||
        file_refuse_reserved(args ? args->pin_file : NULL, err) != 0) {
        return -1;
    }
    eei_key_options opts = {.signing = signing, .ds_chip = ds_chip};
    if (!args) {
        return eei_key_load_file(path, &opts, out, err) == EEI_OK ? 0 : -1;
    }
    /* the passphrase: from its file, or $ESP_ENC_IMG_PASSPHRASE, or asked for on a terminal */
    char *secret = NULL;
    size_t secret_size = 0;
    bool token = eei_key_name_is_pkcs11(path);
    const char *secret_file = token ? args->pin_file : args->passphrase_file;
    if (secret_file &&
        key_secret_file_read(secret_file, token ? "PIN file" : "passphrase file",
                             token ? "PIN" : "passphrase", &secret, &secret_size, err) != 0) {
        eei_error_prefix(err, path);
        return -1;
    }
    if (!token && args->passphrase_file) {
        opts.passphrase = secret[0] ? secret : NULL;
        opts.ask_passphrase = secret[0] ? NULL : key_passphrase_file_empty;
        opts.ask_ctx = (void *)args->passphrase_file;
    } else if (!token) { /* set but empty is unset, as a shell's VAR= means */
        const char *env = os_getenv("ESP_ENC_IMG_PASSPHRASE");
        opts.passphrase = env && env[0] ? env : NULL;
        /* asked only when the key is protected */
        opts.ask_passphrase =
            passphrase_prompt_possible() ? passphrase_prompt : key_passphrase_hint;
        opts.ask_ctx = "give --passphrase-file FILE or set ESP_ENC_IMG_PASSPHRASE (stdin is not "
                       "a terminal to ask on)";
    }
    /* a token's PIN: from its file or $ESP_ENC_IMG_PKCS11_PIN; its module */
    opts.pin = secret_file ? secret : os_getenv("ESP_ENC_IMG_PKCS11_PIN");
    opts.pkcs11_module = os_getenv("ESP_ENC_IMG_PKCS11_MODULE");
    int rc = 0;
    if (token && secret && !secret[0]) { /* a try with nothing uses up one of the token's */
        rc = eei_fail(err, EEI_ERR_KEY, "%s: the PKCS#11 PIN is empty: check %s", path,
                      args->pin_file);
    } else {
        rc = eei_key_load_file(path, &opts, out, err) == EEI_OK ? 0 : -1;
    }
    if (rc != 0 && token) {
        token_hint(err, opts.pkcs11_module != NULL);
    }
    eei_free(secret, secret_size);
    return rc;
}

int cli_load_key(const char *path, const cli_args *args, eei_key **out, eei_error *err)
{
    return load_key(path, args, false, NULL, out, err);
}

int cli_load_signing_key(const char *path, const cli_args *args, eei_key **out, eei_error *err)
{
    return load_key(path, args, true, NULL, out, err);
}

int cli_load_ds_key(const char *path, const cli_args *args, const char *chip, eei_key **out,
                    eei_error *err)
{
    return load_key(path, args, false, chip, out, err);
}
