/* keygen rsa|hmac|ecc: a new device key pair, written with safe permissions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fileio.h"
#include "crypto/crypto.h"

static const char keygen_help[] =
    "Usage: esp_enc_img keygen rsa|hmac|ecc [--out-dir DIR] [--force]\n"
    "\n"
    "Generate a device key.\n"
    "  rsa   RSA-3072 pair: rsa_priv_key.pem (mode 0600), rsa_pub_key.pem\n"
    "  hmac  32-byte eFuse HMAC key: device_hmac_key.bin (mode 0600), and the P-256 device\n"
    "        public key the chip derives from it: device_pub_key.pem (what CI encrypts to).\n"
    "        Burn the key with: idf.py efuse-burn-key BLOCK_KEYn device_hmac_key.bin HMAC_UP\n"
    "  ecc   plain P-256 pair: ecc_priv_key.pem (mode 0600), ecc_pub_key.pem\n"
    "\n"
    "Options:\n"
    "  -d, --out-dir DIR  write the files into DIR (default: the current directory);\n"
    "                     a missing DIR is created with mode 0700\n"
    "  -f, --force        replace existing key files (never done without it)\n"
    "  -v, --verbose      print the crypto library's errors\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 file or system error.\n";

#define HMAC_KEY_ATTEMPTS 16

typedef struct {
    const char *kind;
    const char *secret_name;
    const char *public_name;
} keygen_kind;

static const keygen_kind kinds[] = {
    {"rsa", "rsa_priv_key.pem", "rsa_pub_key.pem"},
    {"hmac", "device_hmac_key.bin", "device_pub_key.pem"},
    {"ecc", "ecc_priv_key.pem", "ecc_pub_key.pem"},
};

/* A random HMAC key whose derived scalar is valid (all but ~2^-32 of keys are). */
static int generate_hmac(uint8_t hmac[EEI_HMAC_KEY_SIZE], eei_key **key, eei_error *err)
{
    for (int i = 0; i < HMAC_KEY_ATTEMPTS; i++) {
        if (crypto_random(hmac, EEI_HMAC_KEY_SIZE, err) != 0) {
            return -1;
        }
        if (crypto_key_from_hmac(hmac, key, err) == 0) {
            return 0;
        }
        if (err->status != EEI_ERR_KEY) {
            return -1;
        }
    }
    return eei_fail(err, EEI_ERR_SYSTEM, "no valid HMAC key after %d attempts", HMAC_KEY_ATTEMPTS);
}

static int write_pair(const keygen_kind *kind, const char *dir, bool force, eei_error *err)
{
    char secret_path[4096], public_path[4096];
    snprintf(secret_path, sizeof(secret_path), "%s/%s", dir, kind->secret_name);
    snprintf(public_path, sizeof(public_path), "%s/%s", dir, kind->public_name);
    if (!force) {
        /* check both before writing either, so a refusal leaves no half pair */
        const char *paths[] = {secret_path, public_path};
        for (int i = 0; i < 2; i++) {
            if (path_exists(paths[i])) {
                return eei_fail(err, EEI_ERR_FILE, "%s: exists; use --force to overwrite it",
                                paths[i]);
            }
        }
    }

    uint8_t hmac[EEI_HMAC_KEY_SIZE];
    eei_key *key = NULL;
    uint8_t *secret = NULL, *pub = NULL;
    size_t secret_len = 0, pub_len = 0;
    int rc;
    if (strcmp(kind->kind, "hmac") == 0) {
        rc = generate_hmac(hmac, &key, err);
        if (rc == 0) {
            secret = malloc(sizeof(hmac));
            rc = secret ? 0 : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        }
        if (rc == 0) {
            memcpy(secret, hmac, sizeof(hmac));
            secret_len = sizeof(hmac);
        }
    } else {
        eei_key_type type = strcmp(kind->kind, "rsa") == 0 ? EEI_KEY_RSA3072 : EEI_KEY_P256;
        rc = crypto_key_generate(type, &key, err);
        if (rc == 0) {
            rc = crypto_key_private_pem(key, &secret, &secret_len, err);
        }
    }
    if (rc == 0) {
        rc = crypto_key_public_pem(key, &pub, &pub_len, err);
    }
    if (rc == 0) {
        rc = key_pair_write(secret_path, secret, secret_len, public_path, pub, pub_len, force, err);
    }
    if (rc == 0) {
        printf("wrote %s (secret: keep it private)\nwrote %s\n", secret_path, public_path);
    }
    crypto_wipe(hmac, sizeof(hmac));
    if (secret) {
        crypto_wipe(secret, secret_len);
    }
    free(secret);
    free(pub);
    crypto_key_free(key);
    return rc;
}

static int keygen_run(const char *kind_name, const cli_args *args, const char *cmd)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i].kind, kind_name) == 0) {
            eei_error err = {EEI_OK, ""};
            const char *dir = args->out_dir ? args->out_dir : ".";
            /* a new folder that will hold secrets is private to the owner */
            if (make_dirs(dir, 0700, &err) == 0) {
                write_pair(&kinds[i], dir, args->force, &err);
            }
            return cli_report(&err, args->verbose);
        }
    }
    return cli_usage(cmd, "unknown key kind '%s' (rsa, hmac or ecc)", kind_name);
}

int cmd_keygen(int argc, char **argv)
{
    cli_args args;
    cli_parse_result pr = cli_parse(argc, argv, OPT_FORCE | OPT_OUT_DIR, keygen_help, &args);
    if (pr != CLI_RUN) {
        return pr == CLI_DONE_OK ? 0 : 2;
    }
    if (args.npos != 1) {
        return cli_usage("keygen", "expected one key kind: rsa, hmac or ecc");
    }
    return keygen_run(args.pos[0], &args, "keygen");
}

int cmd_keygen_compat(const char *kind, int argc, char **argv)
{
    cli_args args;
    cli_parse_result pr = cli_parse(argc, argv, OPT_FORCE, keygen_help, &args);
    if (pr != CLI_RUN) {
        return pr == CLI_DONE_OK ? 0 : 2;
    }
    if (args.npos != 0) {
        return cli_usage(argv[0], "takes no arguments");
    }
    return keygen_run(kind, &args, argv[0]);
}
