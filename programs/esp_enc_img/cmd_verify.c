/* verify IN [KEY]: structure only, or full authenticated decryption with nothing written. */
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_stream.h"
#include "inspection.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img verify IN [KEY [--pub P ...]] [--no-hash] [--json] [--quiet] [--strict]\n"
    "                          [--max-size SIZE] [--passphrase-file F]\n"
    "\n"
    "Without KEY: the structural checks of 'info' (magic, sizes, scheme, point on the curve).\n"
    "With KEY (the device's RSA private key, P-256 private key or HMAC key): full authenticated\n"
    "decryption with nothing written anywhere, reporting the payload size and the SHA-256 of\n"
    "the plaintext, so CI can prove the image holds exactly the firmware it built, and what the\n"
    "app inside says (project, version, ESP-IDF version, secure version, chip, whether its\n"
    "appended SHA-256 matches, its signature blocks). IN may be '-'.\n"
    "\n"
    "Options:\n"
    "  --pub P                   with KEY: the decrypted app must also be signed (Secure Boot\n"
    "                            V2) with a block that verifies with P (up to 3 times)\n"
    "  --no-hash                 with KEY: authenticate only, without the plaintext SHA-256\n"
    "                            (about twice as fast: SHA-256 is slower than AES-GCM)\n"
    "  --json                    one JSON object on stdout (keys in docs/CLI.md)\n" CLI_HELP_STRICT
        CLI_HELP_QUIET CLI_HELP_MAX_SIZE CLI_HELP_PASSPHRASE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 valid (and with KEY, authentic; with --pub, signed); 1 image rejected (bad\n"
    "magic, wrong length, wrong key, failed tag, invalid point, no signature that verifies);\n"
    "2 usage error; 3 file, key or system error; 4 with --strict, authentic but a warning (the\n"
    "payload is empty or not an app binary).\n";

typedef struct {
    eei_inspection ins;
    bool inspected;
    bool authenticated;
    uint8_t plain_sha[EEI_SHA256_SIZE];
    uint8_t fingerprint[EEI_SHA256_SIZE];
    const eei_key *const *pubs; /* --pub: the app's signature is checked too */
    size_t npubs;
    eei_app_info app; /* the plaintext, read as an app binary */
} verdict;

static int authenticate(input_file *in, const eei_key *key, bool quiet, bool hash, verdict *v,
                        eei_error *err)
{
    progress p;
    progress_begin(&p, "verify", in->size, false, quiet);
    file_stream fs;
    file_stream_init(&fs, in, NULL, 0, NULL, &p);
    eei_decrypt_result res;
    eei_decrypt_options opts = {.flags = hash ? EEI_HASH_PLAINTEXT : 0,
                                .app = &v->app,
                                .sign_keys = v->pubs,
                                .nsign = v->npubs};
    eei_status st = eei_decrypt_stream(key, &fs.io, &opts, &res, err);
    progress_end(&p);
    memcpy(v->plain_sha, res.plaintext_sha256, sizeof(v->plain_sha));
    if (!v->inspected && res.image_size >= EEI_HEADER_SIZE) { /* a stream: judged as it went */
        eei_inspect(res.header, res.header_len, res.image_size, &v->ins);
        v->inspected = true;
    }
    if (st == EEI_ERR_REJECTED) {
        eei_error_prefix(err, in->name);
    }
    v->authenticated = res.authentic; /* the tag; with --pub, the signature is said apart */
    return st == EEI_OK ? 0 : -1;
}

/* An authentic image that holds no app a device would take: say so. */
static const char *plaintext_warning(const verdict *v)
{
    if (v->ins.header.payload_len == 0) {
        return "the image holds nothing (0 payload bytes): a device has no app to take from it";
    }
    if (v->app.layout == EEI_APP_NOT_APP) {
        return "the decrypted payload is not an ESP app binary (no 0xE9 magic byte and app "
               "descriptor, e.g. an ELF file or other data): a device's update refuses it";
    }
    return NULL;
}

static void report_text(const verdict *v, const char *name, bool with_key, bool hash)
{
    const eei_inspection *ins = &v->ins;
    if (!with_key) {
        printf("%s: valid structure: %s, %u payload bytes (not authenticated: give KEY to check "
               "the tag)\n",
               name, eei_scheme_name(ins->scheme), (unsigned)ins->header.payload_len);
        return;
    }
    char hex[2 * EEI_SHA256_SIZE + 1] = "not computed (--no-hash)";
    if (hash) {
        hex_encode(v->plain_sha, sizeof(v->plain_sha), hex);
    }
    printf("%s: authentic: %s, %u payload bytes, plaintext sha256 %s\n", name,
           eei_scheme_name(ins->scheme), (unsigned)ins->header.payload_len, hex);
    const eei_app_info *app = &v->app;
    if (app->layout != EEI_APP_NOT_APP) {
        const char *chip = eei_app_chip_name(app->head.chip_id);
        const char *problem = app_problem(app);
        app_texts t;
        app_texts_of(&app->head, &t);
        printf("%s: app: %s %s (ESP-IDF %s, %s, secure version %u), %s%s\n", name, t.project,
               t.version, t.idf_version, chip ? chip : "unknown chip",
               (unsigned)app->head.secure_version,
               problem                   ? problem
               : app->head.hash_appended ? "appended SHA-256 matches"
                                         : "no appended SHA-256",
               app->signature_sector ? "" : ", not signed");
    }
    for (unsigned i = 0; app->signature_sector && i < app->sig.count; i++) {
        const eei_sb_block_info *b = &app->sig.blocks[i];
        char hex[2 * EEI_SHA256_SIZE + 1];
        hex_encode(b->key_digest, sizeof(b->key_digest), hex);
        if (b->state != EEI_SB_OK) {
            printf("%s: signature block %u: %s\n", name, i, eei_sb_strerror(b->state));
        } else if (b->verified_by >= 0) {
            printf("%s: signed: block %u (%s) verified with key %d\n", name, i,
                   eei_sb_scheme_name(b->version, b->curve), b->verified_by + 1);
        } else {
            printf("%s: signature block %u: %s, key digest %s%s\n", name, i,
                   eei_sb_scheme_name(b->version, b->curve), hex,
                   b->digest_matches ? "" : ", covers another app");
        }
    }
}

static int run(const cli_args *args)
{
    if (args->npos < 1 || args->npos > 2) {
        return cli_usage_of(args, "expected IN [KEY]");
    }
    bool with_key = args->npos == 2;
    if ((args->no_hash || args->pubs.n) && !with_key) {
        return cli_usage_of(args, "--no-hash and --pub go with a KEY");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL, *pubs[EEI_SB_BLOCKS_MAX] = {NULL};
    input_file in = {.fd = -1};
    verdict v = {.pubs = (const eei_key *const *)pubs, .npubs = (size_t)args->pubs.n};
    eei_app_info_clear(&v.app);
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;

    int rc = with_key ? cli_load_key_arg(args, 1, "IN KEY", &key, &err) : 0;
    bool fingerprinted = false; /* the key's, reported even when IN fails */
    if (rc == 0 && with_key) {
        rc = eei_key_fingerprint(key, v.fingerprint, &err) == EEI_OK ? 0 : -1;
        fingerprinted = rc == 0;
    }
    for (int i = 0; rc == 0 && i < args->pubs.n; i++) {
        rc = cli_load_signing_key(args->pubs.v[i], args, &pubs[i], &err);
    }
    if (rc == 0) {
        rc = input_open(&in, args->pos[0], &err);
    }
    /* files and keyless checks: the structure first, before any decryption */
    if (rc == 0 && (in.regular || !with_key)) {
        rc = inspect_input(&in, NULL, 0, &v.ins, &err);
        v.inspected = rc == 0;
        if (rc == 0) {
            rc = with_key ? inspect_reject_keyed(&v.ins, in.name, &err)
                          : inspect_reject(&v.ins, in.name, &err);
        }
    }
    if (rc == 0 && with_key) {
        rc = authenticate(&in, key, args->quiet || args->json, !args->no_hash, &v, &err);
    }
    const char *warning = rc == 0 && with_key ? plaintext_warning(&v) : NULL;
    if (warning) {
        cli_warning(args, warning);
        rc = cli_strict(args, &err);
    }
    if (json) {
        if (v.inspected) {
            inspect_to_json(&v.ins, in.name ? in.name : args->pos[0], json);
        }
        cJSON_AddBoolToObject(json, "authenticated", v.authenticated);
        if (v.authenticated && !args->no_hash) {
            json_add_hex(json, "plaintext_sha256", v.plain_sha, sizeof(v.plain_sha));
        }
        if (fingerprinted) {
            json_add_hex(json, "key_fingerprint", v.fingerprint, sizeof(v.fingerprint));
        }
        if (v.npubs && v.app.sig.count) {
            signature_to_json(&v.app.sig, true, json);
        }
        if (warning) {
            json_add_warning(json, warning);
        }
        if (v.authenticated) {
            app_to_json(&v.app, v.npubs > 0, json);
            const char *problem = v.app.layout == EEI_APP_NOT_APP ? NULL : app_problem(&v.app);
            if (problem) {
                char w[160];
                snprintf(w, sizeof(w), "the app inside: %s", problem);
                json_add_warning(json, w);
            }
        }
        inspect_json_file(json, &in, args->pos[0]); /* what a failure did not get to */
    } else if (rc == 0) {
        report_text(&v, in.name, with_key, !args->no_hash);
    }
    input_close(&in);
    eei_key_free(key);
    for (int i = 0; i < args->pubs.n; i++) {
        eei_key_free(pubs[i]);
    }
    return cli_finish(args, json, &err);
}

const cli_command cmd_verify = {
    "verify", help,
    OPT_JSON | OPT_QUIET | OPT_PASSPHRASE | OPT_NO_HASH | OPT_PUB | OPT_MAX_SIZE | OPT_STRICT, run};
