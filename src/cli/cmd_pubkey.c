/* pubkey KEY: the public key of a private key or of an HMAC key, as PEM. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/fileio.h"
#include "crypto/crypto.h"

static const char pubkey_help[] =
    "Usage: esp_enc_img pubkey KEY [-o OUT] [--force] [--passphrase-file FILE]\n"
    "\n"
    "Print the public key (PEM, SubjectPublicKeyInfo) of KEY: an RSA-3072 or P-256 private key,\n"
    "a public key, or a 32-byte HMAC key (the P-256 key a chip derives from it in eFuse).\n"
    "\n"
    "Options:\n"
    "  -o, --output OUT          write to OUT instead of stdout (never replaced without --force)\n"
    "  -f, --force               replace an existing OUT\n"
    "  -p, --passphrase-file F   passphrase of an encrypted PEM key (first line of F);\n"
    "                            otherwise $ESP_ENC_IMG_PASSPHRASE is used\n"
    "  -v, --verbose             print the crypto library's errors\n"
    "  -h, --help                this text\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error.\n";

int cmd_pubkey(int argc, char **argv)
{
    cli_args args;
    cli_parse_result pr =
        cli_parse(argc, argv, OPT_OUTPUT | OPT_FORCE | OPT_PASSPHRASE, pubkey_help, &args);
    if (pr != CLI_RUN) {
        return pr == CLI_DONE_OK ? 0 : 2;
    }
    if (args.npos != 1) {
        return cli_usage("pubkey", "expected one KEY file");
    }
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    uint8_t *pem = NULL;
    size_t pem_len = 0;
    if (key_file_load(args.pos[0], &args.keys, &key, &err) == 0 &&
        crypto_key_public_pem(key, &pem, &pem_len, &err) == 0) {
        key_file_write(args.output ? args.output : "-", pem, pem_len, false, args.force, &err);
    }
    free(pem);
    crypto_key_free(key);
    return cli_report(&err, args.verbose);
}
