/*
 * What every command shares: the options of the command line, the table of commands, and the
 * one place outcomes become exit codes.
 */
#ifndef EEI_CLI_H
#define EEI_CLI_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "esp_enc_img/esp_enc_img.h"
#include "options.h"

#define EEI_PROG "esp_enc_img"

/* Which options a command takes (the option table is in cli.c). */
enum {
    OPT_FORCE = 1u << 0,
    OPT_OUT_DIR = 1u << 1,
    OPT_OUTPUT = 1u << 2,
    OPT_PASSPHRASE = 1u << 3,
    OPT_JSON = 1u << 4,
    OPT_QUIET = 1u << 5,
    OPT_JOBS = 1u << 6,
    OPT_FORMAT = 1u << 7,
    OPT_NAME = 1u << 8,
    OPT_NO_HASH = 1u << 9,
    OPT_SERVE = 1u << 10,
    OPT_KEY = 1u << 11, /* --key, repeatable: signing keys (sign), the TLS key (serve) */
    OPT_PUB = 1u << 12,
    OPT_APPEND = 1u << 13,
    OPT_SIGN_KEY = 1u << 14,
    OPT_PIN = 1u << 15,      /* --pin-file: keys in a PKCS#11 token */
    OPT_SHARD = 1u << 16,    /* batch --shard K/N, --merge */
    OPT_MAX_SIZE = 1u << 17, /* --max-size: commands that read an app or an image */
    OPT_STRICT = 1u << 18,   /* --strict: commands that warn */
    /* sign: espsecure's --keyfile and --version, imgtool's -k */
    OPT_SIGN_SPELLINGS = 1u << 19,
    OPT_DS = 1u << 20, /* ds-provision: --hmac-key, --target, --offset, --key-block */
};

/* The exit code of a command that warned under --strict (its output not written). */
#define CLI_EXIT_STRICT 4

/* --help lines that several commands share, word for word. */
#define CLI_HELP_QUIET                                                                             \
    "  -q, --quiet               no progress line (on a terminal, for inputs over 64 MiB), no\n"   \
    "                            warnings, no summary: errors and the output asked for only\n"
#define CLI_HELP_PASSPHRASE                                                                        \
    "  -p, --passphrase-file F   passphrase of an encrypted PEM key (first line of F);\n"          \
    "                            otherwise $ESP_ENC_IMG_PASSPHRASE, or else it is asked for\n"     \
    "                            on the terminal (when stdin is one)\n"
#define CLI_HELP_PIN                                                                               \
    "  --pin-file F              user PIN of a PKCS#11 token holding a key given as a\n"           \
    "                            pkcs11: URI (first line of F); otherwise\n"                       \
    "                            $ESP_ENC_IMG_PKCS11_PIN is used\n"
#define CLI_HELP_MAX_SIZE                                                                          \
    "  --max-size SIZE           the largest app accepted (default 16M, the largest app\n"         \
    "                            partition a chip boots; K, M and G suffixes): larger inputs,\n"   \
    "                            and endless ones, are refused\n"
#define CLI_HELP_STRICT                                                                            \
    "  --strict                  a warning is an error: nothing is written, exit 4\n"
#define CLI_HELP_VERBOSE_HELP                                                                      \
    "  -v, --verbose             with an error, the crypto library's own errors too\n"             \
    "  -h, --help                this text\n"

/* Every option of every command; a command reads those it takes. */
typedef struct {
    const char *cmd; /* the command's name, for messages */
    bool verbose, force, json, quiet, no_hash, append, merge, strict;
    long long jobs; /* 0: not given */
    const char *format, *name, *out_dir, *output, *passphrase_file, *pin_file;
    const char *shard;                 /* batch --shard K/N, as given */
    const char *max_size;              /* --max-size, as given (cli_run applies it) */
    const char *sb_version;            /* sign --version, as given (only 2 is made) */
    option_list keys, pubs, sign_keys; /* --key, --pub, --sign-key */
    /* ds-provision */
    const char *hmac_key, *target, *offset;
    long long key_block;
    /* serve */
    const char *bind, *cert, *self_signed, *cert_dir;
    long long port, timeout, max_clients, days;
    int npos;
    char **pos;
} cli_args;

typedef struct {
    const char *name;
    const char *help;
    unsigned options; /* the OPT_ bits it takes */
    int (*run)(const cli_args *args);
} cli_command;

extern const cli_command cmd_keygen, cmd_pubkey, cmd_encrypt, cmd_decrypt, cmd_info, cmd_verify,
    cmd_batch, cmd_serve, cmd_sign, cmd_verify_signature, cmd_digest, cmd_ds_provision;
/* The Python tool's spellings: --generate_rsa_key, --generate_ecc_key. */
extern const cli_command cmd_generate_rsa_key, cmd_generate_ecc_key;

/* Parse argv (argv[0] is the command) for cmd and run it: its exit code. */
int cli_run(const cli_command *cmd, int argc, char **argv);

/* The exit code of a status: 0 ok, 1 rejected, 2 usage, 3 file, key or system. */
int cli_exit_code(eei_status status);

/* Print "esp_enc_img: <cmd>: <message>" for a usage error; returns its exit code (2). */
int cli_usage(const char *cmd, const char *fmt, ...) EEI_PRINTF_FORMAT(2, 3);
/* The same in a command that runs: with --json, its JSON object (ok false) is printed too. */
int cli_usage_of(const cli_args *args, const char *fmt, ...) EEI_PRINTF_FORMAT(2, 3);

/* Print the error (and with --verbose the crypto library's own errors under it); its exit code. */
int cli_report(const eei_error *err, bool verbose);

/*
 * A command's end: its JSON (json, with --json; NULL without) gets the keys docs/CLI.md promises
 * that a failure did not get to, "ok" and, on failure, "error", and is printed as one line on
 * stdout and freed; the error is reported on stderr as usual. Returns the exit code.
 */
int cli_finish(const cli_args *args, cJSON *json, const eei_error *err);

/*
 * "esp_enc_img: warning: <text>" on stderr, unless --quiet: something is likely a mistake, but
 * the command did what it was asked. Without --strict a warning never changes the exit status.
 */
void cli_warning(const cli_args *args, const char *text);

/*
 * With --strict, after a warning: an error (err set) that stops the command before it writes its
 * output, and exit code CLI_EXIT_STRICT. 0 otherwise.
 */
int cli_strict(const cli_args *args, eei_error *err);

/*
 * Before anything is read: refuse OUT when it is a directory or one of the command's inputs (its
 * positional arguments and every file option), for writing it would replace that input.
 */
int cli_check_output(const cli_args *args, const char *out, eei_error *err);

/*
 * A key file, with the passphrase from --passphrase-file or $ESP_ENC_IMG_PASSPHRASE, or else
 * asked for on the terminal when stdin is one (only when args is not NULL); "-" is refused: a
 * key is a file. Or a key in a PKCS#11 token (a pkcs11: URI), with the PIN from --pin-file or
 * $ESP_ENC_IMG_PKCS11_PIN.
 */
int cli_load_key(const char *path, const cli_args *args, eei_key **out, eei_error *err);
/* The same for a Secure Boot V2 key: a key of another kind is refused for the signing reason. */
int cli_load_signing_key(const char *path, const cli_args *args, eei_key **out, eei_error *err);
/* The same for the key of chip's Digital Signature peripheral: RSA-3072 private keys only. */
int cli_load_ds_key(const char *path, const cli_args *args, const char *chip, eei_key **out,
                    eei_error *err);

/*
 * The key at positional argument key_pos, as cli_load_key. When it is not a key but another
 * positional argument is, the error is a usage error that names both and gives order (e.g.
 * "IN KEY OUT").
 */
int cli_load_key_arg(const cli_args *args, int key_pos, const char *order, eei_key **out,
                     eei_error *err);

/*
 * A key given where a device's public key belongs (encrypt's KEY; what names that argument in
 * the message): a 32-byte HMAC key is refused, for it is the secret a chip keeps in eFuse, which
 * has no business on a build machine; the device's public key is what encrypting needs.
 */
int cli_refuse_secret_key(const eei_key *key, const char *path, const char *what, eei_error *err);

#endif
