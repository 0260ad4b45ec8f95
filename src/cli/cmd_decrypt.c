/* decrypt IN KEY OUT: authenticated decryption; OUT appears only for an authentic image. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/fileio.h"
#include "engine/image.h"

static const char decrypt_help[] =
    "Usage: esp_enc_img decrypt IN KEY OUT [--passphrase-file FILE]\n"
    "\n"
    "Decrypt and authenticate the encrypted image IN with the device's KEY: an RSA-3072 private\n"
    "key PEM, a P-256 private key PEM, or the 32-byte eFuse HMAC key. IN and OUT may be '-'.\n"
    "OUT appears only when the whole image is authenticated; nothing is left otherwise.\n"
    "With OUT '-' the plaintext is streamed to stdout before the tag at the end is checked:\n"
    "then the exit status is the verdict, and output of a non-zero run must be discarded.\n"
    "\n"
    "Options:\n"
    "  -p, --passphrase-file F   passphrase of an encrypted PEM key (first line of F);\n"
    "                            otherwise $ESP_ENC_IMG_PASSPHRASE is used\n"
    "  -v, --verbose             print the crypto library's errors\n"
    "  -h, --help                this text\n"
    "\n"
    "Exit status: 0 authentic and written; 1 image rejected (bad magic, wrong length, wrong\n"
    "key, failed tag, invalid point); 2 usage error; 3 file, key or system error.\n";

/* For a regular file, reject a header/size mismatch before any output exists. */
static int precheck(input_file *in, eei_error *err)
{
    uint8_t buf[EEI_HEADER_SIZE];
    eei_header h;
    size_t got = 0;
    if (!in->regular) {
        return 0;
    }
    if (input_pread(in, buf, sizeof(buf), 0, &got, err) != 0) {
        return -1;
    }
    eei_format_err fe = eei_header_decode(buf, got, &h);
    if (fe == EEI_FMT_OK) {
        fe = eei_header_check_size(&h, in->size);
    }
    if (fe != EEI_FMT_OK) {
        return eei_fail(err, EEI_ERR_REJECTED, "%s: %s", in->name, eei_format_strerror(fe));
    }
    return 0;
}

static int decrypt_stream(input_file *in, output_file *out, const eei_key *key, eei_error *err)
{
    eei_decryptor dec;
    uint8_t *buf = malloc(EEI_IO_CHUNK);
    int rc =
        buf ? eei_decrypt_start(&dec, key, err) : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    for (size_t got = 1; rc == 0 && got > 0;) {
        size_t plain = 0;
        rc = input_read(in, buf, EEI_IO_CHUNK, &got, err);
        if (rc == 0 && got > 0) {
            rc = eei_decrypt_update(&dec, buf, got, buf, &plain, err);
        }
        if (rc == 0 && plain > 0) {
            rc = output_write(out, buf, plain, err);
        }
    }
    if (rc == 0) {
        rc = eei_decrypt_finish(&dec, err);
    }
    if (rc != 0 && err->status == EEI_ERR_REJECTED) {
        eei_error_prefix(err, in->name);
    }
    if (buf) {
        eei_decrypt_end(&dec);
    }
    free(buf);
    return rc;
}

int cmd_decrypt(int argc, char **argv)
{
    cli_args args;
    cli_parse_result pr = cli_parse(argc, argv, OPT_PASSPHRASE, decrypt_help, &args);
    if (pr != CLI_RUN) {
        return pr == CLI_DONE_OK ? 0 : 2;
    }
    if (args.npos != 3) {
        return cli_usage("decrypt", "expected IN KEY OUT");
    }
    const char *in_path = args.pos[0], *key_path = args.pos[1], *out_path = args.pos[2];
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = false};

    if (key_file_load(key_path, &args.keys, &key, &err) == 0 &&
        input_open(&in, in_path, &err) == 0 && precheck(&in, &err) == 0 &&
        output_open(&out, out_path, &oo, &err) == 0) {
        if (decrypt_stream(&in, &out, key, &err) == 0) {
            output_commit(&out, &err);
        } else {
            output_abort(&out);
        }
    }
    input_close(&in);
    crypto_key_free(key);
    return cli_report(&err, args.verbose);
}
