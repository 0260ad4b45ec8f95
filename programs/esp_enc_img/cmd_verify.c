/* verify IN [KEY]: structure only, or full authenticated decryption with nothing written. */
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_stream.h"
#include "inspection.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img verify IN [KEY [--pub P ...]] [--no-hash] [--json] [--quiet]\n"
    "                          [--passphrase-file F]\n"
    "\n"
    "Without KEY: the structural checks of 'info' (magic, sizes, scheme, point on the curve).\n"
    "With KEY (the device's RSA private key, P-256 private key or HMAC key): full authenticated\n"
    "decryption with nothing written anywhere, reporting the payload size and the SHA-256 of\n"
    "the plaintext, so CI can prove the image holds exactly the firmware it built. IN may be '-'.\n"
    "\n"
    "Options:\n"
    "  --pub P                   with KEY: the decrypted app must also be signed (Secure Boot\n"
    "                            V2) with a block that verifies with P (up to 3 times)\n"
    "  --no-hash                 with KEY: authenticate only, without the plaintext SHA-256\n"
    "                            (about twice as fast: SHA-256 is slower than AES-GCM)\n"
    "  --json                    one JSON object on stdout (keys in docs/CLI.md)\n" CLI_HELP_QUIET
        CLI_HELP_PASSPHRASE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 valid (and with KEY, authentic; with --pub, signed); 1 image rejected (bad\n"
    "magic, wrong length, wrong key, failed tag, invalid point, no signature that verifies);\n"
    "2 usage error; 3 file, key or system error.\n";

typedef struct {
    eei_inspection ins;
    bool inspected;
    bool authenticated;
    uint8_t plain_sha[EEI_SHA256_SIZE];
    uint8_t fingerprint[EEI_SHA256_SIZE];
    const eei_key *const *pubs; /* --pub: the app's signature is checked too */
    size_t npubs;
    eei_sb_report sig;
} verdict;

static int authenticate(input_file *in, const eei_key *key, bool quiet, bool hash, verdict *v,
                        eei_error *err)
{
    progress p;
    progress_begin(&p, "verify", in->size, false, quiet);
    file_stream fs;
    file_stream_init(&fs, in, NULL, 0, NULL, &p);
    eei_decrypt_result res;
    unsigned flags = hash ? EEI_HASH_PLAINTEXT : 0;
    eei_status st = v->npubs ? eei_decrypt_signed_stream(key, &fs.io, flags, v->pubs, v->npubs,
                                                         &res, &v->sig, err)
                             : eei_decrypt_stream(key, &fs.io, flags, &res, err);
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
    for (unsigned i = 0; v->npubs && i < v->sig.count; i++) {
        const eei_sb_block_info *b = &v->sig.blocks[i];
        if (b->verified_by >= 0) {
            printf("%s: signed: block %u (%s) verified with key %d\n", name, i,
                   eei_sb_scheme_name(b->version, b->curve), b->verified_by + 1);
        }
    }
}

/* The app's signature blocks, for --json. */
static void signature_to_json(const eei_sb_report *sig, cJSON *json)
{
    cJSON *blocks = cJSON_AddArrayToObject(json, "signature_blocks");
    bool verified = false;
    for (unsigned i = 0; i < sig->count; i++) {
        const eei_sb_block_info *b = &sig->blocks[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "verified", b->verified_by >= 0);
        if (b->state == EEI_SB_OK) {
            cJSON_AddStringToObject(o, "scheme", eei_sb_scheme_name(b->version, b->curve));
            json_add_hex(o, "key_digest", b->key_digest, EEI_SHA256_SIZE);
        }
        cJSON_AddItemToArray(blocks, o);
        verified |= b->verified_by >= 0;
    }
    cJSON_AddBoolToObject(json, "signature_verified", verified);
}

static int run(const cli_args *args)
{
    if (args->npos < 1 || args->npos > 2) {
        return cli_usage(args->cmd, "expected IN [KEY]");
    }
    bool with_key = args->npos == 2;
    if ((args->no_hash || args->pubs.n) && !with_key) {
        return cli_usage(args->cmd, "--no-hash and --pub go with a KEY");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL, *pubs[EEI_SB_BLOCKS_MAX] = {NULL};
    input_file in = {.fd = -1};
    verdict v = {.pubs = (const eei_key *const *)pubs, .npubs = (size_t)args->pubs.n};
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;

    int rc = with_key ? cli_load_key(args->pos[1], args, &key, &err) : 0;
    for (int i = 0; rc == 0 && i < args->pubs.n; i++) {
        rc = cli_load_key(args->pubs.v[i], args, &pubs[i], &err);
    }
    if (rc == 0) {
        rc = input_open(&in, args->pos[0], &err);
    }
    /* files and keyless checks: the structure first, before any decryption */
    if (rc == 0 && (in.regular || !with_key)) {
        rc = inspect_input(&in, &v.ins, &err);
        v.inspected = rc == 0;
        if (rc == 0) {
            rc = with_key ? inspect_reject_keyed(&v.ins, in.name, &err)
                          : inspect_reject(&v.ins, in.name, &err);
        }
    }
    if (rc == 0 && with_key) {
        rc = eei_key_fingerprint(key, v.fingerprint, &err) == EEI_OK ? 0 : -1;
        if (rc == 0) {
            rc = authenticate(&in, key, args->quiet || args->json, !args->no_hash, &v, &err);
        }
    }
    if (json) {
        if (v.inspected) {
            inspect_to_json(&v.ins, in.name ? in.name : args->pos[0], json);
        }
        cJSON_AddBoolToObject(json, "authenticated", v.authenticated);
        if (v.authenticated && !args->no_hash) {
            json_add_hex(json, "plaintext_sha256", v.plain_sha, sizeof(v.plain_sha));
        }
        if (with_key && key) {
            json_add_hex(json, "key_fingerprint", v.fingerprint, sizeof(v.fingerprint));
        }
        if (v.npubs && v.sig.count) {
            signature_to_json(&v.sig, json);
        }
    } else if (rc == 0) {
        report_text(&v, in.name, with_key, !args->no_hash);
    }
    input_close(&in);
    eei_key_free(key);
    for (int i = 0; i < args->pubs.n; i++) {
        eei_key_free(pubs[i]);
    }
    return json ? json_finish(json, &err, args->verbose) : cli_report(&err, args->verbose);
}

const cli_command cmd_verify = {"verify", help,
                                OPT_JSON | OPT_QUIET | OPT_PASSPHRASE | OPT_NO_HASH | OPT_PUB, run};
