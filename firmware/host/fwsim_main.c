/*
 * esp_enc_img_fwsim: the firmware's update path (main/ota_update.c) on the host, against the
 * simulated flash, bootloader, eFuse and HMAC peripheral of the host port. Every run but the
 * queries is a power-on: the bootloader runs first (rollback included), then the app.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eei_decryptor.h"
#include "esp_enc_img/esp_enc_img.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "https_source.h"
#include "options.h"
#include "ota_update.h"
#include "sdkconfig.h"
#include "update_schedule.h"

static const char usage[] =
    "Usage:\n"
    "  esp_enc_img_fwsim --flash FLASH.img (--rsa-key PEM | --hmac-key BIN | --ecc-key PEM |\n"
    "                    --ds --hmac-key BIN [--secure-cert PART.bin])\n"
    "                    --image IMG [--chunk N | --random-chunks SEED] [--cut-at BYTES]\n"
    "                    [--target CHIP] [--hmac-key-id N] [--efuse-purpose hmac_up|ds|user]\n"
    "                    [--efuse-secure-version N] [--skip-version-check] [--allow-downgrade]\n"
    "                    [--trust-key PUB]... [--efuse-revoke-key N]... [--verbose]\n"
    "                    [--no-confirm | --self-test server|pass|fail|hang]\n"
    "                    [--self-test-timeout-ms MS]\n"
    "                    [--power-cut-at BYTES | --power-cut-in-otadata N]\n"
    "  esp_enc_img_fwsim --flash FLASH.img (key as above) --url https://HOST:PORT/IMG\n"
    "                    (--ca CERT | --ca-bundle BUNDLE) [--recv-timeout-ms MS]\n"
    "                    [--range-size BYTES] [--rate BYTES_PER_SECOND] [--drop-every BYTES]\n"
    "                    [--attempts N] [--retry-base-ms MS] [--retry-max-ms MS]\n"
    "                    [--deadline-ms MS] [--min-rate BYTES_PER_SECOND] [--rate-window-ms MS]\n"
    "  esp_enc_img_fwsim --flash FLASH.img --boot       reset: print the slot that runs, its "
    "state\n"
    "  esp_enc_img_fwsim --flash FLASH.img --confirm    reset; the app confirms itself\n"
    "  esp_enc_img_fwsim --flash FLASH.img --boot-slot  the slot the next reset runs (no reset)\n"
    "  esp_enc_img_fwsim --flash FLASH.img --dump-slot OUT   that slot's app bytes (no reset)\n"
    "  esp_enc_img_fwsim --hmac-key BIN --export-pubkey OUT  the device public key (DER)\n"
    "\n"
    "Runs the firmware's update path on a simulated device. A missing FLASH.img is created with\n"
    "an app in the first app partition (ota_0 of the firmware's partitions.csv). The bootloader\n"
    "rolls back like ESP-IDF's: an updated app boots 'pending' and runs its self-test first: by\n"
    "default its update source must answer (--self-test server); pass, fail and hang stand for\n"
    "an application's own test. A test that fails or outlasts --self-test-timeout-ms (default\n"
    "60000) marks the app invalid and restarts into the previous one (exit 4); --no-confirm\n"
    "leaves it pending, and the following reset returns to the previous app. --confirm\n"
    "confirms alone. --boot prints the slot and its state and a line for a rollback.\n"
    "Each attempt prints an EEI_UPDATE line as the device does (docs/FIRMWARE.md); --attempts\n"
    "tries again after a link failure, waiting --retry-base-ms (1000), doubled each time up to\n"
    "--retry-max-ms (60000), with jitter. --deadline-ms bounds an attempt, --min-rate (bytes/s\n"
    "over each --rate-window-ms, default 10000) ends a transfer that is too slow.\n"
    "--cut-at ends the transfer after BYTES bytes for good; --drop-every drops the connection\n"
    "every BYTES bytes, and the update resumes it with Range requests. --power-cut-at kills the\n"
    "device (SIGKILL, no cleanup) once BYTES bytes have arrived; --power-cut-in-otadata N kills\n"
    "it between erasing and writing the Nth otadata sector of the run. CHIP defaults to\n"
    "esp32c3. --ds is the firmware built with CONFIG_EEI_RSA_USE_DS: the RSA key is the DS\n"
    "peripheral's, BIN its eFuse HMAC key (purpose ds by default), PART.bin what `esp_enc_img\n"
    "ds-provision` wrote, flashed into the esp_secure_cert partition of partitions_ds.csv\n"
    "(without it the device has partitions.csv, which has none). --efuse-secure-version sets the "
    "chip's anti-rollback counter. --trust-key (up to\n"
    "three) builds the firmware with the key digests of these signing keys (public or private,\n"
    "as `esp_enc_img digest` computes them for Kconfig): an update must then carry a Secure\n"
    "Boot V2 signature by one of them; --efuse-revoke-key N burns SECURE_BOOT_KEY_REVOKEn, and\n"
    "key N (counted from 0 in --trust-key order) no longer counts. --url downloads\n"
    "over HTTPS, trusting the server only if CERT vouches for it, or a CA of BUNDLE (ESP-IDF's\n"
    "certificate bundle, as its gen_crt_bundle.py makes it); redirects are followed, to https:\n"
    "only.\n"
    "--range-size fetches it in Range requests like ESP-IDF's partial download; --rate slows\n"
    "the link down.\n"
    "\n"
    "Exit status: 0 done (updated and selected for boot); 1 not updated: a link failure, an\n"
    "image refused, or the version that runs (the boot slot and its bytes are unchanged); 2\n"
    "usage error; 3 system or device error; 4 the device restarted: a new app failed its\n"
    "self-test and was rolled back.\n";

typedef struct {
    FILE *f;
    update_outcome_t failure;
    size_t chunk;           /* 0: the whole buffer */
    uint32_t random_state;  /* non-zero: random chunk sizes */
    long long cut_at;       /* < 0: no cut */
    long long power_cut_at; /* < 0: no power cut */
    long long delivered;
} file_source;

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static int file_read(void *ctx, uint8_t *buf, size_t cap)
{
    file_source *s = ctx;
    size_t want = cap;
    if (s->random_state) {
        want = 1 + next_random(&s->random_state) % cap;
    } else if (s->chunk && s->chunk < cap) {
        want = s->chunk;
    }
    if (s->power_cut_at >= 0 && s->delivered >= s->power_cut_at) {
        raise(SIGKILL); /* the device loses power: no cleanup of any kind */
    }
    if (s->cut_at >= 0 && s->delivered >= s->cut_at) {
        update_fail(&s->failure, UPDATE_LINK_CUT, "the connection dropped for good");
        return -1;
    }
    long long stop = s->cut_at >= 0 ? s->cut_at : -1;
    if (s->power_cut_at >= 0 && (stop < 0 || s->power_cut_at < stop)) {
        stop = s->power_cut_at;
    }
    if (stop >= 0 && (long long)want > stop - s->delivered) {
        want = (size_t)(stop - s->delivered);
    }
    size_t got = fread(buf, 1, want, s->f);
    if (got == 0 && ferror(s->f)) {
        update_fail(&s->failure, UPDATE_ERROR, "cannot read the image file");
        return -1;
    }
    s->delivered += (long long)got;
    return (int)got;
}

/* A regular file declares its length, as a server its Content-Length. */
static int64_t file_size(void *ctx)
{
    file_source *s = ctx;
    struct stat st;
    return fstat(fileno(s->f), &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
}

static const update_outcome_t *file_failure(void *ctx)
{
    file_source *s = ctx;
    return s->failure.detail[0] ? &s->failure : NULL;
}

static int fail(int code, const char *what, const char *why)
{
    fprintf(stderr, "esp_enc_img_fwsim: %s: %s\n", what, why);
    return code;
}

/* A whole small file, NUL-terminated (mbedTLS parses PEM with the NUL). */
static char *read_small(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = calloc(1, 64 * 1024 + 1);
    *len = buf ? fread(buf, 1, 64 * 1024, f) : 0;
    fclose(f);
    return buf;
}

typedef struct {
    const char *flash, *rsa_key, *hmac_key, *ecc_key, *image, *dump, *export_pub, *url, *ca;
    const char *ca_bundle, *target, *purpose, *self_test;
    long long range_size, rate, drop_every, secure_version, chunk, hmac_key_id;
    long long random_seed; /* < 0: not given */
    long long cut_at, power_cut_at, power_cut_otadata;
    long long recv_timeout_ms, attempts, retry_base_ms, retry_max_ms, deadline_ms, min_rate,
        rate_window_ms, self_test_timeout_ms;
    const char *secure_cert;
    bool boot, confirm, no_confirm, boot_slot, skip_version, allow_downgrade, verbose, ds;
    option_list trust_keys, revoke;
} options;

#define TEXT(name, field)                                                                          \
    {                                                                                              \
        name, 0, OPTION_TEXT, offsetof(options, field), 0, 0, 0                                    \
    }
#define FLAG(name, field)                                                                          \
    {                                                                                              \
        name, 0, OPTION_FLAG, offsetof(options, field), 0, 0, 0                                    \
    }
#define NUMBER(name, field, max)                                                                   \
    {                                                                                              \
        name, 0, OPTION_NUMBER, offsetof(options, field), 0, max, 0                                \
    }

static const option_spec specs[] = {
    TEXT("flash", flash),
    TEXT("rsa-key", rsa_key),
    TEXT("hmac-key", hmac_key),
    TEXT("ecc-key", ecc_key),
    NUMBER("hmac-key-id", hmac_key_id, 5),
    TEXT("efuse-purpose", purpose),
    FLAG("ds", ds),
    TEXT("secure-cert", secure_cert),
    NUMBER("efuse-secure-version", secure_version, UINT32_MAX),
    TEXT("image", image),
    NUMBER("chunk", chunk, 1 << 30),
    NUMBER("random-chunks", random_seed, UINT32_MAX),
    NUMBER("cut-at", cut_at, LLONG_MAX),
    NUMBER("power-cut-at", power_cut_at, LLONG_MAX),
    NUMBER("power-cut-in-otadata", power_cut_otadata, INT_MAX),
    TEXT("url", url),
    TEXT("ca", ca),
    TEXT("ca-bundle", ca_bundle),
    NUMBER("recv-timeout-ms", recv_timeout_ms, 600000),
    NUMBER("attempts", attempts, 100),
    NUMBER("retry-base-ms", retry_base_ms, 86400000),
    NUMBER("retry-max-ms", retry_max_ms, 86400000),
    NUMBER("deadline-ms", deadline_ms, 86400000),
    NUMBER("min-rate", min_rate, UINT32_MAX),
    NUMBER("rate-window-ms", rate_window_ms, 86400000),
    TEXT("self-test", self_test),
    NUMBER("self-test-timeout-ms", self_test_timeout_ms, 86400000),
    FLAG("allow-downgrade", allow_downgrade),
    NUMBER("range-size", range_size, LLONG_MAX),
    NUMBER("rate", rate, LLONG_MAX),
    NUMBER("drop-every", drop_every, LLONG_MAX),
    TEXT("target", target),
    FLAG("skip-version-check", skip_version),
    FLAG("boot", boot),
    FLAG("confirm", confirm),
    FLAG("no-confirm", no_confirm),
    FLAG("boot-slot", boot_slot),
    TEXT("dump-slot", dump),
    TEXT("export-pubkey", export_pub),
    FLAG("verbose", verbose),
    {"trust-key", 0, OPTION_LIST, offsetof(options, trust_keys), 0, EEI_SIG_KEYS_MAX, 0},
    {"efuse-revoke-key", 0, OPTION_LIST, offsetof(options, revoke), 0, EEI_SIG_KEYS_MAX, 0},
    {NULL, 0, OPTION_FLAG, 0, 0, 0, 0},
};

/* The command line into o: -1 to go on, else the exit code (help, or a usage error). */
static int parse(int argc, char **argv, options *o)
{
    *o = (options){.target = "esp32c3",
                   .purpose = NULL,
                   .self_test = "server",
                   .random_seed = -1,
                   .cut_at = -1,
                   .power_cut_at = -1,
                   .attempts = 1,
                   .retry_base_ms = 1000,
                   .retry_max_ms = 60000,
                   .rate_window_ms = 10000,
                   .self_test_timeout_ms = 60000};
    options_outcome out;
    switch (options_parse(argc, argv, specs, 0, o, &out)) {
    case OPTIONS_HELP:
        fputs(usage, stdout);
        return 0;
    case OPTIONS_USAGE:
        return fail(2, "usage", out.why);
    case OPTIONS_RUN:
        break;
    }
    if (out.npos != 0) {
        return fail(2, "usage", "unexpected argument (see --help)");
    }
    int keys = !!o->rsa_key + !!o->hmac_key + !!o->ecc_key;
    if (!o->purpose) {
        o->purpose = o->ds ? "ds" : "hmac_up";
    }
    if (o->export_pub) {
        return keys == 1 && !o->rsa_key && !o->ds
                   ? -1
                   : fail(2, "usage", "--export-pubkey needs an ECIES key");
    }
    if (!o->flash) {
        return fail(2, "usage", "--flash is required");
    }
    bool update = o->image || o->url;
    if (o->boot + o->confirm + o->boot_slot + !!o->dump + update != 1) {
        return fail(2, "usage",
                    "one of --image, --url, --boot, --confirm, --boot-slot, --dump-slot");
    }
    if (update && (keys != 1 || (o->image && o->url))) {
        return fail(2, "usage", "an update needs exactly one key and --image or --url");
    }
    if (!o->url != !(o->ca || o->ca_bundle) || (o->ca && o->ca_bundle)) {
        return fail(2, "usage", "--url goes with either --ca or --ca-bundle");
    }
    if ((o->range_size || o->rate || o->drop_every || o->recv_timeout_ms) && !o->url) {
        return fail(2, "usage",
                    "--range-size, --rate, --drop-every and --recv-timeout-ms go with --url");
    }
    if (o->attempts < 1 || o->rate_window_ms < 1) {
        return fail(2, "usage", "--attempts and --rate-window-ms are at least 1");
    }
    const char *tests[] = {"server", "pass", "fail", "hang"};
    bool known = false;
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        known = known || strcmp(o->self_test, tests[i]) == 0;
    }
    if (!known) {
        return fail(2, "usage", "--self-test is server, pass, fail or hang");
    }
    if (o->chunk && o->random_seed >= 0) {
        return fail(2, "usage", "--chunk and --random-chunks exclude each other");
    }
    if ((o->ds || o->secure_cert) && !o->hmac_key) {
        return fail(2, "usage", "--ds and --secure-cert go with --hmac-key (the DS eFuse key)");
    }
    if (o->secure_cert && !o->ds) {
        return fail(2, "usage", "--secure-cert goes with --ds");
    }
    if (strcmp(o->purpose, "hmac_up") != 0 && strcmp(o->purpose, "ds") != 0 &&
        strcmp(o->purpose, "user") != 0) {
        return fail(2, "usage", "--efuse-purpose is hmac_up, ds or user");
    }
    if (sim_chip_id(o->target) < 0) {
        return fail(2, "usage", "unknown --target");
    }
    for (int i = 0; i < o->revoke.n; i++) {
        const char *n = o->revoke.v[i];
        if (n[0] < '0' || n[0] >= (char)('0' + EEI_SIG_KEYS_MAX) || n[1] != '\0') {
            return fail(2, "usage", "--efuse-revoke-key is 0, 1 or 2");
        }
    }
    return -1;
}

/* What the firmware's build would take from Kconfig: the trusted signing keys' digests. */
static int configure_trust(const options *o, eei_sig_trust *trust)
{
    memset(trust, 0, sizeof(*trust));
    for (int i = 0; i < o->trust_keys.n; i++) {
        eei_error err = {EEI_OK, ""};
        eei_key *key = NULL;
        if (eei_key_load_file(o->trust_keys.v[i], NULL, &key, &err) != EEI_OK ||
            eei_key_sb_digest(key, trust->keys[i].digest, &err) != EEI_OK) {
            eei_key_free(key);
            return fail(3, o->trust_keys.v[i], err.msg);
        }
        eei_key_free(key);
        trust->count++;
    }
    for (int i = 0; i < o->revoke.n; i++) {
        sim_efuse_revoke_key_digest((unsigned)(o->revoke.v[i][0] - '0'));
    }
    return -1;
}

/* Key configuration of the simulated device; the HMAC key goes into its eFuse. */
static int configure_key(const options *o, eei_dec_config *cfg, char **pem)
{
    memset(cfg, 0, sizeof(*cfg));
    size_t len = 0;
    const char *path = o->rsa_key ? o->rsa_key : o->ecc_key ? o->ecc_key : o->hmac_key;
    *pem = read_small(path, &len);
    if (!*pem) {
        return fail(3, path, strerror(errno));
    }
    if (o->hmac_key) {
        if (len != EEI_HMAC_KEY_SIZE) {
            return fail(3, path, "an HMAC key is exactly 32 bytes");
        }
        esp_efuse_purpose_t purpose = strcmp(o->purpose, "user") == 0 ? ESP_EFUSE_KEY_PURPOSE_USER
                                      : strcmp(o->purpose, "ds") == 0
                                          ? ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_DIGITAL_SIGNATURE
                                          : ESP_EFUSE_KEY_PURPOSE_HMAC_UP;
        sim_efuse_burn_key((int)o->hmac_key_id, (const uint8_t *)*pem, purpose);
        /* the DS key's block is the one its esp_secure_cert partition names */
        cfg->kind = o->ds ? EEI_DEC_KEY_RSA_DS : EEI_DEC_KEY_HMAC_EFUSE;
        cfg->hmac_key_id = (int)o->hmac_key_id;
    } else {
        cfg->kind = o->rsa_key ? EEI_DEC_KEY_RSA_PEM : EEI_DEC_KEY_P256_PEM;
        cfg->pem = *pem;
        cfg->pem_len = len + 1;
    }
    return -1;
}

/* The factory's flashing of the esp_secure_cert partition: 0, or 3 (said why). */
static int provision_secure_cert(const char *path)
{
    size_t len = 0;
    char *part = read_small(path, &len);
    if (!part) {
        return fail(3, path, strerror(errno));
    }
    esp_err_t err = sim_partition_provision("esp_secure_cert", (const uint8_t *)part, len);
    free(part);
    return err == ESP_OK ? 0 : fail(3, path, esp_err_to_name(err));
}

static int export_pubkey(const options *o)
{
    eei_dec_config cfg;
    char *key = NULL;
    int rc = configure_key(o, &cfg, &key);
    uint8_t der[EEI_DEC_PUBKEY_DER_SIZE];
    if (rc < 0) {
        eei_dec_err de = eei_dec_export_pubkey_der(&cfg, der);
        FILE *f = de == EEI_DEC_OK ? fopen(o->export_pub, "wb") : NULL;
        if (de != EEI_DEC_OK) {
            rc = fail(3, "export", eei_dec_strerror(de));
        } else if (!f || fwrite(der, 1, sizeof(der), f) != sizeof(der) || fclose(f) != 0) {
            rc = fail(3, o->export_pub, strerror(errno));
        } else {
            rc = 0;
        }
    }
    free(key);
    return rc;
}

static int dump_slot(const esp_partition_t *p, const char *out)
{
    size_t len = sim_app_binary_verify(p, sim_device_chip_id(), NULL, 0);
    uint8_t *buf = malloc(len ? len : 1);
    FILE *f = fopen(out, "wb");
    int ok =
        buf && f && esp_partition_read(p, 0, buf, len) == ESP_OK && fwrite(buf, 1, len, f) == len;
    if (f && fclose(f) != 0) {
        ok = 0;
    }
    free(buf);
    return ok && len ? 0 : fail(3, out, "cannot dump the boot slot");
}

/* The source of one attempt: the image file, or the download. */
typedef struct {
    file_source file;
    https_source web;
    ota_source_t source;
} attempt_source;

/* Open an attempt's source; false with out saying why (a link failure, or a missing file). */
static bool source_open(const options *o, attempt_source *a, update_outcome_t *out)
{
    memset(a, 0, sizeof(*a));
    if (o->url) {
        https_source_options w = {o->ca,   o->ca_bundle,  o->range_size,
                                  o->rate, o->drop_every, (int)o->recv_timeout_ms};
        if (https_source_open(&a->web, o->url, &w) != 0) {
            const update_outcome_t *f = https_source_failure(&a->web);
            update_fail(out, f ? f->status : UPDATE_ERROR, "%s", f ? f->detail : "cannot download");
            https_source_close(&a->web);
            return false;
        }
        a->source = (ota_source_t){https_source_read, https_source_resume,
                                   https_source_declared_size, https_source_failure, &a->web};
        return true;
    }
    file_source *f = &a->file;
    f->chunk = (size_t)o->chunk;
    f->cut_at = o->cut_at;
    f->power_cut_at = o->power_cut_at;
    f->random_state = o->random_seed >= 0 ? ((uint32_t)o->random_seed * 2654435761u) | 1u : 0;
    f->f = strcmp(o->image, "-") == 0 ? stdin : fopen(o->image, "rb");
    if (!f->f) {
        update_fail(out, UPDATE_ERROR, "%s: %s", o->image, strerror(errno));
        return false;
    }
    a->source = (ota_source_t){file_read, NULL, file_size, file_failure, f};
    return true;
}

static void source_close(const options *o, attempt_source *a)
{
    if (o->url) {
        https_source_close(&a->web);
    } else if (a->file.f && a->file.f != stdin) {
        fclose(a->file.f);
    }
}

/* The self-test of a pending app, in a thread of its own so that it can time out. */
typedef struct {
    const options *o;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done, passed;
    char why[sizeof(((update_outcome_t *)0)->detail)];
} self_test;

static void *self_test_main(void *arg)
{
    self_test *t = arg;
    bool passed = true;
    char why[sizeof(t->why)] = "";
    if (strcmp(t->o->self_test, "hang") == 0) {
        for (;;) {
            pause(); /* an application's test that never returns */
        }
    } else if (strcmp(t->o->self_test, "fail") == 0) {
        passed = false;
        snprintf(why, sizeof(why), "the application's own test failed");
    } else if (strcmp(t->o->self_test, "server") == 0) {
        /* the default: the update source answers (through TLS, with a 200 or 206) */
        attempt_source a;
        update_outcome_t out = {UPDATE_OK, ""};
        passed = source_open(t->o, &a, &out);
        if (passed) {
            source_close(t->o, &a);
        }
        snprintf(why, sizeof(why), "%s", passed ? "the update server answers" : out.detail);
    }
    pthread_mutex_lock(&t->lock);
    t->passed = passed;
    snprintf(t->why, sizeof(t->why), "%s", why);
    t->done = true;
    pthread_cond_signal(&t->done_cond);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* A pending app: its self-test confirms it, or rolls it back (a restart: exit 4). -1 to go on. */
static int settle_pending(const options *o)
{
    self_test t = {.o = o};
    pthread_mutex_init(&t.lock, NULL);
    pthread_cond_init(&t.done_cond, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, self_test_main, &t) != 0) {
        return fail(3, "self-test", "cannot start it");
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(o->self_test_timeout_ms / 1000);
    until.tv_nsec += (long)(o->self_test_timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t.lock);
    while (!t.done && pthread_cond_timedwait(&t.done_cond, &t.lock, &until) == 0) {
    }
    bool done = t.done, passed = t.passed;
    pthread_mutex_unlock(&t.lock);
    const char *label = esp_ota_get_running_partition()->label;
    update_outcome_t out = {UPDATE_OK, ""};
    if (done) {
        pthread_join(thread, NULL);
        printf("EEI_SELFTEST %s: %s\n", passed ? "pass" : "fail", t.why);
        if (passed) {
            if (ota_confirm_running(&out) != UPDATE_OK) {
                return fail(3, "confirm", out.detail);
            }
            printf("EEI_CONFIRMED %s\n", label);
            return -1;
        }
    } else {
        printf("EEI_SELFTEST timeout: no result within %lld ms\n", o->self_test_timeout_ms);
    }
    printf("EEI_ROLLBACK %s: marked invalid, restarting into the previous app\n", label);
    fflush(stdout);
    ota_reject_running(&out); /* restarts: returns only when no other app can boot */
    printf("EEI_ROLLBACK impossible: %s\n", out.detail);
    return fail(3, "rollback", out.detail);
}

/* A power-on: a pending app settles first, then one check of up to --attempts attempts. */
static int update(const options *o)
{
    eei_dec_config key;
    eei_sig_trust trust;
    char *pem = NULL;
    int rc = configure_key(o, &key, &pem);
    if (rc < 0) {
        rc = configure_trust(o, &trust);
    }
    if (rc < 0 && ota_running_pending() && !o->no_confirm) {
        rc = settle_pending(o);
    }
    if (rc >= 0) {
        free(pem);
        return rc;
    }
    ota_update_config_t cfg = {.key = key,
                               .skip_version_check = o->skip_version,
                               .allow_downgrade = o->allow_downgrade,
                               .trust = trust,
                               .resume_attempts = CONFIG_EEI_RESUME_ATTEMPTS,
                               .deadline_ms = (uint32_t)o->deadline_ms,
                               .min_rate = (uint32_t)o->min_rate,
                               .rate_window_ms = (uint32_t)o->rate_window_ms};
    update_schedule_t schedule = {(uint32_t)o->attempts, (uint32_t)o->retry_base_ms,
                                  (uint32_t)o->retry_max_ms, 0};
    update_outcome_t out = {UPDATE_OK, ""};
    update_status_t r = UPDATE_ERROR;
    for (unsigned n = 1;; n++) {
        cfg.started_us = esp_timer_get_time();
        attempt_source a;
        if (source_open(o, &a, &out)) {
            r = ota_update_run(&cfg, &a.source, &out);
            source_close(o, &a);
        } else {
            r = out.status;
        }
        char line[sizeof(out.detail) + 64];
        update_outcome_line(&out, n, line, sizeof(line));
        printf("%s\n", line);
        if (r == UPDATE_OK || n >= schedule.attempts || !update_schedule_retry(r)) {
            break;
        }
        uint32_t wait = update_schedule_backoff_ms(&schedule, n, esp_random());
        printf("EEI_NEXT attempt %u in %" PRIu32 " ms\n", n + 1, wait);
        fflush(stdout);
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(pem);
    if (r == UPDATE_OK) {
        printf("updated: %s selected for boot\n", esp_ota_get_boot_partition()->label);
        return 0;
    }
    return fail(r == UPDATE_ERROR ? 3 : 1, update_status_word(r), out.detail);
}

static int run(const options *o)
{
    sim_boot_result boot;
    esp_err_t err = sim_boot(!o->boot_slot && !o->dump, &boot);
    if (err != ESP_OK) {
        return fail(3, o->flash,
                    err == ESP_ERR_NOT_FOUND ? "no bootable app" : esp_err_to_name(err));
    }
    if (o->boot_slot) {
        printf("%s\n", boot.running->label);
        return 0;
    }
    if (o->dump) {
        return dump_slot(boot.running, o->dump);
    }
    if (o->boot) {
        printf("%s %s\n", boot.running->label, ota_running_state());
        if (boot.rolled_back_from) {
            printf("rolled back: %s aborted\n", boot.rolled_back_from->label);
        }
        return 0;
    }
    if (o->confirm) {
        update_outcome_t out = {UPDATE_OK, ""};
        if (ota_confirm_running(&out) != UPDATE_OK) {
            return fail(3, "confirm", out.detail);
        }
        printf("%s %s\n", boot.running->label, ota_running_state());
        return 0;
    }
    return update(o);
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    esp_sim_set_log_level(o.verbose ? 3 : 0);
    signal(SIGPIPE, SIG_IGN); /* a server that went away is a failed write, as on the chip */
    if (o.export_pub) {
        return export_pubkey(&o);
    }
    sim_partition_table_ds(o.secure_cert != NULL);
    esp_err_t err = sim_device_open(o.flash, o.target, true);
    if (err != ESP_OK) {
        return fail(3, o.flash, esp_err_to_name(err));
    }
    if (o.secure_cert && provision_secure_cert(o.secure_cert) != 0) {
        sim_device_close();
        return 3;
    }
    sim_efuse_set_secure_version((uint32_t)o.secure_version);
    sim_power_cut_in_otadata((int)o.power_cut_otadata);
    rc = run(&o);
    sim_device_close();
    return rc;
}
