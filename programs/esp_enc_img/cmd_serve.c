/* serve DIR: the encrypted images over HTTPS, for devices on the engineer's network. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "cli.h"
#include "os.h"
#include "server.h"

static const char help[] =
    "Usage: esp_enc_img serve DIR [--bind ADDR] [--port PORT]\n"
    "                         (--cert CERT.pem --key KEY.pem |\n"
    "                          --self-signed HOST [--cert-dir D] [--days N])\n"
    "                         [--timeout SECONDS] [--max-clients N] [--quiet]\n"
    "\n"
    "Serve the regular files of DIR over HTTPS (TLS 1.2 and 1.3): GET and HEAD, with\n"
    "'Range: bytes=' requests answered 206 (ESP-IDF's partial download uses them). Nothing\n"
    "outside DIR is reachable: no '..', no symlink leading out, no directory listings.\n"
    "One log line per request on stderr. Ends cleanly on SIGINT, SIGTERM or SIGHUP\n"
    "(Windows: Ctrl-C, Ctrl-Break); a second one ends it at once.\n"
    "\n"
    "Options:\n"
    "  --bind ADDR           address to listen on (default 127.0.0.1, this machine only;\n"
    "                        0.0.0.0 or the machine's address to reach devices)\n"
    "  --port PORT           default 8070; 0 takes any free port (the line it prints says which)\n"
    "  --cert CERT.pem       server certificate chain, with --key KEY.pem its private key\n"
    "  --self-signed HOST    make (once; reused afterwards) a key and a certificate whose CN and\n"
    "                        subjectAltName are HOST (an IP address or DNS name) in\n"
    "                        DIR/../server_certs, or in --cert-dir D; the certificate is what\n"
    "                        the firmware embeds\n"
    "  --days N              with --self-signed: how long a new certificate is valid (default\n"
    "                        825 days; an existing one is reused as it is, and its last day\n"
    "                        printed)\n"
    "  --timeout SECONDS     a request head must arrive whole within this, and a download\n"
    "                        is dropped once no byte of it moved for this long (default 10)\n"
    "  --max-clients N       connections served at once (default 64)\n"
    "  -q, --quiet           no request log, no warnings, no line when it stops: errors and\n"
    "                        the line that says where it serves only\n"
    "  -v, --verbose         with an error, the crypto library's own errors too\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 stopped by a signal; 2 usage error; 3 file, key or system error.\n";

/* Set by the first stop request (on Windows from the console's own thread). */
static atomic_int stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&stop_requested, 1);
}

static void announce(const void *ctx, int port)
{
    const cli_args *a = ctx;
    bool loopback = strcmp(a->bind, "127.0.0.1") == 0 || strcmp(a->bind, "::1") == 0;
    printf("serving %s on https://%s%s%s:%d/%s\n", a->pos[0], strchr(a->bind, ':') ? "[" : "",
           a->bind, strchr(a->bind, ':') ? "]" : "", port,
           loopback ? " (this machine only: --bind 0.0.0.0 to reach devices)" : "");
    fflush(stdout);
}

/*
 * The served folder must never hold the server's private key: where path leads once it is used
 * (links resolved as the system resolves them) is compared with the folder by whole components.
 */
static int refuse_key_inside(const char *root, const char *what, const char *path, eei_error *err)
{
    char where[OS_PATH_MAX];
    if (os_resolve(path, where, sizeof(where)) != 0) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: cannot be resolved (too long, a loop of links, or no current folder)",
                        path);
    }
    if (os_path_within(root, where)) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s %s is inside the served folder %s: the TLS private key would be "
                        "served; keep it elsewhere",
                        what, path, root);
    }
    return 0;
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage(args->cmd, "expected one DIR");
    }
    if (args->keys.n > 1) {
        return cli_usage(args->cmd, "one --key: the certificate's private key");
    }
    const char *key_given = args->keys.n ? args->keys.v[0] : NULL;
    if (!args->self_signed == !(args->cert || key_given) ||
        (!args->self_signed && !(args->cert && key_given))) {
        return cli_usage(args->cmd, "give --cert CERT.pem --key KEY.pem, or --self-signed HOST");
    }
    if (args->days && !args->self_signed) {
        return cli_usage(args->cmd, "--days goes with --self-signed");
    }
    if (args->cert_dir && !args->self_signed) {
        return cli_usage(args->cmd, "--cert-dir goes with --self-signed");
    }
    eei_error err = {EEI_OK, ""};
    char root[OS_PATH_MAX], cert[OS_PATH_MAX], key[OS_PATH_MAX], dir[OS_PATH_MAX + 16];
    const char *cert_path = args->cert, *key_path = key_given;
    os_info st;
    if (os_realpath(args->pos[0], root, sizeof(root)) != 0 || os_stat(root, &st) != 0 ||
        st.kind != OS_DIRECTORY) {
        eei_fail(&err, EEI_ERR_FILE, "%s: not a folder", args->pos[0]);
        return cli_report(&err, args->verbose);
    }
    if (args->self_signed) {
        bool reused;
        char parent[OS_PATH_MAX], until[11];
        os_dirname(root, parent, sizeof(parent));
        size_t n = strlen(parent);
        snprintf(dir, sizeof(dir), "%s%sserver_certs", parent,
                 n > 0 && os_is_separator(parent[n - 1]) ? "" : "/");
        const char *cert_dir = args->cert_dir ? args->cert_dir : dir;
        /* the folder before anything is made in it; then the key, which may be a link */
        if (refuse_key_inside(root, "the certificate folder", cert_dir, &err) != 0 ||
            cert_self_signed(args->self_signed, cert_dir,
                             args->days ? args->days : CERT_DAYS_DEFAULT, cert, key, &reused, until,
                             &err) != 0 ||
            refuse_key_inside(root, "the key", key, &err) != 0) {
            return cli_report(&err, args->verbose);
        }
        printf("%s certificate for %s, valid until %s: %s\n(embed it in the firmware as "
               "firmware/server_certs/ca_cert.pem)\n",
               reused ? "using the" : "made a", args->self_signed, until, cert);
        if (reused && args->days) {
            cli_warning(args, "--days applies to a new certificate; this one is kept as it is "
                              "(remove it to make another)");
        }
        cert_path = cert;
        key_path = key;
    } else if (refuse_key_inside(root, "the key", key_path, &err) != 0) {
        return cli_report(&err, args->verbose);
    }
    os_on_interrupt(on_stop); /* the certificate is written: a stop request now ends the serving */
    server_config cfg = {
        .root = root,
        .bind_addr = args->bind,
        .port = (int)args->port,
        .cert = cert_path,
        .key = key_path,
        .timeout_s = (int)args->timeout,
        .max_clients = (int)args->max_clients,
        .log = args->quiet ? NULL : stderr,
        .ready = announce,
        .ready_ctx = args,
    };
    if (server_run(&cfg, &stop_requested, &err) == 0 && !args->quiet) {
        fprintf(stderr, "%s: serve: stopped\n", EEI_PROG);
    }
    return cli_report(&err, args->verbose);
}

const cli_command cmd_serve = {"serve", help, OPT_SERVE | OPT_KEY | OPT_QUIET, run};
