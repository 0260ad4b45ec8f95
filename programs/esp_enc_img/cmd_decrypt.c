/* decrypt IN KEY OUT: authenticated decryption; OUT appears only for an authentic image. */
#include <string.h>
#include <sys/stat.h>

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

/* A regular file (never opened otherwise: a FIFO would block) with a whole image header. */
static bool looks_like_image(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)EEI_HEADER_SIZE) {
        return false;
    }
    input_file f = {.fd = -1};
    eei_error quiet = {EEI_OK, ""};
    eei_inspection ins;
    bool yes = input_open(&f, path, &quiet) == 0 && f.regular &&
               inspect_input(&f, NULL, 0, &ins, &quiet) == 0 && ins.header_read &&
               ins.verdict != EEI_FMT_BAD_MAGIC;
    input_close(&f);
    return yes;
}

/*
 * A file's header and size are judged before any output exists. No image at IN but one at OUT
 * (which would be replaced): IN and OUT were swapped.
 */
static int judge_input(input_file *in, const char *out_path, eei_error *err)
{
    eei_inspection ins;
    if (!in->regular) {
        return 0;
    }
    if (inspect_input(in, NULL, 0, &ins, err) != 0) {
        return -1;
    }
    if (inspect_reject_keyed(&ins, in->name, err) == 0) {
        return 0;
    }
    if (ins.verdict == EEI_FMT_BAD_MAGIC && looks_like_image(out_path)) {
        return eei_fail(err, EEI_ERR_USAGE,
                        "%s is not an encrypted image, but OUT %s is: the order is 'decrypt IN "
                        "KEY OUT' (OUT is replaced)",
                        in->name, out_path);
    }
    return -1;
}

static int run(const cli_args *args)
{
    if (args->npos != 3) {
        return cli_usage(args->cmd, "expected IN KEY OUT");
    }
    const char *in_path = args->pos[0], *out_path = args->pos[2];
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    input_file in = {.fd = -1};
    output_file out;
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = false};
    if (cli_load_key_arg(args, 1, "IN KEY OUT", &key, &err) == 0 &&
        input_open(&in, in_path, &err) == 0 && judge_input(&in, out_path, &err) == 0 &&
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
