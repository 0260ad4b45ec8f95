/* pubkey KEY: the public key of a private key or of an HMAC key, as PEM, DER or C. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "key_files.h"

static const char help[] =
    "Usage: esp_enc_img pubkey KEY [--format pem|der|device|c] [--name NAME] [-o OUT] [--force]\n"
    "                          [--passphrase-file FILE] [--quiet]\n"
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
    "  -f, --force               replace an existing OUT\n" CLI_HELP_PASSPHRASE CLI_HELP_PIN
        CLI_HELP_QUIET CLI_HELP_VERBOSE_HELP "\n"
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

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage(args->cmd, "expected one KEY file");
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
        return cli_usage(args->cmd, "--format is pem, der, device or c");
    }
    bool as_c = strcmp(format, "c") == 0;
    if (!is_c_identifier(name) || (args->name && !as_c)) {
        return cli_usage(args->cmd, "--name takes a C identifier, with --format c");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    uint8_t *data = NULL, *encoded = NULL;
    size_t len = 0, encoded_len = 0;
    int rc = cli_load_key(args->pos[0], args, &key, &err);
    if (rc == 0) {
        rc =
            eei_key_export(key, formats[f].export, &encoded, &encoded_len, &err) == EEI_OK ? 0 : -1;
    }
    if (rc == 0 && as_c) {
        rc = der_as_c(encoded, encoded_len, name, args->pos[0], &data, &len, &err);
    }
    if (rc == 0) {
        bool text = as_c || formats[f].export == EEI_EXPORT_PUBLIC_PEM;
        key_file_write(args->output ? args->output : "-", as_c ? data : encoded,
                       as_c ? len : encoded_len, false, text, args->force, &err);
    }
    free(data);
    eei_free(encoded, encoded_len);
    eei_key_free(key);
    return cli_report(&err, args->verbose);
}

const cli_command cmd_pubkey = {
    "pubkey", help,
    OPT_OUTPUT | OPT_FORCE | OPT_PASSPHRASE | OPT_PIN | OPT_FORMAT | OPT_NAME | OPT_QUIET, run};
