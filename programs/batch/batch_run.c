/* batch MANIFEST.json --out-dir DIR: one build, encrypted for every device of a fleet. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "batch.h"
#include "batch_shards.h"
#include "file_stream.h"
#include "json_file.h"
#include "json_text.h"

#define MAX_ID BATCH_ID_MAX
/* a static text: a device's problem points at it wherever the device is moved */
static const char bad_id[] =
    "bad id: letters, digits, '.', '_' and '-' only, 1 to 128 of them, not '.' or '..'";
_Static_assert(MAX_ID == 128, "bad_id gives the limit");
#define MANIFEST_MAX (64u << 20)
#define MAX_JOBS BATCH_JOBS_MAX

typedef struct {
    char id[MAX_ID + 1];
    size_t index;   /* its entry in the manifest, from 0 */
    unsigned shard; /* with --shard: the one that writes it */
    bool id_ok;     /* a usable file name: DIR/<id>.bin */
    char *key_path;
    const char *problem; /* found before any work: bad or duplicate id, no key (static text) */
    bool ok;
    bool previous_kept; /* failed, and DIR/<id>.bin is an earlier run's image, left in place */
    eei_scheme scheme;
    uint8_t sha[EEI_SHA256_SIZE];
    uint8_t fingerprint[EEI_SHA256_SIZE];
    char error[sizeof(((eei_error *)0)->msg)];
} device;

typedef struct {
    device *devices; /* this run's share of the manifest's devices, in manifest order */
    size_t count;
    size_t total;           /* the manifest's devices */
    unsigned shard, shards; /* --shard K/N; 0/0 for the whole manifest */
    uint8_t *input;         /* the build, read once: every image is made of these same bytes */
    size_t input_len;
    size_t payload_len; /* what each image holds: the input, signed when the manifest says so */
    uint8_t sign_digests[EEI_SB_BLOCKS_MAX][EEI_SHA256_SIZE]; /* the signing keys' digests */
    size_t sign_count;
    const char *out_dir;
    const batch_request *req;
    atomic_size_t next;
    atomic_size_t done;
} batch;

/* Set by SIGINT, SIGTERM or SIGHUP: no device is started after it, and the manifest says so. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

int batch_stop_signal(void)
{
    return stop_signal;
}

static int output_path(const batch *b, const device *d, const char *suffix, char *path, size_t len)
{
    int n = snprintf(path, len, "%s/%s%s", b->out_dir, d->id, suffix);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/*
 * One device: its key, its image, its hashes. A device that fails keeps the image an earlier run
 * wrote for it (outputs are renamed into place only when complete): the manifest says so.
 */
static void run_device(batch *b, device *d)
{
    eei_error err = {EEI_OK, ""};
    char path[OS_PATH_MAX];
    eei_key *key = NULL;
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = true};
    bool have_path = d->id_ok && output_path(b, d, ".bin", path, sizeof(path)) == 0;

    if (d->problem) {
        eei_fail(&err, EEI_ERR_REJECTED, "%s", d->problem);
    } else if (!have_path) {
        eei_fail(&err, EEI_ERR_FILE, "output path too long");
    } else if (stop_signal) {
        eei_fail(&err, EEI_ERR_REJECTED, "interrupted (%s) before this device",
                 os_signal_name(stop_signal));
    } else if (b->req->load_key(b->req->load_key_ctx, d->key_path, BATCH_KEY_DEVICE, &key, &err) ==
                   0 &&
               eei_key_fingerprint(key, d->fingerprint, &err) == EEI_OK &&
               output_open(&out, path, &oo, &err) == 0) {
        file_stream fs;
        file_stream_init(&fs, NULL, b->input, b->payload_len, &out, NULL);
        int rc = eei_encrypt_stream(key, &fs.io, NULL, &err) == EEI_OK ? 0 : -1;
        if (rc == 0) {
            rc = output_sha256(&out, d->sha, &err);
        }
        if (rc == 0) {
            output_commit(&out, &err);
        } else {
            output_abort(&out);
        }
    }
    d->ok = err.status == EEI_OK;
    if (key) {
        d->scheme = eei_key_get_scheme(key);
    }
    eei_key_free(key);
    if (!d->ok) {
        os_info st;
        snprintf(d->error, sizeof(d->error), "%s", err.msg);
        d->previous_kept = have_path && os_stat(path, &st) == 0 && st.kind == OS_FILE;
    }
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (size_t i; (i = atomic_fetch_add(&b->next, 1)) < b->count; atomic_fetch_add(&b->done, 1)) {
        run_device(b, &b->devices[i]);
    }
    return NULL;
}

/* A path from the manifest: relative to the manifest's folder unless absolute. */
static char *resolve(const char *manifest_dir, const char *path)
{
    size_t n = strlen(manifest_dir) + strlen(path) + 2;
    char *out = malloc(n);
    if (out) {
        snprintf(out, n, "%s%s%s", path[0] == '/' ? "" : manifest_dir, path[0] == '/' ? "" : "/",
                 path);
    }
    return out;
}

static const char *json_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Ids compared as Windows and macOS compare file names: letters without regard to case. */
static int id_caseless(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = *a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a;
        int y = *b >= 'A' && *b <= 'Z' ? *b - 'A' + 'a' : *b;
        if (x != y || x == 0) {
            return (x > y) - (x < y);
        }
    }
}

static int by_id(const void *a, const void *b)
{
    const device *x = *(const device *const *)a, *y = *(const device *const *)b;
    int c = id_caseless(x->id, y->id);
    c = c ? c : strcmp(x->id, y->id);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static const char duplicate[] = "duplicate id";
static const char duplicate_but_case[] =
    "duplicate id, but for letter case: Windows and macOS take both for one file name, and one "
    "image would replace the other";

/*
 * An id twice would make one image overwrite the other: every entry of it fails; so does an id
 * that differs from another only in case (Dev1.bin and dev1.bin are one file on Windows and
 * macOS; a manifest means the same on every system). Sorted by id, the entries of one id are side
 * by side, exact twins next to each other: n log n, a fleet of a million is checked in seconds.
 */
static int mark_duplicates(batch *b, eei_error *err)
{
    device **sorted = malloc((b->count ? b->count : 1) * sizeof(device *));
    if (!sorted) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (b->devices[i].id_ok) {
            sorted[n++] = &b->devices[i];
        }
    }
    qsort(sorted, n, sizeof(device *), by_id);
    for (size_t i = 0; i < n;) {
        size_t end = i + 1;
        while (end < n && id_caseless(sorted[i]->id, sorted[end]->id) == 0) {
            end++;
        }
        for (size_t j = i; end - i > 1 && j < end; j++) {
            bool twin = (j > i && strcmp(sorted[j - 1]->id, sorted[j]->id) == 0) ||
                        (j + 1 < end && strcmp(sorted[j + 1]->id, sorted[j]->id) == 0);
            if (!sorted[j]->problem) {
                sorted[j]->problem = twin ? duplicate : duplicate_but_case;
            }
        }
        i = end;
    }
    free(sorted);
    return 0;
}

/* The devices of the manifest, with every problem found before work begins. */
static int load_devices(const cJSON *list, const char *dir, batch *b, eei_error *err)
{
    b->count = (size_t)cJSON_GetArraySize(list);
    b->devices = calloc(b->count ? b->count : 1, sizeof(device));
    if (!b->devices) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    size_t i = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, list)
    {
        device *d = &b->devices[i];
        d->index = i++;
        const cJSON *id_item = cJSON_GetObjectItemCaseSensitive(entry, "id");
        const char *id = json_string(entry, "id");
        const char *key = json_string(entry, "public_key");
        d->id_ok = id && batch_id_valid(id);
        if (id) {
            text_for_display(id, d->id, sizeof(d->id)); /* the id itself when it is valid */
        } else {
            snprintf(d->id, sizeof(d->id), "#%zu", i); /* the manifest's entry number */
        }
        if (!cJSON_IsObject(entry)) {
            d->problem = "the entry is not an object {\"id\": ..., \"public_key\": ...}";
        } else if (!id_item) {
            d->problem = "no \"id\" for this device";
        } else if (!id) {
            d->problem = "the \"id\" is not a string";
        } else if (!d->id_ok) {
            d->problem = bad_id;
        } else if (!key) {
            d->problem = "no \"public_key\" (a string) for this device";
        } else if (!(d->key_path = resolve(dir, key))) {
            return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        }
    }
    return mark_duplicates(b, err);
}

/* SHA-256 of bytes in memory: the input, the manifest. */
static int sha256_of(const void *data, size_t len, uint8_t digest[EEI_SHA256_SIZE], eei_error *err)
{
    eei_sha256 *sha = NULL;
    if (eei_sha256_new(&sha, err) != EEI_OK) {
        return -1;
    }
    eei_sha256_update(sha, data, len);
    eei_sha256_final(sha, digest);
    eei_sha256_free(sha);
    return 0;
}

/* With --shard K/N, the shard of every device (without it, 0: this run's). */
static int assign_shards(batch *b, eei_error *err)
{
    b->total = b->count;
    for (size_t i = 0; b->shards && i < b->count; i++) {
        if (batch_shard_of(b->devices[i].id, b->shards, &b->devices[i].shard, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/*
 * With --shard K/N, only the devices of shard K stay: the others are another runner's. Problems
 * were found over the whole manifest first (a duplicate id is one in every shard).
 */
static void keep_share(batch *b)
{
    if (!b->shards) {
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (b->devices[i].shard == b->shard) {
            b->devices[kept++] = b->devices[i];
        } else {
            free(b->devices[i].key_path);
        }
    }
    b->count = kept;
}

static cJSON *result_json(const batch *b, const char *input,
                          const uint8_t input_sha[EEI_SHA256_SIZE],
                          const uint8_t manifest_sha[EEI_SHA256_SIZE])
{
    cJSON *root = cJSON_CreateObject();
    size_t ok = 0;
    cJSON_AddStringToObject(root, "input", input);
    cJSON_AddNumberToObject(root, "input_size", (double)b->input_len);
    if (b->payload_len != b->input_len) {
        cJSON_AddNumberToObject(root, "signed_size", (double)b->payload_len);
        cJSON *digests = cJSON_AddArrayToObject(root, "sign_key_digests");
        for (size_t i = 0; digests && i < b->sign_count; i++) {
            char hex[2 * EEI_SHA256_SIZE + 1];
            hex_encode(b->sign_digests[i], EEI_SHA256_SIZE, hex);
            cJSON_AddItemToArray(digests, cJSON_CreateString(hex));
        }
    }
    json_add_hex(root, "input_sha256", input_sha, EEI_SHA256_SIZE);
    json_add_hex(root, "manifest_sha256", manifest_sha, EEI_SHA256_SIZE);
    if (b->shards) {
        char shard[32];
        snprintf(shard, sizeof(shard), "%u/%u", b->shard, b->shards);
        cJSON_AddStringToObject(root, "shard", shard);
        cJSON_AddNumberToObject(root, "devices_total", (double)b->total);
    }
    cJSON *list = cJSON_AddArrayToObject(root, "devices");
    for (size_t i = 0; i < b->count; i++) {
        const device *d = &b->devices[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", d->id);
        cJSON_AddNumberToObject(o, "index", (double)d->index);
        cJSON_AddStringToObject(o, "status", d->ok ? "ok" : "failed");
        if (d->ok) {
            char file[MAX_ID + 8];
            snprintf(file, sizeof(file), "%s.bin", d->id);
            cJSON_AddStringToObject(o, "scheme", eei_scheme_name(d->scheme));
            cJSON_AddStringToObject(o, "output", file);
            cJSON_AddNumberToObject(o, "size", (double)(b->payload_len + EEI_HEADER_SIZE));
            json_add_hex(o, "sha256", d->sha, sizeof(d->sha));
            json_add_hex(o, "key_fingerprint", d->fingerprint, sizeof(d->fingerprint));
            ok++;
        } else {
            cJSON_AddStringToObject(o, "error", d->error);
            if (d->previous_kept) {
                cJSON_AddBoolToObject(o, "previous_kept", true);
            }
        }
        cJSON_AddItemToArray(list, o);
    }
    cJSON_AddNumberToObject(root, "succeeded", (double)ok);
    cJSON_AddNumberToObject(root, "failed", (double)(b->count - ok));
    return root;
}

static int run_workers(batch *b, size_t jobs, bool quiet)
{
    pthread_t threads[MAX_JOBS];
    size_t started = 0;
    for (; started < jobs; started++) {
        if (pthread_create(&threads[started], NULL, worker, b) != 0) {
            break;
        }
    }
    if (started == 0) {
        worker(b); /* no thread could start: do the work here */
    }
    progress p;
    progress_begin(&p, "batch", b->count, true, quiet);
    for (size_t done; p.tty && (done = atomic_load(&b->done)) < b->count;) {
        progress_update(&p, done);
        os_sleep_ms(50);
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    progress_end(&p);
    return 0;
}

/*
 * The input, read once into memory that every worker shares: the images are made of these bytes
 * and the manifest's hash is theirs, whatever happens to the file meanwhile.
 */
static int read_input(const char *path, batch *b, uint8_t sha[EEI_SHA256_SIZE], eei_error *err)
{
    input_file in;
    if (input_open(&in, path, err) != 0) {
        return -1;
    }
    size_t got = 0;
    int rc = 0;
    if (!in.regular) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: the input must be a regular file", path);
    } else if (in.size > EEI_MAX_PAYLOAD || in.size > SIZE_MAX - EEI_SIGN_TAIL_MAX) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: over 4294967295 bytes (4 GiB - 1)", path);
    } else if (in.size == 0) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s is empty: there is no firmware to encrypt", path);
    } else if (in.size > input_get_max()) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: %llu bytes, larger than the largest app %s", path,
                      (unsigned long long)in.size, input_max_reason());
    } else if (!(b->input = malloc(in.size + EEI_SIGN_TAIL_MAX))) {
        /* room for a signature after it; and a file that grew shows in the byte after it */
        rc = eei_fail(err, EEI_ERR_SYSTEM, "%s: out of memory for %llu bytes", path,
                      (unsigned long long)in.size);
    } else {
        rc = input_read(&in, b->input, (size_t)in.size + 1, &got, err);
    }
    if (rc == 0 && got != in.size) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: changed size while it was read (%llu bytes, then %s)",
                      path, (unsigned long long)in.size, got > in.size ? "more" : "fewer");
    }
    if (rc == 0) {
        b->input_len = b->payload_len = got;
        rc = sha256_of(b->input, b->input_len, sha, err);
    }
    input_close(&in);
    return rc;
}

/* The manifest's "sign_key" (a path, or a list of up to 3), as the keys to load. */
typedef struct {
    char *names[EEI_SB_BLOCKS_MAX]; /* files relative to the manifest resolved; pkcs11: URIs */
    size_t count;
} sign_keys;

static int sign_key_names(const cJSON *manifest, const char *dir, sign_keys *sk, eei_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(manifest, "sign_key");
    const cJSON *list[EEI_SB_BLOCKS_MAX];
    size_t n = 0;
    if (!item) {
        return 0;
    }
    if (cJSON_IsString(item)) {
        list[n++] = item;
    } else if (cJSON_IsArray(item) && cJSON_GetArraySize(item) >= 1 &&
               cJSON_GetArraySize(item) <= (int)EEI_SB_BLOCKS_MAX) {
        const cJSON *k;
        cJSON_ArrayForEach(k, item)
        {
            list[n++] = k;
        }
    }
    int rc =
        n ? 0
          : eei_fail(err, EEI_ERR_FILE, "\"sign_key\" is a key file, or a list of 1 to %u of them",
                     EEI_SB_BLOCKS_MAX);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* a file relative to the manifest, or a key in a PKCS#11 token (a pkcs11: URI) */
        const char *name = cJSON_IsString(list[i]) ? list[i]->valuestring : NULL;
        if (!name) {
            rc = eei_fail(err, EEI_ERR_FILE, "\"sign_key\" holds something else than a path");
        } else if (!(sk->names[sk->count] =
                         eei_key_name_is_pkcs11(name) ? strdup(name) : resolve(dir, name))) {
            rc = eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        } else {
            sk->count++;
        }
    }
    if (rc != 0) {
        eei_error_prefix(err, "sign_key");
    }
    return rc;
}

static void sign_keys_free(sign_keys *sk)
{
    for (size_t i = 0; i < sk->count; i++) {
        free(sk->names[i]);
    }
    sk->count = 0;
}

/*
 * The manifest's "sign_key": the input is signed once, here, and every device's image holds the
 * signed app.
 */
static int sign_input(const sign_keys *sk, batch *b, eei_error *err)
{
    size_t n = sk->count;
    if (n == 0) {
        return 0;
    }
    eei_key *keys[EEI_SB_BLOCKS_MAX] = {NULL};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = b->req->load_key(b->req->load_key_ctx, sk->names[i], BATCH_KEY_SIGN, &keys[i], err);
        if (rc == 0) { /* which keys signed: shards signed by other keys are not one run */
            rc = eei_key_sb_digest(keys[i], b->sign_digests[i], err) == EEI_OK ? 0 : -1;
        }
    }
    b->sign_count = rc == 0 ? n : 0;
    eei_sign_ctx *sign = NULL;
    size_t tail = 0;
    if (rc == 0 && eei_sign_new((const eei_key *const *)keys, n, NULL, &sign, err) == EEI_OK) {
        eei_sign_update(sign, b->input, b->input_len);
        rc = eei_sign_final(sign, b->input + b->input_len, &tail, err) == EEI_OK ? 0 : -1;
    } else {
        rc = -1;
    }
    b->payload_len = b->input_len + tail;
    eei_sign_free(sign);
    for (size_t i = 0; i < n; i++) {
        eei_key_free(keys[i]);
    }
    if (rc != 0) {
        eei_error_prefix(err, "sign_key");
    }
    return rc;
}

/* A file the run reads, known by what a link leads to: an output that is this file replaces it. */
typedef struct {
    uint64_t dev;
    uint64_t ino;
    size_t seq;           /* its place in the list: of one file's names, the first is shown */
    bool from_stdin;      /* the manifest, read from stdin ('-') */
    const char *path;     /* as it is opened; "stdin" */
    const char *what;     /* "the manifest", "a sign_key", ... */
    const device *device; /* whose public_key it is */
} read_file;

static int by_file(const void *a, const void *b)
{
    const read_file *x = a, *y = b;
    if (x->dev != y->dev) {
        return (x->dev > y->dev) - (x->dev < y->dev);
    }
    if (x->ino != y->ino) {
        return (x->ino > y->ino) - (x->ino < y->ino);
    }
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Put path in the list when it is a file there is (one that is not cannot be replaced). */
static void add_read(read_file *list, size_t *n, const char *path, const char *what,
                     const device *d)
{
    os_info st;
    bool from_stdin = strcmp(path, "-") == 0;
    if ((from_stdin ? os_fstat(0, &st) : os_stat(path, &st)) == 0) {
        list[*n] =
            (read_file){st.dev, st.ino, *n, from_stdin, from_stdin ? "stdin" : path, what, d};
        (*n)++;
    }
}

/* The first file of the sorted list that out is (same_file's rule), or NULL. */
static const read_file *read_as(const read_file *list, size_t n, const char *out)
{
    os_info st;
    if (os_stat(out, &st) != 0) {
        return NULL;
    }
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first entry not below (dev, ino) */
        size_t mid = lo + (hi - lo) / 2;
        const read_file *m = &list[mid];
        if (m->dev < st.dev || (m->dev == st.dev && m->ino < st.ino)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    const read_file *r = lo < n ? &list[lo] : NULL;
    if (!r || r->dev != st.dev || r->ino != st.ino) {
        return NULL;
    }
    return r->from_stdin || same_file(out, r->path) ? r : NULL;
}

/*
 * Before any work: no file this run writes (DIR/manifest.json, the image of each of its devices)
 * may be one it reads (the manifest, the input, any device's public_key, a sign_key, the
 * passphrase or PIN file), by whatever path or link: it would be replaced. The files read are
 * sorted by inode, so that n outputs meet n inputs in n log n.
 */
static int refuse_overwrites(const batch *b, const char *input, const sign_keys *sk,
                             const char *run_name, eei_error *err)
{
    read_file *list = malloc((b->count + sk->count + b->req->reads_count + 2) * sizeof(*list));
    if (!list) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    size_t n = 0;
    add_read(list, &n, b->req->manifest, "the manifest", NULL);
    add_read(list, &n, input, "the manifest's input", NULL);
    for (size_t i = 0; i < b->count; i++) { /* every shard's: one run over it refuses the same */
        if (b->devices[i].key_path) {
            add_read(list, &n, b->devices[i].key_path, "the public_key of device", &b->devices[i]);
        }
    }
    for (size_t i = 0; i < sk->count; i++) {
        if (!eei_key_name_is_pkcs11(sk->names[i])) {
            add_read(list, &n, sk->names[i], "a sign_key", NULL);
        }
    }
    for (size_t i = 0; i < b->req->reads_count; i++) {
        add_read(list, &n, b->req->reads[i].path, b->req->reads[i].what, NULL);
    }
    qsort(list, n, sizeof(*list), by_file);

    char out[OS_PATH_MAX];
    const read_file *hit = NULL;
    const device *d = NULL; /* NULL: manifest.json, then each device this run writes */
    int len = snprintf(out, sizeof(out), "%s/manifest.json", b->out_dir);
    if (len > 0 && (size_t)len < sizeof(out)) {
        hit = read_as(list, n, out);
    }
    for (size_t i = 0; !hit && i < b->count; i++) {
        d = &b->devices[i];
        if (d->shard == b->shard && !d->problem &&
            output_path(b, d, ".bin", out, sizeof(out)) == 0) {
            hit = read_as(list, n, out);
        }
    }
    int rc = 0;
    if (hit) {
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: the output %s (%s%s) is the same file as %s (%s%s%s): it would be "
                      "replaced; nothing written (give another --out-dir)",
                      run_name, out, d ? "the image of device " : "the results", d ? d->id : "",
                      hit->path, hit->what, hit->device ? " " : "",
                      hit->device ? hit->device->id : "");
    }
    free(list);
    return rc;
}

/* An output of this run that is a symbolic link, and where it leads. */
typedef struct {
    char *where;     /* os_resolve's path */
    const device *d; /* whose image; NULL: manifest.json */
} linked_output;

static int by_where(const void *a, const void *b)
{
    return strcmp(((const linked_output *)a)->where, ((const linked_output *)b)->where);
}

static int by_id_caseless(const void *a, const void *b)
{
    return id_caseless((*(const device *const *)a)->id, (*(const device *const *)b)->id);
}

/* The output of this run named name in DIR ("manifest.json", "<id>.bin"): 1 and *d, or 0. */
static int output_named(device **ids, size_t n, const char *name, const device **d)
{
    size_t len = strlen(name);
    *d = NULL;
    if (strcmp(name, "manifest.json") == 0) {
        return 1;
    }
    if (len < 5 || len - 4 > MAX_ID || id_caseless(name + len - 4, ".bin") != 0) {
        return 0;
    }
    device key;
    snprintf(key.id, sizeof(key.id), "%.*s", (int)(len - 4), name);
    const device *k = &key;
    device **hit = bsearch(&k, ids, n, sizeof(device *), by_id_caseless);
    *d = hit ? *hit : NULL;
    return hit != NULL;
}

static int aliased(const batch *b, const char *run_name, const device *x, const device *y,
                   eei_error *err)
{
    char px[OS_PATH_MAX], py[OS_PATH_MAX];
    const device *ds[2] = {x, y};
    char *ps[2] = {px, py};
    for (int i = 0; i < 2; i++) {
        if (ds[i]) {
            output_path(b, ds[i], ".bin", ps[i], OS_PATH_MAX);
        } else {
            snprintf(ps[i], OS_PATH_MAX, "%s/manifest.json", b->out_dir);
        }
    }
    return eei_fail(err, EEI_ERR_FILE,
                    "%s: the outputs %s (%s%s) and %s (%s%s) are one file (a link in %s leads "
                    "there): one would replace the other; nothing written (remove the link)",
                    run_name, px, x ? "the image of device " : "the results", x ? x->id : "", py,
                    y ? "the image of device " : "the results", y ? y->id : "", b->out_dir);
}

/*
 * Before any work: no two outputs of this run may be one file, which a link in DIR makes (from
 * one image to another's name or to manifest.json, or two links to one name): one device would
 * get the other's image while the manifest listed both. Only links can do it (ids are unique in
 * any case), so only they are resolved: nothing to do in a DIR without links.
 */
static int refuse_aliases(const batch *b, const char *run_name, eei_error *err)
{
    char path[OS_PATH_MAX], dir[OS_PATH_MAX], where[OS_PATH_MAX];
    if (os_resolve(b->out_dir, dir, sizeof(dir)) != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: %s: too long, or a loop of links", run_name,
                        b->out_dir);
    }
    linked_output *links = malloc((b->count + 1) * sizeof(linked_output));
    device **ids = malloc((b->count + 1) * sizeof(device *));
    if (!links || !ids) {
        free(links);
        free(ids);
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    size_t nlinks = 0, nids = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i <= b->count; i++) { /* the last: manifest.json */
        device *d = i < b->count ? &b->devices[i] : NULL;
        if (d && (d->shard != b->shard || d->problem)) {
            continue;
        }
        if (d) {
            ids[nids++] = d;
        }
        int len = d ? (output_path(b, d, ".bin", path, sizeof(path)) == 0 ? 1 : -1)
                    : snprintf(path, sizeof(path), "%s/manifest.json", b->out_dir);
        if (len > 0 && (size_t)len < sizeof(path) && os_is_link(path) &&
            os_resolve(path, where, sizeof(where)) == 0) {
            links[nlinks].where = strdup(where);
            links[nlinks].d = d;
            rc = links[nlinks++].where ? 0 : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        }
    }
    if (rc == 0 && nlinks > 0) {
        qsort(ids, nids, sizeof(device *), by_id_caseless);
        qsort(links, nlinks, sizeof(linked_output), by_where);
        for (size_t i = 0; rc == 0 && i < nlinks; i++) {
            char in[OS_PATH_MAX], name[OS_PATH_MAX];
            const device *other = NULL;
            os_dirname(links[i].where, in, sizeof(in));
            os_basename(links[i].where, name, sizeof(name));
            if (i + 1 < nlinks && strcmp(links[i].where, links[i + 1].where) == 0) {
                rc = aliased(b, run_name, links[i].d, links[i + 1].d, err);
            } else if (strcmp(in, dir) == 0 && output_named(ids, nids, name, &other) &&
                       other != links[i].d) {
                rc = aliased(b, run_name, links[i].d, other, err);
            }
        }
    }
    for (size_t i = 0; i < nlinks; i++) {
        free(links[i].where);
    }
    free(links);
    free(ids);
    return rc;
}

/* What a run that stopped before its manifest was written knew: the rest is the caller's. */
static cJSON *partial_result(const char *input_name, const batch *b, const uint8_t *input_sha,
                             const uint8_t *manifest_sha)
{
    cJSON *result = cJSON_CreateObject();
    if (result && input_name) {
        cJSON_AddStringToObject(result, "input", input_name);
    }
    if (result && input_sha) {
        cJSON_AddNumberToObject(result, "input_size", (double)b->input_len);
        json_add_hex(result, "input_sha256", input_sha, EEI_SHA256_SIZE);
    }
    if (result && manifest_sha) {
        json_add_hex(result, "manifest_sha256", manifest_sha, EEI_SHA256_SIZE);
    }
    return result;
}

int batch_run(const batch_request *req, cJSON **result_out, int *stop_out, eei_error *err)
{
    batch b = {.out_dir = req->out_dir, .shard = req->shard, .shards = req->shards, .req = req};
    char what[48] = "batch"; /* how messages name this run */
    if (b.shards) {
        snprintf(what, sizeof(what), "batch: shard %u/%u", b.shard, b.shards);
    }
    uint8_t input_sha[EEI_SHA256_SIZE] = {0}, manifest_sha[EEI_SHA256_SIZE] = {0};
    uint8_t *text = NULL;
    size_t len = 0;
    cJSON *manifest = NULL, *result = NULL;
    char dir[OS_PATH_MAX];
    os_dirname(req->manifest, dir, sizeof(dir));
    char *input = NULL;
    const char *input_name = NULL;
    sign_keys signers = {.count = 0};
    bool manifest_hashed = false, input_hashed = false; /* for the result of a failed run */
    int rc = -1;

    if (json_file_read(req->manifest, MANIFEST_MAX, &manifest, &text, &len, err) != 0 ||
        sha256_of(text, len, manifest_sha, err) != 0) {
        goto done;
    }
    manifest_hashed = true;
    input_name = json_string(manifest, "input");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(manifest, "devices");
    if (!manifest || !input_name || !cJSON_IsArray(list)) {
        eei_fail(err, EEI_ERR_FILE,
                 "%s: not a manifest: expected {\"input\": \"...\", \"devices\": [...]}",
                 req->manifest);
        goto done;
    }
    if (!(input = resolve(dir, input_name))) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        goto done;
    }
    if (load_devices(list, dir, &b, err) != 0 || assign_shards(&b, err) != 0 ||
        sign_key_names(manifest, dir, &signers, err) != 0 ||
        refuse_overwrites(&b, input, &signers, what, err) != 0 ||
        refuse_aliases(&b, what, err) != 0) {
        goto done;
    }
    keep_share(&b);
    if (read_input(input, &b, input_sha, err) != 0) {
        goto done;
    }
    input_hashed = true;
    if (sign_input(&signers, &b, err) != 0 || make_dirs(b.out_dir, 0777, err) != 0) {
        goto done;
    }
    /* an interruption stops the work between devices: what was written is in the manifest */
    os_on_interrupt(on_stop);
    size_t jobs = req->jobs < 1 ? 1 : req->jobs > MAX_JOBS ? MAX_JOBS : req->jobs;
    run_workers(&b, jobs < b.count ? jobs : (b.count ? b.count : 1), req->quiet);
    result = result_json(&b, input_name, input_sha, manifest_sha);
    char result_path[OS_PATH_MAX];
    snprintf(result_path, sizeof(result_path), "%s/manifest.json", b.out_dir);
    if (!result) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        goto done;
    }
    if (json_file_write(result_path, result, err) != 0) {
        goto done; /* the result says what the images are: they were written */
    }
    size_t failed = (size_t)cJSON_GetNumberValue(cJSON_GetObjectItem(result, "failed"));
    if (stop_signal) {
        eei_fail(err, EEI_ERR_SYSTEM,
                 "%s: interrupted (%s): %zu of %zu devices written "
                 "(see %s/manifest.json)",
                 what, os_signal_name(stop_signal), b.count - failed, b.count, b.out_dir);
    } else if (failed) {
        eei_fail(err, EEI_ERR_REJECTED, "%s: %zu of %zu devices failed (see %s/manifest.json)",
                 what, failed, b.count, b.out_dir);
    } else {
        rc = 0;
    }
done:
    if (!result) {
        result = partial_result(input_name, &b, input_hashed ? input_sha : NULL,
                                manifest_hashed ? manifest_sha : NULL);
    }
    free(b.input);
    for (size_t i = 0; b.devices && i < b.count; i++) {
        free(b.devices[i].key_path);
    }
    free(b.devices);
    free(input);
    sign_keys_free(&signers);
    free(text);
    cJSON_Delete(manifest);
    *result_out = result;
    *stop_out = stop_signal;
    return rc;
}
