#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"

/* Long options without a short letter. */
enum { OPT_LONG_JSON = 1000, OPT_LONG_FORMAT, OPT_LONG_NAME, OPT_LONG_NO_HASH };

cli_parse_result cli_parse(int argc, char **argv, unsigned allowed, const char *help,
                           cli_args *args)
{
    static const struct option all[] = {
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"force", no_argument, NULL, 'f'},
        {"out-dir", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"passphrase-file", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, OPT_LONG_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"jobs", required_argument, NULL, 'j'},
        {"format", required_argument, NULL, OPT_LONG_FORMAT},
        {"name", required_argument, NULL, OPT_LONG_NAME},
        {"no-hash", no_argument, NULL, OPT_LONG_NO_HASH},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = argv[0];
    memset(args, 0, sizeof(*args));
    optind = 1;
    opterr = 0;
    for (;;) {
        int longidx = 0;
        int c = getopt_long(argc, argv, ":hvfd:o:p:qj:", all, &longidx);
        if (c == -1) {
            break;
        }
        unsigned needs = 0; /* the OPT_ bit a command must allow for this option */
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return CLI_DONE_OK;
        case 'v':
            args->verbose = true;
            break;
        case 'f':
            args->force = true;
            needs = OPT_FORCE;
            break;
        case 'd':
            args->out_dir = optarg;
            needs = OPT_OUT_DIR;
            break;
        case 'o':
            args->output = optarg;
            needs = OPT_OUTPUT;
            break;
        case 'p':
            args->keys.passphrase_file = optarg;
            needs = OPT_PASSPHRASE;
            break;
        case OPT_LONG_JSON:
            args->json = true;
            needs = OPT_JSON;
            break;
        case 'q':
            args->quiet = true;
            needs = OPT_QUIET;
            break;
        case 'j':
            args->jobs = optarg;
            needs = OPT_JOBS;
            break;
        case OPT_LONG_FORMAT:
            args->format = optarg;
            needs = OPT_FORMAT;
            break;
        case OPT_LONG_NO_HASH:
            args->no_hash = true;
            needs = OPT_NO_HASH;
            break;
        case OPT_LONG_NAME:
            args->name = optarg;
            needs = OPT_NAME;
            break;
        case ':':
            cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
            return CLI_DONE_USAGE;
        default:
            cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
            return CLI_DONE_USAGE;
        }
        if (needs && !(allowed & needs)) {
            /* the option by its long name: argv[optind - 1] may be its value ("-p FILE") */
            const char *name = argv[optind - 1];
            for (const struct option *o = all; o->name; o++) {
                name = o->val == c ? o->name : name;
            }
            cli_usage(cmd, "option '--%s' does not apply to this command", name);
            return CLI_DONE_USAGE;
        }
    }
    args->npos = argc - optind;
    args->pos = argv + optind;
    return CLI_RUN;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: %s: ", EEI_PROG, cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s %s --help'.\n", EEI_PROG, cmd);
    return 2;
}

int cli_report(const eei_error *err, bool verbose)
{
    if (err->status != EEI_OK) {
        fprintf(stderr, "%s: %s\n", EEI_PROG, err->msg);
    }
    crypto_report_library_errors(verbose);
    return eei_exit_code(err->status);
}
