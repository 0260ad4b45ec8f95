#include "batch_shards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json_file.h"
#include "json_text.h"

#define SHARD_MANIFEST_MAX (64u << 20)
#define DEVICES_MAX 100000000.0 /* more than a manifest of SHARD_MANIFEST_MAX bytes can list */

const char *const batch_run_keys[] = {
    "input", "input_size", "signed_size", "sign_key_digests", "input_sha256", "manifest_sha256",
};
const size_t batch_run_keys_count = sizeof(batch_run_keys) / sizeof(batch_run_keys[0]);

/* A whole number from 1 to max, digits only; the rest of the text from *end. */
static bool parse_count(const char *text, const char **end, unsigned max, unsigned *out)
{
    unsigned long v = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9' && v <= max; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *end = p;
    *out = (unsigned)v;
    return p != text && v >= 1 && v <= max;
}

bool batch_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > BATCH_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool batch_shard_parse(const char *text, unsigned *k, unsigned *n)
{
    const char *slash, *end;
    return parse_count(text, &slash, BATCH_SHARDS_MAX, k) && *slash == '/' &&
           parse_count(slash + 1, &end, BATCH_SHARDS_MAX, n) && *end == '\0' && *k <= *n;
}

int batch_shard_of(const char *id, unsigned n, unsigned *shard, eei_error *err)
{
    eei_sha256 *sha = NULL;
    uint8_t d[EEI_SHA256_SIZE];
    if (eei_sha256_new(&sha, err) != EEI_OK) {
        return -1;
    }
    eei_sha256_update(sha, (const uint8_t *)id, strlen(id));
    eei_sha256_final(sha, d);
    eei_sha256_free(sha);
    uint32_t h = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | (uint32_t)d[3];
    *shard = h % n + 1;
    return 0;
}

/* ---- --merge ---- */

typedef struct {
    const char *path;
    cJSON *json;
    const cJSON *devices;
    unsigned k, n;
    double total; /* devices_total: the whole manifest's */
} shard_result;

typedef struct {
    const cJSON *device;
    const char *id;
    size_t index; /* its entry in the manifest */
    size_t from;  /* the shard_result it came from */
    size_t seq;   /* its place among all the devices the shards list, as read */
} placed_device;

/* A shard's manifest.json: what --shard wrote, or refused with why. */
static int read_shard(shard_result *s, const char *path, eei_error *err)
{
    uint8_t *text = NULL;
    size_t len = 0;
    s->path = path;
    if (json_file_read(path, SHARD_MANIFEST_MAX, &s->json, &text, &len, err) != 0) {
        return -1;
    }
    free(text);
    const cJSON *shard = cJSON_GetObjectItemCaseSensitive(s->json, "shard");
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(s->json, "devices_total");
    s->devices = cJSON_GetObjectItemCaseSensitive(s->json, "devices");
    if (!shard) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: not the manifest.json of a shard: it has no \"shard\" (a 'batch "
                        "--shard K/N' run writes one)",
                        path);
    }
    if (!cJSON_IsString(shard) || !batch_shard_parse(shard->valuestring, &s->k, &s->n)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: \"shard\" is not \"K/N\"", path);
    }
    if (!cJSON_IsNumber(total) || total->valuedouble < 0 || total->valuedouble > DEVICES_MAX ||
        (double)(long long)total->valuedouble != total->valuedouble) {
        return eei_fail(err, EEI_ERR_FILE, "%s: \"devices_total\" is not a count of devices", path);
    }
    s->total = total->valuedouble;
    /* what every run writes: without it, two shards could agree by both lacking it */
    static const char *const strings[] = {"input", "input_sha256", "manifest_sha256"};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s->json, strings[i]))) {
            return eei_fail(err, EEI_ERR_FILE, "%s: not a batch result: \"%s\" is missing", path,
                            strings[i]);
        }
    }
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s->json, "input_size")) ||
        !cJSON_IsArray(s->devices)) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: not a batch result: \"input_size\" or \"devices\" is missing", path);
    }
    return 0;
}

/* The same value, or absent from both. */
static bool same_item(const cJSON *a, const cJSON *b)
{
    return a || b ? a && b && cJSON_Compare(a, b, true) : true;
}

/* Two shards of one run: the same manifest, the same split, the same build. */
static int same_run(const shard_result *a, const shard_result *b, eei_error *err)
{
    const char *key = "manifest_sha256";
    if (!same_item(cJSON_GetObjectItemCaseSensitive(a->json, key),
                   cJSON_GetObjectItemCaseSensitive(b->json, key))) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s and %s are shards of different manifests (their manifest_sha256 "
                        "differ): merge the shards of one manifest",
                        a->path, b->path);
    }
    if (a->n != b->n) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s is shard %u/%u and %s is shard %u/%u: the shards of one run split the "
                        "manifest the same way (one N)",
                        a->path, a->k, a->n, b->path, b->k, b->n);
    }
    for (size_t i = 0; i < batch_run_keys_count; i++) {
        key = batch_run_keys[i];
        if (!same_item(cJSON_GetObjectItemCaseSensitive(a->json, key),
                       cJSON_GetObjectItemCaseSensitive(b->json, key))) {
            return eei_fail(err, EEI_ERR_FILE,
                            "%s and %s differ in \"%s\": not shards of one run (the same "
                            "manifest, input and signing keys): run every shard again",
                            a->path, b->path, key);
        }
    }
    if (a->total != b->total) {
        return eei_fail(err, EEI_ERR_FILE, "%s and %s differ in \"devices_total\"", a->path,
                        b->path);
    }
    return 0;
}

/* Shards 1..N, each once. */
static int every_shard_once(const shard_result *s, size_t count, eei_error *err)
{
    unsigned n = s[0].n;
    size_t *given = calloc(n + 1, sizeof(*given)); /* 1 + the file's index, by K */
    if (!given) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (given[s[i].k]) {
            rc = eei_fail(err, EEI_ERR_FILE, "shard %u/%u given twice: %s and %s", s[i].k, n,
                          s[given[s[i].k] - 1].path, s[i].path);
        }
        given[s[i].k] = i + 1;
    }
    for (unsigned k = 1; rc == 0 && k <= n; k++) {
        if (!given[k]) {
            rc = eei_fail(err, EEI_ERR_FILE,
                          "shard %u/%u is missing (%zu of %u given): merge the manifest.json of "
                          "every shard",
                          k, n, count, n);
        }
    }
    free(given);
    return rc;
}

/* A device's text from a shard's file, safe for one line of a terminal ("?" when absent). */
typedef struct {
    char text[160];
} shown;

static shown device_text(const cJSON *device, const char *key)
{
    shown out;
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(device, key));
    text_for_display(text ? text : "?", out.text, sizeof(out.text));
    return out;
}

/* A device's value as text for a message: its string escaped, or what it is instead. */
static shown value_text(const cJSON *device, const char *key)
{
    shown out;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(device, key);
    if (cJSON_IsString(item)) {
        char text[sizeof(out.text) - 2];
        text_for_display(item->valuestring, text, sizeof(text));
        snprintf(out.text, sizeof(out.text), "\"%s\"", text);
    } else {
        snprintf(out.text, sizeof(out.text), "%s", !item ? "absent" : "not a string");
    }
    return out;
}

/*
 * What batch writes for a device, and nothing else: "status" "ok" with "output" "<id>.bin" (a
 * valid id), or "failed" without an output, "previous_kept" true or absent. A merged manifest
 * passes these on to whatever ships the images: a path there must be the one batch wrote.
 */
static int device_as_written(const shard_result *s, const cJSON *d, const char *id, eei_error *err)
{
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "status"));
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(d, "output");
    const cJSON *kept = cJSON_GetObjectItemCaseSensitive(d, "previous_kept");
    bool ok = status && strcmp(status, "ok") == 0;
    bool failed = status && strcmp(status, "failed") == 0;
    if (!ok && !failed) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: device %s has \"status\" %s: not what batch writes (\"ok\" or "
                        "\"failed\")",
                        s->path, device_text(d, "id").text, value_text(d, "status").text);
    }
    if (ok && !batch_id_valid(id)) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: device %s has \"status\" \"ok\", but batch writes no image for "
                        "such an id (letters, digits, '.', '_' and '-' only)",
                        s->path, device_text(d, "id").text);
    }
    char want[BATCH_ID_MAX + 8];
    snprintf(want, sizeof(want), "%s.bin", id);
    if (ok && (!cJSON_IsString(output) || strcmp(output->valuestring, want) != 0)) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: device %s has \"output\" %s, not \"%s\": what batch writes for it",
                        s->path, device_text(d, "id").text, value_text(d, "output").text, want);
    }
    if (failed && output) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: device %s failed, yet has \"output\" %s: batch writes none for a "
                        "failed device",
                        s->path, device_text(d, "id").text, value_text(d, "output").text);
    }
    if (kept && !(failed && cJSON_IsTrue(kept))) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: device %s has \"previous_kept\" %s and \"status\" \"%s\": batch "
                        "writes it as true, for a failed device only",
                        s->path, device_text(d, "id").text,
                        cJSON_IsTrue(kept)    ? "true"
                        : cJSON_IsFalse(kept) ? "false"
                                              : "not a boolean",
                        status);
    }
    return 0;
}

static int by_index(const void *a, const void *b)
{
    const placed_device *x = a, *y = b;
    if (x->index != y->index) {
        return (x->index > y->index) - (x->index < y->index);
    }
    return (x->seq > y->seq) - (x->seq < y->seq); /* in the order read: messages do not vary */
}

static int by_id(const void *a, const void *b)
{
    const placed_device *x = *(const placed_device *const *)a;
    const placed_device *y = *(const placed_device *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static bool is_failed(const placed_device *p)
{
    const char *status =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p->device, "status"));
    return status && strcmp(status, "failed") == 0;
}

/*
 * One id, one index: a run lists an id at two only when the manifest gives it twice, and then
 * fails it at each; else the merged manifest would give one image to two entries. Sorted by id,
 * the entries of one id lie side by side.
 */
static int one_index_per_id(const shard_result *s, const placed_device *placed, size_t n,
                            eei_error *err)
{
    const placed_device **sorted = malloc((n ? n : 1) * sizeof(const placed_device *));
    if (!sorted) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        sorted[i] = &placed[i];
    }
    qsort(sorted, n, sizeof(const placed_device *), by_id);
    int rc = 0;
    for (size_t i = 1; rc == 0 && i < n; i++) {
        const placed_device *a = sorted[i - 1], *b = sorted[i];
        if (strcmp(a->id, b->id) == 0 && !(is_failed(a) && is_failed(b))) {
            rc = eei_fail(err, EEI_ERR_FILE,
                          "device %s has two indexes, %zu (%s) and %zu (%s), and is not failed at "
                          "both: a run lists an id twice only when the manifest gives it twice, "
                          "failed at each",
                          device_text(a->device, "id").text, a->index, s[a->from].path, b->index,
                          s[b->from].path);
        }
    }
    free(sorted);
    return rc;
}

/*
 * Every device the shards list, in manifest order: each below devices_total, none twice, none
 * missing. The list takes as many places as the shards list devices, whatever total they claim.
 */
static int place_devices(const shard_result *s, size_t count, size_t total, placed_device **out,
                         eei_error *err)
{
    size_t listed = 0;
    for (size_t i = 0; i < count; i++) {
        listed += (size_t)cJSON_GetArraySize(s[i].devices);
    }
    *out = NULL;
    placed_device *placed = calloc(listed ? listed : 1, sizeof(*placed));
    if (!placed) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        return -1;
    }
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const cJSON *d;
        cJSON_ArrayForEach(d, s[i].devices)
        {
            const cJSON *index = cJSON_GetObjectItemCaseSensitive(d, "index");
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "id"));
            double v = cJSON_IsNumber(index) ? index->valuedouble : -1;
            if (!id || v < 0 || v >= (double)total || (double)(long long)v != v) {
                rc = eei_fail(err, EEI_ERR_FILE,
                              "%s: a device without an \"id\" or an \"index\" below "
                              "devices_total (%zu)",
                              s[i].path, total);
                break;
            }
            unsigned k = 0;
            rc = batch_shard_of(id, s[i].n, &k, err);
            if (rc == 0 && k != s[i].k) { /* another split, or an edited file */
                rc = eei_fail(err, EEI_ERR_FILE,
                              "%s lists device %s in shard %u/%u, but its id belongs to shard "
                              "%u/%u: not a shard that 'batch --shard' wrote",
                              s[i].path, device_text(d, "id").text, s[i].k, s[i].n, k, s[i].n);
            }
            rc = rc == 0 ? device_as_written(&s[i], d, id, err) : rc;
            if (rc != 0) {
                break;
            }
            placed[n] = (placed_device){d, id, (size_t)v, i, n};
            n++;
        }
    }
    if (rc == 0) {
        qsort(placed, n, sizeof(*placed), by_index);
    }
    for (size_t i = 1; rc == 0 && i < n; i++) {
        const placed_device *a = &placed[i - 1], *b = &placed[i];
        if (a->index == b->index && a->from == b->from) {
            rc = eei_fail(err, EEI_ERR_FILE,
                          "%s lists entry %zu of the manifest twice (as %s and as %s)",
                          s[b->from].path, b->index + 1, device_text(a->device, "id").text,
                          device_text(b->device, "id").text);
        } else if (a->index == b->index) {
            rc = eei_fail(err, EEI_ERR_FILE,
                          "device %s (entry %zu of the manifest) is in two shards: %s and %s",
                          device_text(b->device, "id").text, b->index + 1, s[a->from].path,
                          s[b->from].path);
        }
    }
    for (size_t i = 0; rc == 0 && i < total; i++) { /* sorted, each once: entry i is at i */
        if (i >= n || placed[i].index != i) {
            eei_fail(err, EEI_ERR_FILE, "entry %zu of the manifest is in no shard's manifest.json",
                     i + 1);
            rc = -1;
        }
    }
    rc = rc == 0 ? one_index_per_id(s, placed, n, err) : rc;
    if (rc != 0) {
        free(placed);
        placed = NULL;
    }
    *out = placed;
    return rc;
}

/* What one run over the whole manifest writes: its keys, every device in manifest order. */
static cJSON *merged_result(const shard_result *first, const placed_device *placed, size_t total,
                            size_t *failed)
{
    cJSON *root = cJSON_CreateObject();
    for (size_t i = 0; root && i < batch_run_keys_count; i++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(first->json, batch_run_keys[i]);
        if (item) {
            cJSON_AddItemToObject(root, batch_run_keys[i], cJSON_Duplicate(item, true));
        }
    }
    cJSON *list = cJSON_AddArrayToObject(root, "devices");
    size_t ok = 0;
    for (size_t i = 0; list && i < total; i++) {
        const char *status =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(placed[i].device, "status"));
        ok += status && strcmp(status, "ok") == 0;
        cJSON_AddItemToArray(list, cJSON_Duplicate(placed[i].device, true));
    }
    cJSON_AddNumberToObject(root, "succeeded", (double)ok);
    cJSON_AddNumberToObject(root, "failed", (double)(total - ok));
    *failed = total - ok;
    return root;
}

/* True when stdin reads the file at path (a '-' shard redirected from it), links followed. */
static bool stdin_is(const char *path)
{
    os_info in, out;
    return strcmp(path, "-") != 0 && os_fstat(0, &in) == 0 && os_stat(path, &out) == 0 &&
           in.dev == out.dev && in.ino == out.ino;
}

int batch_merge(const char *const *paths, size_t count, const char *output, cJSON **merged_out,
                eei_error *err)
{
    size_t total = 0, failed = 0;
    shard_result *shards = NULL;
    placed_device *placed = NULL;
    cJSON *merged = NULL;
    int rc = 0;
    /* -o naming a shard's file (a link or another path to it too) would replace that shard */
    for (size_t i = 0; rc == 0 && i < count; i++) {
        bool from_stdin = strcmp(paths[i], "-") == 0;
        if (from_stdin ? stdin_is(output) : same_file(output, paths[i])) {
            rc = eei_fail(err, EEI_ERR_FILE,
                          "-o %s is the shard manifest %s%s: the merged manifest would replace "
                          "it; nothing written (write it to another file)",
                          output, from_stdin ? "read from " : "", from_stdin ? "stdin" : paths[i]);
        }
    }
    if (count == 0) {
        eei_fail(err, EEI_ERR_USAGE, "batch --merge: no shard manifest given");
        rc = -1;
    }
    if (rc == 0 && !(shards = calloc(count, sizeof(*shards)))) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = read_shard(&shards[i], paths[i], err);
    }
    for (size_t i = 1; rc == 0 && i < count; i++) {
        rc = same_run(&shards[0], &shards[i], err);
    }
    rc = rc == 0 ? every_shard_once(shards, count, err) : rc;
    if (rc == 0) {
        total = (size_t)shards[0].total;
        rc = place_devices(shards, count, total, &placed, err);
    }
    if (rc == 0) {
        merged = merged_result(&shards[0], placed, total, &failed);
        rc = merged ? json_file_write(output, merged, err)
                    : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    if (rc != 0) {
        eei_error_prefix(err, "batch --merge");
    } else if (failed) {
        rc = eei_fail(err, EEI_ERR_REJECTED, "batch: %zu of %zu devices failed (see %s)", failed,
                      total, output);
    }
    free(placed);
    for (size_t i = 0; shards && i < count; i++) {
        cJSON_Delete(shards[i].json);
    }
    free(shards);
    *merged_out = merged;
    return rc;
}
