/*
 * esp_enc_img_fwsim: the firmware's update path (main/ota_update.c) on the host, against the
 * simulated flash, bootloader, eFuse and HMAC peripheral of the host port. Every run but the
 * queries is a power-on: the bootloader runs first (rollback included), then the app.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eei_decryptor.h"
#include "esp_enc_img/esp_enc_img.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "https_source.h"
#include "options.h"
#include "ota_update.h"

static const char usage[] =
    "Usage:\n"
    "  esp_enc_img_fwsim --flash FLASH.img (--rsa-key PEM | --hmac-key BIN | --ecc-key PEM)\n"
    "                    --image IMG [--chunk N | --random-chunks SEED] [--cut-at BYTES]\n"
    "                    [--target CHIP] [--hmac-key-id N] [--efuse-purpose hmac_up|user]\n"
    "                    [--efuse-secure-version N] [--skip-version-check] [--no-confirm]\n"
    "                    [--trust-key PUB]... [--efuse-revoke-key N]... [--verbose]\n"
    "                    [--power-cut-at BYTES | --power-cut-in-otadata N]\n"
    "  esp_enc_img_fwsim --flash FLASH.img (key as above) --url https://HOST:PORT/IMG --ca CERT\n"
    "                    [--range-size BYTES] [--rate BYTES_PER_SECOND] [--drop-every BYTES]\n"
    "  esp_enc_img_fwsim --flash FLASH.img --boot       reset: print the slot that runs, its "
    "state\n"
    "  esp_enc_img_fwsim --flash FLASH.img --confirm    reset; the app confirms itself\n"
    "  esp_enc_img_fwsim --flash FLASH.img --boot-slot  the slot the next reset runs (no reset)\n"
    "  esp_enc_img_fwsim --flash FLASH.img --dump-slot OUT   that slot's app bytes (no reset)\n"
    "  esp_enc_img_fwsim --hmac-key BIN --export-pubkey OUT  the device public key (DER)\n"
    "\n"
    "Runs the firmware's update path on a simulated device. A missing FLASH.img is created with\n"
    "a valid factory app. The bootloader rolls back like ESP-IDF's: an updated app boots\n"
    "'pending' and must confirm (an update run confirms once its source answers, unless\n"
    "--no-confirm; --confirm does it alone), or the following reset returns to the previous\n"
    "app; a pending app cannot update. --boot prints the slot and its state (factory, pending,\n"
    "valid) and a line for a rollback.\n"
    "--cut-at ends the transfer after BYTES bytes for good; --drop-every drops the connection\n"
    "every BYTES bytes, and the update resumes it with Range requests. --power-cut-at kills the\n"
    "device (SIGKILL, no cleanup) once BYTES bytes have arrived; --power-cut-in-otadata N kills\n"
    "it between erasing and writing the Nth otadata sector of the run. CHIP defaults to\n"
    "esp32c3. --efuse-secure-version sets the chip's anti-rollback counter. --trust-key (up to\n"
    "three) builds the firmware with the key digests of these signing keys (public or private,\n"
    "as `esp_enc_img digest` computes them for Kconfig): an update must then carry a Secure\n"
    "Boot V2 signature by one of them; --efuse-revoke-key N burns SECURE_BOOT_KEY_REVOKEn, and\n"
    "key N (counted from 0 in --trust-key order) no longer counts. --url downloads\n"
    "over HTTPS, trusting the server only if CERT vouches for it; --range-size fetches it in\n"
    "Range requests like ESP-IDF's partial download; --rate slows the link down.\n"
    "\n"
    "Exit status: 0 done (updated and selected for boot); 1 rejected (the boot slot and its\n"
    "bytes are unchanged); 2 usage error; 3 system or device error.\n";

typedef struct {
    FILE *f;
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
        return -1; /* the connection dropped */
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
        return -1;
    }
    s->delivered += (long long)got;
    return (int)got;
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
    const char *target, *purpose;
    long long range_size, rate, drop_every, secure_version, chunk, hmac_key_id;
    long long random_seed; /* < 0: not given */
    long long cut_at, power_cut_at, power_cut_otadata;
    bool boot, confirm, no_confirm, boot_slot, skip_version, verbose;
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
    NUMBER("efuse-secure-version", secure_version, UINT32_MAX),
    TEXT("image", image),
    NUMBER("chunk", chunk, 1 << 30),
    NUMBER("random-chunks", random_seed, UINT32_MAX),
    NUMBER("cut-at", cut_at, LLONG_MAX),
    NUMBER("power-cut-at", power_cut_at, LLONG_MAX),
    NUMBER("power-cut-in-otadata", power_cut_otadata, INT_MAX),
    TEXT("url", url),
    TEXT("ca", ca),
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
                   .purpose = "hmac_up",
                   .random_seed = -1,
                   .cut_at = -1,
                   .power_cut_at = -1};
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
    if (o->export_pub) {
        return keys == 1 && !o->rsa_key ? -1
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
    if (!o->url != !o->ca) {
        return fail(2, "usage", "--url and --ca go together");
    }
    if ((o->range_size || o->rate || o->drop_every) && !o->url) {
        return fail(2, "usage", "--range-size, --rate and --drop-every go with --url");
    }
    if (o->chunk && o->random_seed >= 0) {
        return fail(2, "usage", "--chunk and --random-chunks exclude each other");
    }
    if (strcmp(o->purpose, "hmac_up") != 0 && strcmp(o->purpose, "user") != 0) {
        return fail(2, "usage", "--efuse-purpose is hmac_up or user");
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
        esp_efuse_purpose_t purpose = strcmp(o->purpose, "user") == 0
                                          ? ESP_EFUSE_KEY_PURPOSE_USER
                                          : ESP_EFUSE_KEY_PURPOSE_HMAC_UP;
        sim_efuse_burn_key((int)o->hmac_key_id, (const uint8_t *)*pem, purpose);
        cfg->kind = EEI_DEC_KEY_HMAC_EFUSE;
        cfg->hmac_key_id = (int)o->hmac_key_id;
    } else {
        cfg->kind = o->rsa_key ? EEI_DEC_KEY_RSA_PEM : EEI_DEC_KEY_P256_PEM;
        cfg->pem = *pem;
        cfg->pem_len = len + 1;
    }
    return -1;
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
    size_t len = sim_app_binary_verify(p, NULL, 0);
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

/* The app of this boot: a pending app whose source answered has passed its self-test. */
static int update(const options *o)
{
    eei_dec_config key;
    eei_sig_trust trust;
    char *pem = NULL;
    int rc = configure_key(o, &key, &pem);
    if (rc < 0) {
        rc = configure_trust(o, &trust);
    }
    if (rc >= 0) {
        free(pem);
        return rc;
    }
    file_source src = {
        .chunk = (size_t)o->chunk, .cut_at = o->cut_at, .power_cut_at = o->power_cut_at};
    https_source web;
    ota_source_t source = {file_read, NULL, &src};
    src.random_state = o->random_seed >= 0 ? ((uint32_t)o->random_seed * 2654435761u) | 1u : 0;
    bool opened = false, reached = true;
    if (o->url) {
        opened = https_source_open(&web, o->url, o->ca, o->range_size, o->rate, o->drop_every) == 0;
        reached = opened || web.reached;
        source = (ota_source_t){https_source_read, https_source_resume, &web};
    } else {
        src.f = strcmp(o->image, "-") == 0 ? stdin : fopen(o->image, "rb");
        opened = src.f != NULL;
        if (!opened) {
            free(pem);
            return fail(3, o->image, strerror(errno));
        }
    }
    char why[256] = "";
    bool pending = ota_running_pending();
    bool self_test = reached && !o->no_confirm;
    ota_update_result_t r = self_test ? ota_confirm_running(why, sizeof(why)) : OTA_UPDATE_OK;
    if (r == OTA_UPDATE_OK && !opened) {
        r = OTA_UPDATE_REJECTED;
        snprintf(why, sizeof(why), "%s%s", web.why,
                 pending && !self_test ? "; the app stays unconfirmed" : "");
    } else if (r == OTA_UPDATE_OK) {
        ota_update_config_t cfg = {
            .key = key, .skip_version_check = o->skip_version, .trust = trust};
        r = ota_update_run(&cfg, &source, why, sizeof(why));
        if (o->url && r != OTA_UPDATE_OK && web.why[0]) {
            snprintf(why, sizeof(why), "%s", web.why);
        }
    }
    if (o->url) {
        https_source_close(&web);
    } else if (src.f != stdin) {
        fclose(src.f);
    }
    free(pem);
    if (r == OTA_UPDATE_OK) {
        printf("updated: %s selected for boot\n", esp_ota_get_boot_partition()->label);
        return 0;
    }
    return fail(r == OTA_UPDATE_REJECTED ? 1 : 3, r == OTA_UPDATE_REJECTED ? "rejected" : "error",
                why);
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
        char why[160];
        if (ota_confirm_running(why, sizeof(why)) != OTA_UPDATE_OK) {
            return fail(3, "confirm", why);
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
    esp_err_t err = sim_device_open(o.flash, o.target, true);
    if (err != ESP_OK) {
        return fail(3, o.flash, esp_err_to_name(err));
    }
    sim_efuse_set_secure_version((uint32_t)o.secure_version);
    sim_power_cut_in_otadata((int)o.power_cut_otadata);
    rc = run(&o);
    sim_device_close();
    return rc;
}
