/* decrypt IN KEY OUT: authenticated decryption; OUT appears only for an authentic image. */
#include "cli.h"
#include "file_stream.h"
#include "inspection.h"

static const char help[] =
    "Usage: esp_enc_img decrypt IN KEY OUT [--quiet] [--passphrase-file FILE]\n"
    "\n"
    "Decrypt and authenticate the encrypted image IN with the device's KEY: an RSA-3072 private\n"
    "key PEM, a P-256 private key PEM, or the 32-byte eFuse HMAC key. IN and OUT may be '-'.\n"
    "OUT appears only when the whole image is authenticated; nothing is left otherwise.\n"
    "With OUT '-' the plaintext is streamed to stdout before the tag at the end is checked:\n"
    "then the exit status is the verdict, and output of a non-zero run must be discarded.\n"
    "\n"
    "Options:\n" CLI_HELP_QUIET CLI_HELP_PASSPHRASE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 authentic and written; 1 image rejected (bad magic, wrong length, wrong\n"
    "key, failed tag, invalid point); 2 usage error; 3 file, key or system error.\n";

static int run(const cli_args *args)
{
    if (args->npos != 3) {
        return cli_usage(args->cmd, "expected IN KEY OUT");
    }
    const char *in_path = args->pos[0], *key_path = args->pos[1], *out_path = args->pos[2];
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = false};
    eei_inspection ins;
    if (cli_load_key(key_path, args, &key, &err) == 0 && input_open(&in, in_path, &err) == 0 &&
        /* a file's header and size are judged before any output exists */
        (!in.regular || (inspect_input(&in, NULL, 0, &ins, &err) == 0 &&
                         inspect_reject_keyed(&ins, in.name, &err) == 0)) &&
        output_open(&out, out_path, &oo, &err) == 0) {
        progress p;
        progress_begin(&p, "decrypt", in.size, false, args->quiet);
        file_stream fs;
        file_stream_init(&fs, &in, NULL, 0, &out, &p);
        eei_status st = eei_decrypt_stream(key, &fs.io, 0, NULL, &err);
        progress_end(&p);
        if (st == EEI_OK) {
            output_commit(&out, &err);
        } else {
            if (st == EEI_ERR_REJECTED) {
                eei_error_prefix(&err, in.name);
            }
            output_abort(&out);
        }
    }
    input_close(&in);
    eei_key_free(key);
    return cli_report(&err, args->verbose);
}

const cli_command cmd_decrypt = {"decrypt", help, OPT_PASSPHRASE | OPT_QUIET, run};
