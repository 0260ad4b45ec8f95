/*
 * ds-provision RSA_KEY --hmac-key HMAC.bin --target CHIP -o OUT: the esp_secure_cert partition of
 * a device whose Digital Signature peripheral keeps the RSA key, and the commands that put it
 * there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "fileio.h"
#include "json_out.h"
#include "key_files.h"

static const char help[] =
    "Usage: esp_enc_img ds-provision RSA_KEY --hmac-key HMAC.bin\n"
    "                   --target esp32s2|esp32s3|esp32c3|esp32c6|esp32h2 -o OUT\n"
    "                   [--key-block N] [--offset OFFSET] [--force] [--json]\n"
    "                   [--passphrase-file F] [--quiet]\n"
    "\n"
    "Write the esp_secure_cert partition of a device whose Digital Signature peripheral (DS)\n"
    "keeps RSA_KEY, the RSA-3072 private key of the images' RSA scheme: the key's DS data,\n"
    "encrypted with the AES key the chip derives from an eFuse HMAC key, in the TLVs that\n"
    "esp_secure_cert_mgr and ESP-IDF's DS driver read. Then print the two commands that put\n"
    "the HMAC key into the chip's eFuse and the partition into its flash.\n"
    "\n"
    "Options:\n"
    "  --hmac-key HMAC.bin       the 32-byte HMAC key the chip keeps: read when the file exists,\n"
    "                            else 32 new random bytes written there (mode 0600), and\n"
    "                            nowhere else\n"
    "  --target CHIP             the chip: its DS takes RSA keys of up to 4096 bits on the\n"
    "                            esp32s2 and esp32s3, 3072 on the others (the size of the\n"
    "                            operands in its DS data)\n"
    "  -o, --output OUT          the partition image, 8 KiB (never replaced without --force)\n"
    "  --key-block N             the eFuse key block BLOCK_KEYN for the HMAC key, 0 to 5\n"
    "                            (default 1), as the partition tells the DS driver\n"
    "  --offset OFFSET           where the partition is in flash, for the esptool command:\n"
    "                            0xd000 (the default, where esp_secure_cert_mgr puts it) or\n"
    "                            another multiple of 0x1000 from 0x9000, as in the project's\n"
    "                            partition table\n"
    "  -f, --force               replace an existing OUT (never the HMAC key)\n"
    "  --json                    one JSON object on stdout: what was written, the key's\n"
    "                            fingerprint, the partition's SHA-256, the "
    "commands\n" CLI_HELP_PASSPHRASE
    "  -q, --quiet               only the two commands, no 'wrote' lines\n" CLI_HELP_VERBOSE_HELP
    "\n"
    "The commands, once per device (burning an eFuse cannot be undone):\n"
    "  espefuse --chip CHIP --port PORT burn-key BLOCK_KEYN HMAC.bin HMAC_DOWN_DIGITAL_SIGNATURE\n"
    "  esptool --chip CHIP --port PORT write-flash OFFSET OUT\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error.\n";

#define OFFSET_MIN 0x9000u /* past the bootloader and the partition table's default place */

/* --offset: hex (0x...) or decimal, a whole flash sector, with room for the partition. */
static bool parse_offset(const char *text, unsigned long *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9') {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0' || v < OFFSET_MIN || v % EEI_SC_FLASH_SECTOR != 0 ||
        v > 0xffffffffull - EEI_SC_PARTITION_SIZE + 1) {
        return false;
    }
    *out = (unsigned long)v;
    return true;
}

/*
 * A path as one shell word: as it is when no character needs quoting, else in single quotes
 * (control characters as $'\xNN', which a line of text must not hold).
 */
static void shell_word(const char *s, char *out, size_t cap)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                "_./:=@%+,-";
    bool control = false, quote = !*s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        control |= *p < 0x20 || *p == 0x7f;
        quote |= !strchr(plain, *p);
    }
    size_t n = 0;
    if (!quote) {
        snprintf(out, cap, "%s", s);
        return;
    }
    n += (size_t)snprintf(out + n, cap - n, control ? "$'" : "'");
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < cap; p++) {
        if (control && (*p < 0x20 || *p == 0x7f || *p == '\'' || *p == '\\')) {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", *p);
        } else if (!control && *p == '\'') {
            n += (size_t)snprintf(out + n, cap - n, "'\\''");
        } else {
            out[n++] = (char)*p;
        }
    }
    snprintf(out + n, cap - n, "'");
}

/* The existing HMAC key at path: exactly 32 bytes. */
static int read_hmac_key(const char *path, uint8_t key[EEI_HMAC_KEY_SIZE], eei_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (file_read_all(path, 4096, &data, &len, err) != 0) {
        return -1;
    }
    int rc = 0;
    if (len == EEI_HMAC_KEY_SIZE) {
        memcpy(key, data, EEI_HMAC_KEY_SIZE);
    } else {
        rc = eei_fail(err, EEI_ERR_KEY,
                      "%s: %zu bytes: an HMAC key is exactly %u raw bytes (give another file "
                      "name for a new one)",
                      path, len, EEI_HMAC_KEY_SIZE);
    }
    eei_free(data, len);
    return rc;
}

typedef struct {
    const cli_args *args;
    unsigned max_bits;
    unsigned long offset;
    bool created; /* the HMAC key is new */
    size_t used;  /* the TLVs' bytes */
    uint8_t part[EEI_SC_PARTITION_SIZE];
    char burn[2 * OS_PATH_MAX + 256], flash[2 * OS_PATH_MAX + 256];
} provision;

/* The two commands to run, into pv->burn and pv->flash. */
static void commands(provision *pv)
{
    const cli_args *a = pv->args;
    char hmac[OS_PATH_MAX + 64], out[OS_PATH_MAX + 64];
    shell_word(a->hmac_key, hmac, sizeof(hmac));
    shell_word(a->output, out, sizeof(out));
    snprintf(pv->burn, sizeof(pv->burn),
             "espefuse --chip %s --port PORT burn-key BLOCK_KEY%lld %s " EEI_DS_KEY_PURPOSE_NAME,
             a->target, a->key_block, hmac);
    snprintf(pv->flash, sizeof(pv->flash), "esptool --chip %s --port PORT write-flash 0x%lx %s",
             a->target, pv->offset, out);
}

/* Two paths lead to the same place, whether or not a file is there yet. */
static bool same_place(const char *a, const char *b)
{
    char ra[OS_PATH_MAX], rb[OS_PATH_MAX];
    if (os_resolve(a, ra, sizeof(ra)) != 0 || os_resolve(b, rb, sizeof(rb)) != 0) {
        return strcmp(a, b) == 0;
    }
    return strcmp(ra, rb) == 0;
}

/* Read or make the HMAC key, load the RSA key, make the partition, write what is new. */
static int provision_run(provision *pv, eei_key **key, eei_error *err)
{
    const cli_args *a = pv->args;
    uint8_t hmac[EEI_HMAC_KEY_SIZE];
    int rc = cli_check_output(a, a->output, err);
    if (rc == 0 && file_refuse_reserved(a->hmac_key, err) != 0) {
        rc = -1;
    }
    pv->created = rc == 0 && !path_exists(a->hmac_key);
    if (rc == 0 && pv->created && same_place(a->hmac_key, a->output)) {
        rc = eei_fail(err, EEI_ERR_USAGE,
                      "%s: the new HMAC key and the partition would be the same file: give "
                      "each its own name",
                      a->output);
    }
    if (rc == 0 && !a->force && path_exists(a->output)) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: exists; use --force to overwrite it", a->output);
    }
    if (rc == 0) {
        rc = pv->created ? (eei_ds_hmac_key_generate(hmac, err) == EEI_OK ? 0 : -1)
                         : read_hmac_key(a->hmac_key, hmac, err);
    }
    if (rc == 0) {
        rc = cli_load_ds_key(a->pos[0], a, a->target, key, err);
    }
    if (rc == 0 && eei_ds_secure_cert_make(*key, a->target, hmac, (unsigned)a->key_block, NULL,
                                           pv->part, &pv->used, err) != EEI_OK) {
        rc = -1;
    }
    if (rc == 0) {
        rc = pv->created ? key_with_file_write(a->hmac_key, hmac, sizeof(hmac), a->output, pv->part,
                                               sizeof(pv->part), a->force, err)
                         : key_file_write(a->output, pv->part, sizeof(pv->part), false, false,
                                          a->force, err);
    }
    eei_wipe(hmac, sizeof(hmac));
    return rc;
}

static void report_json(cJSON *json, const provision *pv, const eei_key *key)
{
    const cli_args *a = pv->args;
    uint8_t digest[EEI_SHA256_SIZE];
    eei_sha256 *sha = NULL;
    eei_error ignored;
    char block[32];
    snprintf(block, sizeof(block), "BLOCK_KEY%lld", a->key_block);
    cJSON_AddStringToObject(json, "target", a->target);
    cJSON_AddNumberToObject(json, "max_key_bits", pv->max_bits);
    cJSON_AddNumberToObject(json, "key_bits", 8 * EEI_RSA_WRAPPED_SIZE); /* RSA-3072 only */
    cJSON_AddStringToObject(json, "key_block", block);
    cJSON_AddStringToObject(json, "key_purpose", EEI_DS_KEY_PURPOSE_NAME);
    cJSON_AddBoolToObject(json, "hmac_key_created", pv->created);
    cJSON_AddNumberToObject(json, "offset", (double)pv->offset);
    cJSON_AddNumberToObject(json, "partition_size", EEI_SC_PARTITION_SIZE);
    cJSON_AddNumberToObject(json, "tlv_size", (double)pv->used);
    const size_t n = pv->max_bits / 8u; /* bytes per DS operand */
    cJSON_AddNumberToObject(json, "ds_data_size", (double)EEI_DS_DATA_SIZE(n));
    cJSON_AddNumberToObject(json, "ciphertext_size", (double)EEI_DS_C_SIZE(n));
    if (eei_sha256_new(&sha, &ignored) == EEI_OK) {
        eei_sha256_update(sha, pv->part, sizeof(pv->part));
        eei_sha256_final(sha, digest);
        eei_sha256_free(sha);
        json_add_hex(json, "partition_sha256", digest, sizeof(digest));
    }
    if (eei_key_fingerprint(key, digest, &ignored) == EEI_OK) {
        json_add_hex(json, "key_fingerprint", digest, sizeof(digest));
    }
    cJSON *cmds = cJSON_AddArrayToObject(json, "commands");
    cJSON_AddItemToArray(cmds, cJSON_CreateString(pv->burn));
    cJSON_AddItemToArray(cmds, cJSON_CreateString(pv->flash));
}

static void report_text(const provision *pv)
{
    const cli_args *a = pv->args;
    if (!a->quiet) {
        printf("wrote %s: the esp_secure_cert partition for the %s: the DS data of %s (RSA-3072), "
               "for the HMAC key in eFuse BLOCK_KEY%lld\n",
               a->output, a->target, a->pos[0], a->key_block);
        if (pv->created) {
            printf("wrote %s: a new HMAC key (secret: keep it offline; burn it into this "
                   "device only)\n",
                   a->hmac_key);
        }
        printf("Then, on the device (burning an eFuse cannot be undone):\n");
    }
    printf("%s%s\n%s%s\n", a->quiet ? "" : "  ", pv->burn, a->quiet ? "" : "  ", pv->flash);
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one RSA_KEY file");
    }
    const char *needed[] = {"--hmac-key HMAC.bin", "--target CHIP", "-o OUT"};
    const char *given[] = {args->hmac_key, args->target, args->output};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        if (!given[i]) {
            return cli_usage_of(args, "%s is needed", needed[i]);
        }
    }
    if (strcmp(args->output, "-") == 0 || strcmp(args->hmac_key, "-") == 0) {
        return cli_usage_of(args, "%s must be a file, not stdout or stdin",
                            strcmp(args->output, "-") == 0 ? "the partition (-o)"
                                                           : "the HMAC key (--hmac-key)");
    }
    provision *pv = calloc(1, sizeof(*pv));
    if (!pv) {
        eei_error oom = {EEI_OK, ""};
        eei_fail(&oom, EEI_ERR_SYSTEM, "out of memory");
        return cli_report(&oom, args->verbose);
    }
    pv->args = args;
    pv->offset = EEI_SC_DEFAULT_OFFSET;
    eei_error err = {EEI_OK, ""};
    if (args->offset && !parse_offset(args->offset, &pv->offset)) {
        free(pv);
        return cli_usage_of(args,
                            "--offset takes a multiple of 0x1000 from 0x9000 (hex with 0x, or "
                            "decimal), where the partition table puts esp_secure_cert: not '%s'",
                            args->offset);
    }
    if (eei_ds_chip_max_bits(args->target, &pv->max_bits, &err) != EEI_OK) {
        free(pv);
        return cli_usage_of(args, "%s", err.msg);
    }
    commands(pv);
    eei_key *key = NULL;
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    int rc = provision_run(pv, &key, &err);
    if (json) {
        cJSON_AddStringToObject(json, "key", args->pos[0]);
        cJSON_AddStringToObject(json, "hmac_key", args->hmac_key);
        cJSON_AddStringToObject(json, "output", args->output);
        if (rc == 0) {
            report_json(json, pv, key);
        }
    } else if (rc == 0) {
        report_text(pv);
    }
    eei_key_free(key);
    free(pv);
    return cli_finish(args, json, &err);
}

const cli_command cmd_ds_provision = {
    "ds-provision", help, OPT_DS | OPT_OUTPUT | OPT_FORCE | OPT_JSON | OPT_PASSPHRASE | OPT_QUIET,
    run};
