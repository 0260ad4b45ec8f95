/* pubkey KEY: the public key of a private key or of an HMAC key, as PEM, DER or C. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "json_out.h"
#include "key_files.h"

static const char help[] =
    "Usage: esp_enc_img pubkey KEY [--format pem|der|device|c] [--name NAME] [-o OUT] [--force]\n"
    "                          [--json] [--passphrase-file FILE] [--quiet]\n"
    "\n"
    "Print the public key of KEY: an RSA-3072 or P-256 private key, a public key, or a 32-byte\n"
    "HMAC key (the P-256 key a chip derives from it in eFuse).\n"
    "\n"
    "Options:\n"
    "  --format FORMAT           pem (default): SubjectPublicKeyInfo PEM; der: the same as DER;\n"
    "                            device: byte for byte what the device's\n"
    "                            esp_encrypted_img_export_public_key() returns (RSA: PKCS#1\n"
    "                            RSAPublicKey DER; P-256: SubjectPublicKeyInfo DER);\n"
    "                            c: the DER as a 'const uint8_t NAME[]' array and its length\n"
    "  --name NAME               the C identifier for --format c (default: device_pub_key_der)\n"
    "  -o, --output OUT          write to OUT instead of stdout (never replaced without --force)\n"
    "  -f, --force               replace an existing OUT\n"
    "  --json                    a summary as one JSON object on stdout (with -o OUT): key\n"
    "                            type, format, bytes written, key fingerprint\n" CLI_HELP_PASSPHRASE
        CLI_HELP_PIN CLI_HELP_QUIET CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error.\n";

static bool is_c_identifier(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_')) {
        return false;
    }
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '_') {
            return false;
        }
    }
    return true;
}

/* The DER as a C array definition, in a malloc'd string. */
static int der_as_c(const uint8_t *der, size_t len, const char *name, const char *from,
                    uint8_t **out, size_t *out_len, eei_error *err)
{
    if (strstr(from, "*/")) {
        from = "a key file"; /* a path that would end the comment early */
    }
    size_t cap = 512 + strlen(name) * 2 + strlen(from) + len * 6;
    char *text = malloc(cap);
    if (!text) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    size_t n = (size_t)snprintf(text, cap,
                                "/* Device public key (DER SubjectPublicKeyInfo) of %s,\n"
                                " * written by esp_enc_img pubkey --format c. */\n"
                                "#include <stddef.h>\n#include <stdint.h>\n\n"
                                "const uint8_t %s[] = {",
                                from, name);
    for (size_t i = 0; i < len; i++) {
        n += (size_t)snprintf(text + n, cap - n, "%s0x%02x,", i % 12 ? " " : "\n    ", der[i]);
    }
    n += (size_t)snprintf(text + n, cap - n, "\n};\nconst size_t %s_len = %zu;\n", name, len);
    *out = (uint8_t *)text;
    *out_len = n;
    return 0;
}

/* The name of a key's type, as --json gives it. */
static const char *key_type_name(const eei_key *key)
{
    if (eei_key_is_hmac_derived(key)) {
        return "hmac-p256";
    }
    switch (eei_key_get_type(key)) {
    case EEI_KEY_RSA3072:
        return "rsa-3072";
    case EEI_KEY_P256:
        return "p-256";
    case EEI_KEY_P384:
        return "p-384";
    }
    return "unknown";
}

static void summarise(cJSON *json, const eei_key *key, const char *format, size_t written)
{
    uint8_t fp[EEI_SHA256_SIZE];
    eei_error ignored;
    cJSON_AddStringToObject(json, "key_type", key_type_name(key));
    cJSON_AddStringToObject(json, "format", format);
    cJSON_AddNumberToObject(json, "output_size", (double)written);
    if (eei_key_fingerprint(key, fp, &ignored) == EEI_OK) {
        json_add_hex(json, "key_fingerprint", fp, sizeof(fp));
    }
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one KEY file");
    }
    if (args->json && (!args->output || strcmp(args->output, "-") == 0)) {
        return cli_usage_of(args, "--json prints to stdout: give -o OUT for the key");
    }
    static const struct {
        const char *name;
        eei_export_format export;
    } formats[] = {
        {"pem", EEI_EXPORT_PUBLIC_PEM},
        {"der", EEI_EXPORT_PUBLIC_DER},
        {"device", EEI_EXPORT_DEVICE_DER},
        {"c", EEI_EXPORT_PUBLIC_DER},
    };
    const char *format = args->format ? args->format : "pem";
    const char *name = args->name ? args->name : "device_pub_key_der";
    size_t f = 0;
    while (f < sizeof(formats) / sizeof(formats[0]) && strcmp(format, formats[f].name) != 0) {
        f++;
    }
    if (f == sizeof(formats) / sizeof(formats[0])) {
        return cli_usage_of(args, "--format is pem, der, device or c");
    }
    bool as_c = strcmp(format, "c") == 0;
    if (!is_c_identifier(name) || (args->name && !as_c)) {
        return cli_usage_of(args, "--name takes a C identifier, with --format c");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    uint8_t *data = NULL, *encoded = NULL;
    size_t len = 0, encoded_len = 0;
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    int rc = args->output ? cli_check_output(args, args->output, &err) : 0;
    rc = rc == 0 ? cli_load_key(args->pos[0], args, &key, &err) : rc;
    if (rc == 0) {
        rc =
            eei_key_export(key, formats[f].export, &encoded, &encoded_len, &err) == EEI_OK ? 0 : -1;
    }
    if (rc == 0 && as_c) {
        rc = der_as_c(encoded, encoded_len, name, args->pos[0], &data, &len, &err);
    }
    if (rc == 0) {
        bool text = as_c || formats[f].export == EEI_EXPORT_PUBLIC_PEM;
        rc = key_file_write(args->output ? args->output : "-", as_c ? data : encoded,
                            as_c ? len : encoded_len, false, text, args->force, &err);
    }
    if (rc == 0 && json) {
        summarise(json, key, format, as_c ? len : encoded_len);
    }
    free(data);
    eei_free(encoded, encoded_len);
    eei_key_free(key);
    if (json) {
        cJSON_AddStringToObject(json, "key", args->pos[0]);
        cJSON_AddStringToObject(json, "output", args->output);
    }
    return cli_finish(args, json, &err);
}

const cli_command cmd_pubkey = {"pubkey", help,
                                OPT_OUTPUT | OPT_FORCE | OPT_PASSPHRASE | OPT_PIN | OPT_FORMAT |
                                    OPT_NAME | OPT_QUIET | OPT_JSON,
                                run};
