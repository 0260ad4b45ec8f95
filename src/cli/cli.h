/* What every command shares: option parsing, and the one place errors become exit codes. */
#ifndef EEI_CLI_H
#define EEI_CLI_H

#include <stdbool.h>

#include "cli/key_file.h"
#include "error/error.h"

#define EEI_PROG "esp_enc_img"

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
};

/* --help lines that several commands share, word for word. */
#define CLI_HELP_QUIET                                                                             \
    "  -q, --quiet               no progress line (shown on a terminal for inputs over 64 MiB)\n"
#define CLI_HELP_PASSPHRASE                                                                        \
    "  -p, --passphrase-file F   passphrase of an encrypted PEM key (first line of F);\n"          \
    "                            otherwise $ESP_ENC_IMG_PASSPHRASE is used\n"
#define CLI_HELP_VERBOSE_HELP                                                                      \
    "  -v, --verbose             print the crypto library's errors\n"                              \
    "  -h, --help                this text\n"

typedef struct {
    bool verbose;
    bool force;
    bool json;
    bool quiet;
    bool no_hash;
    const char *jobs;
    const char *format;
    const char *name;
    const char *out_dir;
    const char *output;
    key_options keys;
    int npos;
    char **pos;
} cli_args;

typedef enum { CLI_RUN, CLI_DONE_OK, CLI_DONE_USAGE } cli_parse_result;

/* Parse a command's argv (argv[0] is the command name); prints --help or a usage error. */
cli_parse_result cli_parse(int argc, char **argv, unsigned allowed, const char *help,
                           cli_args *args);

/* Print "esp_enc_img: <message>" for a usage error of cmd; returns exit code 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the error (and the library's error queue with --verbose); returns its exit code. */
int cli_report(const eei_error *err, bool verbose);

int cmd_keygen(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_encrypt(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_serve(int argc, char **argv);
/* The Python tool's spellings: --generate_rsa_key, --generate_ecc_key. */
int cmd_keygen_compat(const char *kind, int argc, char **argv);

#endif
