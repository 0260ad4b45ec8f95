/*
 * batch: one build encrypted for many devices, each to its own key (a manifest); a fleet split
 * over N runners (shards) and their results joined again (merge). The CLI's batch command parses
 * the options and prints; the work and its verdicts are here.
 */
#ifndef EEI_BATCH_H
#define EEI_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "esp_enc_img/esp_enc_img.h"

#define BATCH_JOBS_MAX 256       /* worker threads */
#define BATCH_SHARDS_MAX 100000u /* more than a CI matrix or a Kubernetes Indexed Job holds */

/* What a key the manifest names is for. */
typedef enum {
    BATCH_KEY_DEVICE, /* a device's "public_key": an image is encrypted to it */
    BATCH_KEY_SIGN,   /* a "sign_key": the input is signed with it */
} batch_key_role;

/* A file the run reads besides the manifest's: no output may be it. */
typedef struct {
    const char *path;
    const char *what; /* how a message names it: "the passphrase file" */
} batch_read_file;

typedef struct {
    const char *manifest;   /* MANIFEST.json ("-": stdin) */
    const char *out_dir;    /* where the images and manifest.json go */
    unsigned shard, shards; /* this run's share, K of N; 0 and 0: the whole manifest */
    size_t jobs;            /* worker threads, 1..BATCH_JOBS_MAX */
    bool quiet;             /* no progress line */
    /* Open a key the manifest names (paths resolved against the manifest's folder): 0, or -1
     * with err. Called from the worker threads for BATCH_KEY_DEVICE. */
    int (*load_key)(void *ctx, const char *path, batch_key_role role, eei_key **out,
                    eei_error *err);
    void *load_key_ctx;
    const batch_read_file *reads; /* what load_key reads besides the keys (passphrase, PIN) */
    size_t reads_count;
} batch_request;

/*
 * Run it: DIR/<id>.bin for each device of this run's share, and DIR/manifest.json. 0 when every
 * device was written; otherwise -1 and err: devices failed (EEI_ERR_REJECTED; the others are
 * written, each failure is in the result), or the run could not be made (nothing written).
 * *result: the manifest written, or what was known of it when the run stopped before (the
 * caller frees it). An interruption (SIGINT, SIGTERM, SIGHUP) stops the work between devices:
 * *stop_signal is its number (0: none), and the caller ends as interrupted.
 */
int batch_run(const batch_request *req, cJSON **result, int *stop_signal, eei_error *err);

/*
 * The interruption that has arrived since batch_run began to catch them (0: none). The catching
 * stays after batch_run returns: one that comes while the caller prints the result is only
 * noted, so the caller asks here once it has printed, and ends as interrupted.
 */
int batch_stop_signal(void);

/* "K/N": whole numbers, 1 <= K <= N <= BATCH_SHARDS_MAX, nothing else. */
bool batch_shard_parse(const char *text, unsigned *k, unsigned *n);

/*
 * Join the shards' manifest.json files (count of them; "-": stdin) into the one a single run
 * over the whole manifest writes, written to output ("-": stdout). 0 when every device was
 * written; -1 and err when devices failed (EEI_ERR_REJECTED, the manifest is written) or the
 * shards do not make one run (nothing written). *merged: the manifest, or NULL when it could not
 * be made (the caller frees it).
 */
int batch_merge(const char *const *shards, size_t count, const char *output, cJSON **merged,
                eei_error *err);

#endif
