/* encrypt IN KEY OUT: one image for one device. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/fileio.h"
#include "engine/image.h"

static const char encrypt_help[] =
    "Usage: esp_enc_img encrypt IN KEY OUT [--passphrase-file FILE]\n"
    "\n"
    "Encrypt the firmware IN for the device that holds KEY, into the esp_encrypted_img format.\n"
    "The scheme follows the key: RSA-3072 (key wrap) or P-256 (ECIES). KEY is the device's\n"
    "public key PEM; a private key or a 32-byte HMAC key works too (its public half is used).\n"
    "IN and OUT may be '-' for stdin and stdout. OUT appears only when the image is complete:\n"
    "a failure leaves no partial file and an existing OUT untouched. Inputs over 4 GiB - 1\n"
    "are refused.\n"
    "\n"
    "Options:\n"
    "  -p, --passphrase-file F   passphrase of an encrypted PEM key (first line of F);\n"
    "                            otherwise $ESP_ENC_IMG_PASSPHRASE is used\n"
    "  -v, --verbose             print the crypto library's errors\n"
    "  -h, --help                this text\n"
    "\n"
    "Exit status: 0 written, 2 usage error, 3 file, key or system error.\n";

static int encrypt_stream(input_file *in, output_file *out, const eei_key *key, eei_error *err)
{
    eei_encryptor enc;
    uint8_t header[EEI_HEADER_SIZE] = {0};
    uint8_t *buf = malloc(EEI_IO_CHUNK);
    int rc =
        buf ? eei_encrypt_start(&enc, key, err) : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    if (rc != 0) {
        free(buf);
        return -1;
    }
    /* the header's length and tag are known only at the end: reserve its place */
    rc = output_write(out, header, sizeof(header), err);
    for (size_t got = 1; rc == 0 && got > 0;) {
        rc = input_read(in, buf, EEI_IO_CHUNK, &got, err);
        if (rc == 0 && got > 0) {
            rc = eei_encrypt_update(&enc, buf, buf, got, err);
        }
        if (rc == 0 && got > 0) {
            rc = output_write(out, buf, got, err);
        }
    }
    if (rc == 0) {
        rc = eei_encrypt_finish(&enc, header, err);
    }
    if (rc == 0) {
        rc = output_pwrite(out, header, sizeof(header), 0, err);
    }
    eei_encrypt_end(&enc);
    free(buf);
    return rc;
}

int cmd_encrypt(int argc, char **argv)
{
    cli_args args;
    cli_parse_result pr = cli_parse(argc, argv, OPT_PASSPHRASE, encrypt_help, &args);
    if (pr != CLI_RUN) {
        return pr == CLI_DONE_OK ? 0 : 2;
    }
    if (args.npos != 3) {
        return cli_usage("encrypt", "expected IN KEY OUT");
    }
    const char *in_path = args.pos[0], *key_path = args.pos[1], *out_path = args.pos[2];
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = true};

    if (key_file_load(key_path, &args.keys, &key, &err) == 0 &&
        input_open(&in, in_path, &err) == 0) {
        if (in.regular && in.size > EEI_MAX_PAYLOAD) {
            eei_fail(&err, EEI_ERR_FILE,
                     "%s: %llu bytes; the format's 32-bit length field allows at most 4294967295 "
                     "(4 GiB - 1)",
                     in.name, (unsigned long long)in.size);
        } else if (output_open(&out, out_path, &oo, &err) == 0) {
            if (encrypt_stream(&in, &out, key, &err) == 0) {
                output_commit(&out, &err);
            } else {
                output_abort(&out);
            }
        }
    }
    input_close(&in);
    crypto_key_free(key);
    return cli_report(&err, args.verbose);
}
