/* esp_enc_img: dispatch to one command per file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "eei_build_info.h"
#include "fileio.h"

#ifndef EEI_VERSION
#define EEI_VERSION "unknown"
#endif

static const char main_help[] =
    "Usage: esp_enc_img COMMAND [ARGS]\n"
    "\n"
    "Pre-encrypted firmware images for ESP32-class chips (esp_encrypted_img format:\n"
    "RSA-3072 key wrap or ECIES-P256, then AES-256-GCM).\n"
    "\n"
    "Commands:\n"
    "  keygen rsa|hmac|ecc|ecc384 [--out-dir DIR] [--force]  generate a device or signing key\n"
    "  pubkey KEY [--format pem|der|device|c] [-o OUT] public key of a private or HMAC key\n"
    "  encrypt IN KEY OUT                              encrypt IN for the device holding KEY\n"
    "  decrypt IN KEY OUT                              decrypt and authenticate IN\n"
    "  info IN [--json]                                what the header says, without a key\n"
    "  verify IN [KEY] [--json]                        check structure, or authenticate fully\n"
    "  batch MANIFEST.json --out-dir DIR [--jobs N] [--shard K/N]\n"
    "                                                  one build for a whole fleet (or a share)\n"
    "  batch --merge SHARD_MANIFEST... -o FILE         the shards' manifest.json files as one\n"
    "  serve DIR (--self-signed HOST | --cert C --key K)   the images over HTTPS\n"
    "  sign IN --key K [--key K2 [--key K3]] [-o OUT]  Secure Boot V2 signature blocks\n"
    "  verify-signature IN --pub P [--pub P2 ...]      check an app's Secure Boot V2 blocks\n"
    "  digest PUB [-o FILE]                            a signing key's eFuse digest\n"
    "  ds-provision RSA_KEY --hmac-key HMAC.bin --target CHIP -o OUT\n"
    "                                                  the esp_secure_cert partition of a\n"
    "                                                  device whose DS peripheral keeps RSA_KEY\n"
    "\n"
    "Compatibility with esp_enc_img_gen.py:\n"
    "  --generate_rsa_key   same as 'keygen rsa' in the current directory\n"
    "  --generate_ecc_key   same as 'keygen hmac' in the current directory\n"
    "\n"
    "  -h, --help      this text; 'esp_enc_img help COMMAND' or 'esp_enc_img COMMAND --help'\n"
    "                  for a command\n"
    "  -V, --version   the version, the commit it was built from, and the OpenSSL and cJSON\n"
    "                  it runs with\n"
    "\n"
    "Exit status: 0 success; 1 image rejected; 2 usage error; 3 file, key or system error;\n"
    "4 a warning, with --strict.\n";

static const cli_command *const commands[] = {
    &cmd_keygen,
    &cmd_pubkey,
    &cmd_encrypt,
    &cmd_decrypt,
    &cmd_info,
    &cmd_verify,
    &cmd_batch,
    &cmd_serve,
    &cmd_sign,
    &cmd_verify_signature,
    &cmd_digest,
    &cmd_ds_provision,
    &cmd_generate_rsa_key,
    &cmd_generate_ecc_key,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const cli_command *command_named(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(name, commands[i]->name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

static int unknown_command(const char *name);

/*
 * What was printed on stdout must have got there: a full disk or a closed pipe behind it is an
 * error of the command (exit 3), not a success with its answer lost.
 */
static int stdout_flushed(int code)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) {
        return code;
    }
    fprintf(stderr, "%s: stdout: write failed: %s\n", EEI_PROG, strerror(errno));
    return code == 0 ? cli_exit_code(EEI_ERR_FILE) : code;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return cli_exit_code(EEI_ERR_USAGE);
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc > 2) { /* help COMMAND: that command's help */
        const cli_command *cmd = command_named(argv[2]);
        if (!cmd) {
            return unknown_command(argv[2]);
        }
        fputs(cmd->help, stdout);
        return cli_exit_code(EEI_OK);
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        fputs(main_help, stdout);
        return cli_exit_code(EEI_OK);
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("esp_enc_img %s\ncommit %s\n%s\ncJSON %s\n", EEI_VERSION, EEI_GIT_COMMIT,
               eei_crypto_library(), cJSON_Version());
        return cli_exit_code(EEI_OK);
    }
    const cli_command *cmd = command_named(name);
    return cmd ? cli_run(cmd, argc - 1, argv + 1) : unknown_command(name);
}

int main(int argc, char **argv)
{
    os_init(&argc, &argv);
    fileio_init();
    return stdout_flushed(dispatch(argc, argv));
}

static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++) {
        names[i] = commands[i]->name;
    }
    const char *best = options_closest(name, strlen(name), names, NCOMMANDS);
    if (best) {
        fprintf(stderr, "%s: unknown command '%s': did you mean '%s'?\n", EEI_PROG, name, best);
    } else {
        fprintf(stderr, "%s: unknown command '%s'\nTry '%s --help'.\n", EEI_PROG, name, EEI_PROG);
    }
    return cli_exit_code(EEI_ERR_USAGE);
}
