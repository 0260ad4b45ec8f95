/* verify-signature IN --pub P...: which Secure Boot V2 blocks of a signed app verify. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "file_stream.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img verify-signature IN --pub P [--pub P2 [--pub P3]] [--json] [--quiet]\n"
    "                                    [--max-size SIZE]\n"
    "\n"
    "Check the Secure Boot V2 signature sector of the signed app IN: each block's CRC, that it\n"
    "signs this app (its digest), and its signature with the public keys given (PEM or DER;\n"
    "a private key works too). Says which block verified with which key, and each block's key\n"
    "digest (what the eFuse holds). IN may be '-'. The sector is read where a device reads it:\n"
    "right after the app's layout rounded up to 4096 bytes (the last 4096 bytes of data with\n"
    "no app layout); blocks anywhere else verify nothing, and both places are said.\n"
    "\n"
    "Options:\n"
    "  --pub P                   a public key to verify with, given 1 to 3 times\n"
    "  --json                    one JSON object on stdout (keys in docs/CLI.md)\n" CLI_HELP_QUIET
        CLI_HELP_MAX_SIZE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 a block verified with a given key; 1 none did (IN is not a signed app, its\n"
    "sector is not where a device reads it, it is signed twice, or every block made with a\n"
    "given key was altered); 2 usage error; 3 file or key error.\n";

/* A block's verdict, in words. */
static const char *verdict(const eei_sb_report *rep, const eei_sb_block_info *b)
{
    if (b->state != EEI_SB_OK) {
        return eei_sb_strerror(b->state);
    }
    if (rep->misplaced) {
        return "not where a device reads the signature sector: it covers nothing a device reads";
    }
    if (!b->digest_matches) {
        return "signs another app (the app was changed after it was signed)";
    }
    return b->verified_by >= 0 ? "verified" : "not made by any key given";
}

/* Where the sector read is, and where a device reads it: one line, before the blocks. */
static void print_place(const eei_sb_report *rep)
{
    unsigned long long at = rep->signed_size, device = rep->device_offset, end = rep->layout_end;
    if (rep->place == EEI_SB_AT_END) {
        printf("signature sector at byte %llu, the last 4096 bytes: IN has no app layout (not an "
               "app binary, or a broken one), after which a device would read it\n",
               at);
    } else if (rep->misplaced) {
        printf("signature sector at byte %llu, NOT where a device reads it: at byte %llu, after "
               "the app's layout (which ends at byte %llu)\n",
               at, device, end);
    } else {
        printf("signature sector at byte %llu, where a device reads it: after the app's layout "
               "(which ends at byte %llu)\n",
               at, end);
    }
}

/* Where the sector is and where a device reads it, as far as IN was read. */
static void place_to_json(const eei_sb_report *rep, bool found, cJSON *json)
{
    if (found) {
        cJSON_AddNumberToObject(json, "sector_offset", (double)rep->signed_size);
    }
    if (rep->place != EEI_SB_AT_NONE) {
        cJSON_AddNumberToObject(json, "device_offset", (double)rep->device_offset);
    }
    if (rep->place == EEI_SB_AFTER_APP) {
        cJSON_AddNumberToObject(json, "layout_end", (double)rep->layout_end);
    } else if (rep->place == EEI_SB_AT_END) {
        cJSON_AddNullToObject(json, "layout_end");
    }
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one IN (a signed app)");
    }
    if (args->pubs.n == 0) {
        return cli_usage_of(args, "give the public key to verify with: --pub P (up to 3 times)");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *keys[EEI_SB_BLOCKS_MAX] = {NULL};
    input_file in = {.fd = -1};
    eei_sb_report rep;
    eei_sb_report_clear(&rep);
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    int rc = 0;
    for (int i = 0; rc == 0 && i < args->pubs.n; i++) {
        rc = cli_load_signing_key(args->pubs.v[i], args, &keys[i], &err);
    }
    /* names as every line shows them: a terminal escape in one is shown, never obeyed */
    char name[4 * OS_PATH_MAX + 1], pubs[EEI_SB_BLOCKS_MAX][4 * OS_PATH_MAX + 1];
    text_for_display(strcmp(args->pos[0], "-") == 0 ? "stdin" : args->pos[0], name, sizeof(name));
    for (int i = 0; i < args->pubs.n; i++) {
        text_for_display(args->pubs.v[i], pubs[i], sizeof(pubs[i]));
    }
    rc = rc == 0 ? input_open(&in, args->pos[0], &err) : rc;
    in.name = name;
    if (rc == 0) {
        file_stream fs;
        file_stream_init(&fs, &in, NULL, 0, NULL, NULL);
        if (eei_sb_check_stream(&fs.io, (const eei_key *const *)keys, (size_t)args->pubs.n, &rep,
                                &err) != EEI_OK) {
            if (err.status == EEI_ERR_REJECTED) {
                eei_error_prefix(&err, name);
            }
            rc = -1;
        }
    }
    /* the blocks of a sector found: where a device reads it, or elsewhere (they count nothing) */
    bool found = rc == 0 || rep.misplaced;
    int verified = -1;
    cJSON *blocks = json && found ? cJSON_AddArrayToObject(json, "blocks") : NULL;
    if (found && !json) {
        print_place(&rep);
    }
    for (unsigned i = 0; found && i < rep.count; i++) {
        const eei_sb_block_info *b = &rep.blocks[i];
        char hex[2 * EEI_SHA256_SIZE + 1];
        hex_encode(b->key_digest, sizeof(b->key_digest), hex);
        verified = verified < 0 && b->verified_by >= 0 ? (int)i : verified;
        if (blocks) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "state", verdict(&rep, b));
            cJSON_AddBoolToObject(o, "verified", b->verified_by >= 0);
            if (b->state == EEI_SB_OK) {
                cJSON_AddStringToObject(o, "scheme", eei_sb_scheme_name(b->version, b->curve));
                cJSON_AddStringToObject(o, "key_digest", hex);
            }
            if (b->verified_by >= 0) {
                cJSON_AddStringToObject(o, "key", pubs[b->verified_by]);
            }
            cJSON_AddItemToArray(blocks, o);
        } else if (b->state == EEI_SB_OK) {
            printf("block %u: %s, key digest %s: %s%s%s\n", i,
                   eei_sb_scheme_name(b->version, b->curve), hex, verdict(&rep, b),
                   b->verified_by >= 0 ? " with " : "",
                   b->verified_by >= 0 ? pubs[b->verified_by] : "");
        } else {
            printf("block %u: %s\n", i, verdict(&rep, b));
        }
    }
    if (rc == 0 && verified < 0) {
        eei_fail(&err, EEI_ERR_REJECTED, "%s: no signature block verifies with the keys given",
                 name);
    }
    if (json) {
        cJSON_AddStringToObject(json, "file", name);
        cJSON_AddBoolToObject(json, "verified", verified >= 0);
        if (rc == 0) {
            cJSON_AddNumberToObject(json, "app_size", (double)rep.signed_size);
        }
        place_to_json(&rep, found, json);
    }
    input_close(&in);
    for (int i = 0; i < args->pubs.n; i++) {
        eei_key_free(keys[i]);
    }
    char line[sizeof(err.msg)]; /* a key's name, as the loader said it, too */
    text_for_display(err.msg, line, sizeof(line));
    memcpy(err.msg, line, sizeof(line));
    return cli_finish(args, json, &err);
}

const cli_command cmd_verify_signature = {"verify-signature", help,
                                          OPT_PUB | OPT_JSON | OPT_QUIET | OPT_MAX_SIZE, run};
