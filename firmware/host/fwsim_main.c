/*
 * esp_enc_img_fwsim: the firmware's update path (main/ota_update.c) on the host, against the
 * simulated flash, eFuse and HMAC peripheral of the host port.
 */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eei_decryptor.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "https_source.h"
#include "ota_update.h"

static const char usage[] =
    "Usage:\n"
    "  esp_enc_img_fwsim --flash FLASH.img (--rsa-key PEM | --hmac-key BIN | --ecc-key PEM)\n"
    "                    --image IMG [--chunk N | --random-chunks SEED] [--cut-at BYTES]\n"
    "                    [--target CHIP] [--hmac-key-id N] [--efuse-purpose hmac_up|user]\n"
    "                    [--power-cut-at BYTES | --power-cut-in-otadata]\n"
    "                    [--skip-version-check] [--verbose]\n"
    "  esp_enc_img_fwsim --flash FLASH.img (key as above) --url https://HOST:PORT/IMG --ca CERT\n"
    "                    [--range-size BYTES] [--rate BYTES_PER_SECOND] [...]\n"
    "  esp_enc_img_fwsim --flash FLASH.img --boot-slot       print factory, ota_0 or ota_1\n"
    "  esp_enc_img_fwsim --flash FLASH.img --dump-slot OUT   the app bytes of the boot slot\n"
    "  esp_enc_img_fwsim --hmac-key BIN --export-pubkey OUT  the device public key (DER)\n"
    "\n"
    "Runs the firmware's update path on a simulated device. A missing FLASH.img is created\n"
    "with a valid factory app. --cut-at ends the transfer after BYTES bytes, like a dropped\n"
    "connection. --power-cut-at kills the simulated device (SIGKILL, no cleanup) once BYTES\n"
    "bytes have arrived; --power-cut-in-otadata kills it in the middle of selecting the new\n"
    "boot slot. CHIP defaults to esp32c3. --url downloads over HTTPS, trusting the server only\n"
    "if CERT vouches for it; --range-size fetches it in Range requests like ESP-IDF's partial\n"
    "download; --rate slows the link down.\n"
    "\n"
    "Exit status: 0 updated and selected for boot; 1 rejected (the boot slot and its bytes are\n"
    "unchanged); 2 usage error; 3 system error.\n";

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
    long long range_size, rate;
    const char *target, *purpose;
    size_t chunk;
    uint32_t random_seed;
    long long cut_at, power_cut_at;
    bool power_cut_otadata;
    int hmac_key_id;
    bool boot_slot, skip_version, verbose, random;
} options;

static int parse(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"flash", required_argument, NULL, 'f'},
        {"rsa-key", required_argument, NULL, 'r'},
        {"hmac-key", required_argument, NULL, 'k'},
        {"ecc-key", required_argument, NULL, 'e'},
        {"hmac-key-id", required_argument, NULL, 'K'},
        {"efuse-purpose", required_argument, NULL, 'p'},
        {"image", required_argument, NULL, 'i'},
        {"chunk", required_argument, NULL, 'c'},
        {"random-chunks", required_argument, NULL, 'R'},
        {"cut-at", required_argument, NULL, 'C'},
        {"power-cut-at", required_argument, NULL, 'P'},
        {"power-cut-in-otadata", no_argument, NULL, 'O'},
        {"url", required_argument, NULL, 'U'},
        {"ca", required_argument, NULL, 'A'},
        {"range-size", required_argument, NULL, 'z'},
        {"rate", required_argument, NULL, 'r' + 256},
        {"target", required_argument, NULL, 't'},
        {"skip-version-check", no_argument, NULL, 's'},
        {"boot-slot", no_argument, NULL, 'b'},
        {"dump-slot", required_argument, NULL, 'd'},
        {"export-pubkey", required_argument, NULL, 'x'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->target = "esp32c3";
    o->purpose = "hmac_up";
    o->cut_at = -1;
    o->power_cut_at = -1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "h", longs, NULL)) != -1;) {
        char *end = NULL;
        switch (c) {
        case 'f':
            o->flash = optarg;
            break;
        case 'r':
            o->rsa_key = optarg;
            break;
        case 'k':
            o->hmac_key = optarg;
            break;
        case 'e':
            o->ecc_key = optarg;
            break;
        case 'p':
            o->purpose = optarg;
            break;
        case 'i':
            o->image = optarg;
            break;
        case 't':
            o->target = optarg;
            break;
        case 's':
            o->skip_version = true;
            break;
        case 'b':
            o->boot_slot = true;
            break;
        case 'd':
            o->dump = optarg;
            break;
        case 'x':
            o->export_pub = optarg;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'K':
            o->hmac_key_id = (int)strtol(optarg, &end, 10);
            break;
        case 'c':
            o->chunk = strtoul(optarg, &end, 10);
            break;
        case 'R':
            o->random = true;
            o->random_seed = (uint32_t)strtoul(optarg, &end, 10);
            break;
        case 'C':
            o->cut_at = strtoll(optarg, &end, 10);
            break;
        case 'P':
            o->power_cut_at = strtoll(optarg, &end, 10);
            break;
        case 'O':
            o->power_cut_otadata = true;
            break;
        case 'U':
            o->url = optarg;
            break;
        case 'A':
            o->ca = optarg;
            break;
        case 'z':
            o->range_size = strtoll(optarg, &end, 10);
            break;
        case 'r' + 256:
            o->rate = strtoll(optarg, &end, 10);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return fail(2, "usage", "unknown option (see --help)");
        }
        if (end && (*end != '\0' || end == optarg)) {
            return fail(2, "usage", "a numeric option has a value that is not a number");
        }
    }
    if (optind != argc) {
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
    if (!o->boot_slot && !o->dump && (keys != 1 || !o->image == !o->url)) {
        return fail(2, "usage", "an update needs exactly one key and --image or --url");
    }
    if (!o->url != !o->ca) {
        return fail(2, "usage", "--url and --ca go together");
    }
    if ((o->range_size || o->rate) && !o->url) {
        return fail(2, "usage", "--range-size and --rate go with --url");
    }
    if (o->range_size < 0 || o->rate < 0) {
        return fail(2, "usage", "--range-size and --rate are positive");
    }
    if (o->chunk && o->random) {
        return fail(2, "usage", "--chunk and --random-chunks exclude each other");
    }
    if (o->hmac_key_id < 0 || o->hmac_key_id > 5) {
        return fail(2, "usage", "--hmac-key-id is 0..5");
    }
    if (strcmp(o->purpose, "hmac_up") != 0 && strcmp(o->purpose, "user") != 0) {
        return fail(2, "usage", "--efuse-purpose is hmac_up or user");
    }
    if (sim_chip_id(o->target) < 0) {
        return fail(2, "usage", "unknown --target");
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
        if (len != 32) {
            return fail(3, path, "an HMAC key is exactly 32 bytes");
        }
        esp_efuse_purpose_t purpose = strcmp(o->purpose, "user") == 0
                                          ? ESP_EFUSE_KEY_PURPOSE_USER
                                          : ESP_EFUSE_KEY_PURPOSE_HMAC_UP;
        sim_efuse_burn_key(o->hmac_key_id, (const uint8_t *)*pem, purpose);
        cfg->kind = EEI_DEC_KEY_HMAC_EFUSE;
        cfg->hmac_key_id = o->hmac_key_id;
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

static int dump_slot(const char *out)
{
    const esp_partition_t *p = esp_ota_get_running_partition();
    size_t len = sim_image_verify(p, NULL, 0);
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

static int update(const options *o)
{
    eei_dec_config key;
    char *pem = NULL;
    int rc = configure_key(o, &key, &pem);
    if (rc >= 0) {
        free(pem);
        return rc;
    }
    file_source src = {.chunk = o->chunk, .cut_at = o->cut_at, .power_cut_at = o->power_cut_at};
    https_source web;
    ota_source_t source = {file_read, &src};
    sim_power_cut_in_otadata(o->power_cut_otadata);
    src.random_state = o->random ? (o->random_seed * 2654435761u) | 1u : 0;
    if (o->url) {
        /* a server that cannot be reached or refuses is a failed download: rejected */
        if (https_source_open(&web, o->url, o->ca, o->range_size, o->rate) != 0) {
            https_source_close(&web);
            free(pem);
            return fail(1, "rejected", web.why);
        }
        source = (ota_source_t){https_source_read, &web};
    } else {
        src.f = strcmp(o->image, "-") == 0 ? stdin : fopen(o->image, "rb");
        if (!src.f) {
            free(pem);
            return fail(3, o->image, strerror(errno));
        }
    }
    ota_update_config_t cfg = {.key = key, .skip_version_check = o->skip_version};
    char why[256] = "";
    ota_update_result_t r = ota_update_run(&cfg, &source, why, sizeof(why));
    if (o->url) {
        if (r != OTA_UPDATE_OK && web.why[0]) {
            snprintf(why, sizeof(why), "%s", web.why);
        }
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
    if (o.boot_slot) {
        printf("%s\n", esp_ota_get_running_partition()->label);
        rc = 0;
    } else if (o.dump) {
        rc = dump_slot(o.dump);
    } else {
        rc = update(&o);
    }
    sim_device_close();
    return rc;
}
