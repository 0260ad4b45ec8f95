/* The batch command: its options and what it prints; the work is programs/batch's. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "batch.h"
#include "cli.h"
#include "json_out.h"
#include "os.h"

static const char help[] =
    "Usage: esp_enc_img batch MANIFEST.json --out-dir DIR [--shard K/N] [--jobs N] [--json]\n"
    "                         [--quiet]\n"
    "       esp_enc_img batch --merge SHARD_MANIFEST... -o FILE [--json] [--quiet]\n"
    "\n"
    "Encrypt one build for many devices, each to its own key with its own fresh key material.\n"
    "MANIFEST.json: {\"input\": \"app.bin\", \"devices\": [{\"id\": \"dev-0001\", \"public_key\":\n"
    "\"keys/dev-0001.pem\"}, ...]}, paths relative to the manifest. A public_key is the device's\n"
    "public key (what 'esp_enc_img pubkey' gives): RSA-3072 or P-256 (plain or HMAC-derived),\n"
    "mixed; a 32-byte HMAC key is the chip's secret and is refused. Writes DIR/<id>.bin per\n"
    "device and DIR/manifest.json (per device: id, scheme, output, size, sha256, key\n"
    "fingerprint, status). Ids are letters, digits, '.', '_' and '-' (not '.' or '..'), unique\n"
    "in any case (Dev1 and dev1 would be one file on Windows and macOS).\n"
    "A device that fails (a bad id or key, a write error) is reported as failed and the others\n"
    "are still written; the DIR/<id>.bin an earlier run wrote for it stays in place, its entry\n"
    "marked \"previous_kept\": true. A manifest that is not JSON is refused with the place of\n"
    "the mistake (MANIFEST.json:LINE:COLUMN). Refused before any work, nothing written: an\n"
    "output (DIR/manifest.json, an image) that is a file the run reads (the manifest, the\n"
    "input, any public_key, a sign_key, the passphrase or PIN file), by whatever path or link.\n"
    "The input is read once; outputs are written atomically. A top-level \"sign_key\" (a path\n"
    "or a pkcs11: URI, or a list of up to 3) signs the input for Secure Boot V2 once, and every\n"
    "image holds the signed app.\n"
    "\n"
    "A fleet too large for one machine: N runners each run 'batch ... --shard K/N' (K = 1..N)\n"
    "and write only the images of shard K, and a DIR/manifest.json of those, marked \"shard\":\n"
    "\"K/N\". A device's shard follows from its id alone (the first 4 bytes of the id's SHA-256\n"
    "as a number, mod N, plus 1): adding or removing devices moves no other device. Then\n"
    "'batch --merge' joins the shards' manifest.json files into FILE, what one run over the\n"
    "whole manifest writes; it refuses shards of different manifests, builds or signing keys,\n"
    "a shard missing or given twice, a device in two shards, twice in one or in a shard its\n"
    "id does not name, an id at two indexes (unless failed at both: an id given twice), a\n"
    "status or an output that batch does not write (ok with <id>.bin, or failed with none),\n"
    "an entry in no shard, mixed N, and -o naming a shard's file. The images stay where each\n"
    "shard wrote them (their names never collide).\n"
    "\n"
    "Options:\n"
    "  -d, --out-dir DIR   where the images and manifest.json go (created if missing)\n"
    "  --shard K/N         write shard K of N only: 1 <= K <= N <= 100000\n"
    "  --merge             join the shards' manifest.json files given as arguments\n"
    "  -o, --output FILE   where --merge writes the manifest ('-': stdout)\n"
    "  -j, --jobs N        worker threads, 1..256 (default: the number of cores)\n"
    "  --max-size SIZE     the largest input app (default 16M, the largest app partition a\n"
    "                      chip boots; K, M and G suffixes)\n"
    "  --json              the resulting (or merged) manifest as one JSON object on stdout\n"
    "  -q, --quiet         no progress line (shown when stderr is a terminal) and no summary\n"
    "  -p, --passphrase-file F  passphrase of an encrypted sign_key (first line of F);\n"
    "                      otherwise $ESP_ENC_IMG_PASSPHRASE is used\n"
    "  --pin-file F        user PIN of the PKCS#11 token of a pkcs11: sign_key (first line of\n"
    "                      F); otherwise $ESP_ENC_IMG_PKCS11_PIN is used\n"
    "  -v, --verbose       print the crypto library's errors\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 every device written; 1 at least one device failed; 2 usage error;\n"
    "3 manifest, input or system error, an output that is an input (nothing written), or\n"
    "shards that do not make one run (nothing merged).\n";

/*
 * A key the manifest names: a device's public key (a secret given there is refused), or a
 * sign_key, opened with the passphrase and PIN the options give.
 */
static int load_key(void *ctx, const char *path, batch_key_role role, eei_key **out, eei_error *err)
{
    const cli_args *args = ctx;
    if (role == BATCH_KEY_SIGN) {
        return cli_load_key(path, args, out, err);
    }
    if (cli_load_key(path, NULL, out, err) != 0) {
        return -1;
    }
    if (cli_refuse_secret_key(*out, path, "its public_key", err) != 0) {
        eei_key_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static size_t devices_in(const cJSON *result)
{
    return (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result, "devices"));
}

/*
 * A line on stderr for each device a result lists as failed; with escaped, its texts made safe
 * to print first (a shard's file is anyone's). out_dir: where the run wrote, named with an
 * earlier image it kept; NULL for a merge, whose images stay in each shard's folder, not here.
 */
static void report_failures(const cJSON *result, const char *out_dir, bool escaped)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(result, "devices"))
    {
        const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "status"));
        if (status && strcmp(status, "ok") == 0) {
            continue;
        }
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "id"));
        const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "error"));
        char id_shown[4 * 128 + 1], why_shown[4 * sizeof(((eei_error *)0)->msg)];
        id = id ? id : "";
        why = why ? why : "failed";
        if (escaped) {
            text_for_display(id, id_shown, sizeof(id_shown));
            text_for_display(why, why_shown, sizeof(why_shown));
            id = id_shown;
            why = why_shown;
        }
        if (out_dir && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "previous_kept"))) {
            fprintf(stderr, "%s: batch: %s: %s (%s/%s.bin, an earlier run's image, is kept)\n",
                    EEI_PROG, id, why, out_dir, id);
        } else {
            fprintf(stderr, "%s: batch: %s: %s\n", EEI_PROG, id, why);
        }
    }
}

/* The command's end: its JSON (a result, or nothing of one known) or its message. */
static int finish(const cli_args *args, cJSON *result, const eei_error *err)
{
    if (args->json && !result) {
        result = cJSON_CreateObject();
    } else if (!args->json) {
        cJSON_Delete(result);
        result = NULL;
    }
    return cli_finish(args, result, err);
}

/* The options that write or read something else than shard results. */
static const char *not_for_merge(const cli_args *args)
{
    return args->out_dir           ? "--out-dir"
           : args->jobs            ? "--jobs"
           : args->shard           ? "--shard"
           : args->passphrase_file ? "--passphrase-file"
           : args->pin_file        ? "--pin-file"
                                   : NULL;
}

static int merge(const cli_args *args)
{
    const char *other = not_for_merge(args);
    if (other) {
        return cli_usage_of(args,
                            "option '%s' does not apply to --merge, which joins the "
                            "shards' manifest.json files",
                            other);
    }
    if (args->npos < 1 || !args->output) {
        return cli_usage_of(args, "expected --merge SHARD_MANIFEST... -o FILE");
    }
    if (args->json && strcmp(args->output, "-") == 0) {
        return cli_usage_of(args, "--json prints to stdout: -o must be a file");
    }
    eei_error err = {EEI_OK, ""};
    cJSON *merged = NULL;
    int rc = batch_merge((const char *const *)args->pos, (size_t)args->npos, args->output, &merged,
                         &err);
    report_failures(merged, NULL, true);
    if (rc == 0 && !args->quiet && !args->json && strcmp(args->output, "-") != 0) {
        printf("batch: %d shards merged: %zu devices, all written (%s lists them)\n", args->npos,
               devices_in(merged), args->output);
    }
    return finish(args, merged, &err);
}

static int run(const cli_args *args)
{
    if (args->merge) {
        return merge(args);
    }
    if (args->output) {
        return cli_usage_of(args, "option '--output' is for --merge: the images and "
                                  "manifest.json go to --out-dir DIR");
    }
    if (args->npos != 1 || !args->out_dir) {
        return cli_usage_of(args, "expected MANIFEST.json --out-dir DIR");
    }
    batch_request req = {.manifest = args->pos[0],
                         .out_dir = args->out_dir,
                         .jobs = args->jobs ? (size_t)args->jobs : (size_t)os_cpu_count(),
                         .quiet = args->quiet,
                         .load_key = load_key,
                         .load_key_ctx = (void *)args};
    if (args->shard && !batch_shard_parse(args->shard, &req.shard, &req.shards)) {
        return cli_usage_of(
            args,
            "option '--shard' takes K/N, this run's share of N: whole numbers, 1 <= "
            "K <= N <= %u (e.g. --shard 2/4), not '%.40s'",
            BATCH_SHARDS_MAX, args->shard);
    }
    batch_read_file reads[2];
    if (args->passphrase_file) {
        reads[req.reads_count++] = (batch_read_file){args->passphrase_file, "the passphrase file"};
    }
    if (args->pin_file) {
        reads[req.reads_count++] = (batch_read_file){args->pin_file, "the PIN file"};
    }
    req.reads = reads;
    eei_error err = {EEI_OK, ""};
    cJSON *result = NULL;
    int stop = 0;
    int rc = batch_run(&req, &result, &stop, &err);
    report_failures(result, args->out_dir, false);
    if (rc == 0 && !args->quiet && !args->json) {
        char what[48] = "batch";
        if (req.shards) {
            snprintf(what, sizeof(what), "batch: shard %u/%u", req.shard, req.shards);
        }
        printf("%s: %zu images written to %s (manifest.json lists them)\n", what,
               devices_in(result), args->out_dir);
    }
    int code = finish(args, result, &err);
    stop = stop ? stop : batch_stop_signal(); /* one that came while the result was printed */
    if (stop) {
        os_end_as(stop); /* ends as interrupted (128 + signal) */
    }
    return code;
}

const cli_command cmd_batch = {"batch", help,
                               OPT_OUT_DIR | OPT_OUTPUT | OPT_JOBS | OPT_JSON | OPT_QUIET |
                                   OPT_PASSPHRASE | OPT_PIN | OPT_SHARD | OPT_MAX_SIZE,
                               run};
