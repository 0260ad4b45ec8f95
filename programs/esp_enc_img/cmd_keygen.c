/* keygen rsa|hmac|ecc: a new device key pair, written with safe permissions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "fileio.h"
#include "json_out.h"
#include "key_files.h"

static const char help[] =
    "Usage: esp_enc_img keygen rsa|hmac|ecc|ecc384 [--out-dir DIR] [--force]\n"
    "                          [--passphrase-file F] [--json] [--quiet]\n"
    "\n"
    "Generate a device key.\n"
    "  rsa   RSA-3072 pair: rsa_priv_key.pem (mode 0600), rsa_pub_key.pem\n"
    "  hmac  32-byte eFuse HMAC key: device_hmac_key.bin (mode 0600), and the P-256 device\n"
    "        public key the chip derives from it: device_pub_key.pem (what CI encrypts to).\n"
    "        Burn the key with: idf.py efuse-burn-key BLOCK_KEYn device_hmac_key.bin HMAC_UP\n"
    "  ecc   plain P-256 pair: ecc_priv_key.pem (mode 0600), ecc_pub_key.pem\n"
    "  ecc384  P-384 pair for Secure Boot V2 signing: ecc384_priv_key.pem (mode 0600),\n"
    "        ecc384_pub_key.pem (RSA-3072 and P-256 keys sign too)\n"
    "\n"
    "Options:\n"
    "  -d, --out-dir DIR         write the files into DIR (default: the current directory);\n"
    "                            a missing DIR is created with mode 0700\n"
    "  -f, --force               replace existing key files (never done without it)\n"
    "  -p, --passphrase-file F   encrypt the private key with the first line of F (PKCS#8:\n"
    "                            AES-256-CBC, PBKDF2-HMAC-SHA256); other commands read it\n"
    "                            back with the same -p F. Not for hmac: the eFuse takes its\n"
    "                            32 raw bytes. $ESP_ENC_IMG_PASSPHRASE is not used here\n"
    "  --json                    instead of the 'wrote' lines, one JSON object on stdout: the\n"
    "                            files written, the key type, the public key's fingerprint\n"
    "  -q, --quiet               no 'wrote' lines: errors only\n" CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 written, 2 usage error, 3 file or system error.\n";

typedef struct {
    const char *kind;
    const char *secret_name;
    const char *public_name;
} keygen_kind;

static const keygen_kind kinds[] = {
    {"rsa", "rsa_priv_key.pem", "rsa_pub_key.pem"},
    {"hmac", "device_hmac_key.bin", "device_pub_key.pem"},
    {"ecc", "ecc_priv_key.pem", "ecc_pub_key.pem"},
    {"ecc384", "ecc384_priv_key.pem", "ecc384_pub_key.pem"},
};

/* The private key encrypted with the first line of passphrase_file (never empty). */
static eei_status export_encrypted(const eei_key *key, const char *passphrase_file, uint8_t **out,
                                   size_t *out_len, eei_error *err)
{
    char *pass = NULL;
    size_t pass_size = 0;
    if (key_secret_file_read(passphrase_file, "passphrase file", "passphrase", &pass, &pass_size,
                             err) != 0) {
        return err->status;
    }
    eei_status st;
    if (!pass[0]) {
        eei_fail(err, EEI_ERR_FILE,
                 "passphrase file %s: its first line is empty: write the passphrase there (a key "
                 "encrypted with an empty one is not protected)",
                 passphrase_file);
        st = err->status;
    } else {
        st = eei_key_export_encrypted(key, pass, out, out_len, err);
    }
    eei_free(pass, pass_size);
    return st;
}

static int write_pair(const keygen_kind *kind, const char *dir, const cli_args *args, cJSON *json,
                      eei_error *err)
{
    bool force = args->force;
    char secret_path[4096], public_path[4096];
    snprintf(secret_path, sizeof(secret_path), "%s/%s", dir, kind->secret_name);
    snprintf(public_path, sizeof(public_path), "%s/%s", dir, kind->public_name);
    const char *inputs[] = {args->passphrase_file};
    if (output_check(secret_path, inputs, 1, err) != 0 ||
        output_check(public_path, inputs, 1, err) != 0) {
        return -1;
    }
    if (outputs_collide(secret_path, public_path)) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s and %s are one file (a link leads from one to the other, or both to "
                        "one name): the public key would replace the private one; nothing "
                        "written (remove the link, or give another --out-dir)",
                        public_path, secret_path);
    }
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
    eei_status st;
    if (strcmp(kind->kind, "hmac") == 0) {
        st = eei_key_generate_hmac(hmac, &key, err);
        if (st == EEI_OK && !(secret = malloc(sizeof(hmac)))) {
            st = EEI_ERR_SYSTEM;
            eei_fail(err, st, "out of memory");
        }
        if (st == EEI_OK) {
            memcpy(secret, hmac, sizeof(hmac));
            secret_len = sizeof(hmac);
        }
    } else {
        eei_key_type type = strcmp(kind->kind, "rsa") == 0      ? EEI_KEY_RSA3072
                            : strcmp(kind->kind, "ecc384") == 0 ? EEI_KEY_P384
                                                                : EEI_KEY_P256;
        st = eei_key_generate(type, &key, err);
        if (st == EEI_OK && args->passphrase_file) {
            st = export_encrypted(key, args->passphrase_file, &secret, &secret_len, err);
        } else if (st == EEI_OK) {
            st = eei_key_export(key, EEI_EXPORT_PRIVATE_PEM, &secret, &secret_len, err);
        }
    }
    if (st == EEI_OK) {
        st = eei_key_export(key, EEI_EXPORT_PUBLIC_PEM, &pub, &pub_len, err);
    }
    int rc = st == EEI_OK ? 0 : -1;
    /* the folder is made last: a key that could not be made or sealed leaves nothing behind */
    if (rc == 0) {
        /* a new folder that will hold secrets is private to the owner */
        rc = make_dirs(dir, 0700, err);
    }
    if (rc == 0) {
        rc = key_pair_write(secret_path, secret, secret_len, public_path, pub, pub_len, force, err);
    }
    if (rc == 0 && json) {
        uint8_t fp[EEI_SHA256_SIZE];
        cJSON_AddStringToObject(json, "secret", secret_path);
        cJSON_AddStringToObject(json, "public", public_path);
        cJSON_AddBoolToObject(json, "encrypted", args->passphrase_file != NULL);
        if (eei_key_fingerprint(key, fp, err) == EEI_OK) {
            json_add_hex(json, "key_fingerprint", fp, sizeof(fp));
        }
    } else if (rc == 0 && !args->quiet) {
        printf("wrote %s (secret: keep it private%s)\nwrote %s\n", secret_path,
               args->passphrase_file ? "; encrypted with the passphrase" : "", public_path);
    }
    eei_wipe(hmac, sizeof(hmac));
    eei_free(secret, secret_len);
    eei_free(pub, pub_len);
    eei_key_free(key);
    return rc;
}

static int keygen_run(const char *kind_name, const cli_args *args)
{
    if (args->passphrase_file && strcmp(kind_name, "hmac") == 0) {
        return cli_usage_of(
            args, "--passphrase-file does not apply to hmac: device_hmac_key.bin is the 32 "
                  "raw bytes 'idf.py efuse-burn-key' burns, which cannot be encrypted; drop "
                  "--passphrase-file and keep the file offline (it is written with mode "
                  "0600)");
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i].kind, kind_name) == 0) {
            eei_error err = {EEI_OK, ""};
            cJSON *json = args->json ? cJSON_CreateObject() : NULL;
            if (json) {
                cJSON_AddStringToObject(json, "kind", kind_name);
            }
            write_pair(&kinds[i], args->out_dir ? args->out_dir : ".", args, json, &err);
            if (json) { /* also when it was asked by the Python tool's spelling */
                json_add_missing(json, "keygen");
            }
            return cli_finish(args, json, &err);
        }
    }
    return cli_usage_of(args, "unknown key kind '%s' (rsa, hmac, ecc or ecc384)", kind_name);
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one key kind: rsa, hmac, ecc or ecc384");
    }
    return keygen_run(args->pos[0], args);
}

/* --generate_rsa_key and --generate_ecc_key: 'keygen rsa' and 'keygen hmac' in this folder */
static int run_compat(const cli_args *args)
{
    if (args->npos != 0) {
        return cli_usage(args->cmd, "takes no arguments");
    }
    return keygen_run(strcmp(args->cmd, "--generate_rsa_key") == 0 ? "rsa" : "hmac", args);
}

const cli_command cmd_keygen = {
    "keygen", help, OPT_FORCE | OPT_OUT_DIR | OPT_PASSPHRASE | OPT_QUIET | OPT_JSON, run};
const cli_command cmd_generate_rsa_key = {"--generate_rsa_key", help, OPT_FORCE | OPT_QUIET,
                                          run_compat};
const cli_command cmd_generate_ecc_key = {"--generate_ecc_key", help, OPT_FORCE | OPT_QUIET,
                                          run_compat};
