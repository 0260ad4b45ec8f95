/* serve DIR: the encrypted images over HTTPS, for devices on the engineer's network. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/server_cert.h"
#include "serve/server.h"

static const char serve_help[] =
    "Usage: esp_enc_img serve DIR [--bind ADDR] [--port PORT]\n"
    "                         (--cert CERT.pem --key KEY.pem | --self-signed HOST [--cert-dir D])\n"
    "                         [--timeout SECONDS] [--max-clients N]\n"
    "\n"
    "Serve the regular files of DIR over HTTPS (TLS 1.2 and 1.3): GET and HEAD, with\n"
    "'Range: bytes=' requests answered 206 (ESP-IDF's partial download uses them). Nothing\n"
    "outside DIR is reachable: no '..', no symlink leading out, no directory listings.\n"
    "One log line per request on stderr. Ends cleanly on SIGINT or SIGTERM.\n"
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
    "  --timeout SECONDS     drop a client silent this long (default 10)\n"
    "  --max-clients N       connections served at once (default 64)\n"
    "  -v, --verbose         print the crypto library's errors\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 stopped by a signal; 2 usage error; 3 file, key or system error.\n";

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct {
    const char *dir, *bind, *cert, *key, *self_signed, *cert_dir;
    int port, timeout, max_clients;
    bool verbose;
} serve_args;

static void announce(void *ctx, int port)
{
    const serve_args *a = ctx;
    bool loopback = strcmp(a->bind, "127.0.0.1") == 0 || strcmp(a->bind, "::1") == 0;
    printf("serving %s on https://%s%s%s:%d/%s\n", a->dir, strchr(a->bind, ':') ? "[" : "", a->bind,
           strchr(a->bind, ':') ? "]" : "", port,
           loopback ? " (this machine only: --bind 0.0.0.0 to reach devices)" : "");
    fflush(stdout);
}

static int number(const char *text, int min, int max, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || end == text || v < min || v > max) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse(int argc, char **argv, serve_args *a)
{
    enum { BIND = 1000, PORT, CERT, KEY, SELF, CERT_DIR, TIMEOUT, MAX };
    static const struct option opts[] = {
        {"bind", required_argument, NULL, BIND},
        {"port", required_argument, NULL, PORT},
        {"cert", required_argument, NULL, CERT},
        {"key", required_argument, NULL, KEY},
        {"self-signed", required_argument, NULL, SELF},
        {"cert-dir", required_argument, NULL, CERT_DIR},
        {"timeout", required_argument, NULL, TIMEOUT},
        {"max-clients", required_argument, NULL, MAX},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *a = (serve_args){.bind = "127.0.0.1", .port = 8070, .timeout = 10, .max_clients = 64};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1;) {
        int bad = 0;
        switch (c) {
        case BIND:
            a->bind = optarg;
            break;
        case PORT:
            bad = number(optarg, 0, 65535, &a->port);
            break;
        case CERT:
            a->cert = optarg;
            break;
        case KEY:
            a->key = optarg;
            break;
        case SELF:
            a->self_signed = optarg;
            break;
        case CERT_DIR:
            a->cert_dir = optarg;
            break;
        case TIMEOUT:
            bad = number(optarg, 1, 3600, &a->timeout);
            break;
        case MAX:
            bad = number(optarg, 1, 4096, &a->max_clients);
            break;
        case 'v':
            a->verbose = true;
            break;
        case 'h':
            fputs(serve_help, stdout);
            return 0;
        case ':':
            return cli_usage("serve", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage("serve", "unknown option '%s'", argv[optind - 1]);
        }
        if (bad) {
            return cli_usage("serve", "'%s %s': not a number in range", argv[optind - 2], optarg);
        }
    }
    if (argc - optind != 1) {
        return cli_usage("serve", "expected one DIR");
    }
    a->dir = argv[optind];
    if (!a->self_signed == !(a->cert || a->key) || (!a->self_signed && !(a->cert && a->key))) {
        return cli_usage("serve", "give --cert CERT.pem --key KEY.pem, or --self-signed HOST");
    }
    if (a->cert_dir && !a->self_signed) {
        return cli_usage("serve", "--cert-dir goes with --self-signed");
    }
    return -1;
}

/*
 * The absolute, symlink-free path that path has or will have once created: the part that exists
 * resolved by realpath, the rest (never a symlink: it does not exist yet) appended. Lexical
 * '.' and '..' are settled first, so what is created later follows the same path.
 */
static int future_path(const char *path, char out[PATH_MAX])
{
    char abs[PATH_MAX], norm[PATH_MAX] = "";
    if (path[0] == '/') {
        snprintf(abs, sizeof(abs), "%s", path);
    } else if (!getcwd(abs, sizeof(abs)) || strlen(abs) + strlen(path) + 2 > sizeof(abs)) {
        return -1;
    } else {
        strcat(strcat(abs, "/"), path);
    }
    char *save = NULL;
    for (char *part = strtok_r(abs, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, "..") == 0) {
            char *slash = strrchr(norm, '/');
            *(slash ? slash : norm) = '\0';
        } else if (strcmp(part, ".") != 0 && strlen(norm) + strlen(part) + 2 < sizeof(norm)) {
            strcat(strcat(norm, "/"), part);
        }
    }
    char probe[PATH_MAX];
    snprintf(probe, sizeof(probe), "%s", norm[0] ? norm : "/");
    size_t cut = strlen(probe);
    while (!realpath(probe, out)) { /* drop components until what is left exists */
        char *slash = strrchr(probe, '/');
        if (!slash || slash == probe) {
            snprintf(out, PATH_MAX, "/");
            cut = 0;
            break;
        }
        *slash = '\0';
        cut = strlen(probe);
    }
    const char *rest = norm + cut; /* "" or "/missing/parts" */
    if (strcmp(out, "/") == 0 && rest[0] == '/') {
        rest++;
    }
    if (strlen(out) + strlen(rest) + 1 > PATH_MAX) {
        return -1;
    }
    strcat(out, rest);
    return 0;
}

/* The served folder must never hold the server's private key. */
static int refuse_key_inside(const char *root, const char *what, const char *path, eei_error *err)
{
    char where[PATH_MAX];
    if (future_path(path, where) != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
    }
    size_t n = strlen(root);
    if (strncmp(where, root, n) == 0 && (where[n] == '/' || where[n] == '\0')) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s %s is inside the served folder %s: the TLS private key would be "
                        "served; keep it elsewhere",
                        what, path, root);
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    serve_args a;
    int rc = parse(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }
    eei_error err = {EEI_OK, ""};
    char root[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], dir[PATH_MAX + 16];
    struct stat st;
    if (!realpath(a.dir, root) || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        eei_fail(&err, EEI_ERR_FILE, "%s: not a folder", a.dir);
        return cli_report(&err, a.verbose);
    }
    if (a.self_signed) {
        bool reused;
        char parent[PATH_MAX];
        snprintf(parent, sizeof(parent), "%s", root);
        snprintf(dir, sizeof(dir), "%s/server_certs", dirname(parent));
        const char *cert_dir = a.cert_dir ? a.cert_dir : dir;
        if (refuse_key_inside(root, "the certificate folder", cert_dir, &err) != 0 ||
            cert_self_signed(a.self_signed, cert_dir, cert, key, &reused, &err) != 0) {
            return cli_report(&err, a.verbose);
        }
        printf("%s certificate for %s: %s\n(embed it in the firmware as "
               "firmware/server_certs/ca_cert.pem)\n",
               reused ? "using the" : "made a", a.self_signed, cert);
        a.cert = cert;
        a.key = key;
    } else if (refuse_key_inside(root, "the key", a.key, &err) != 0) {
        return cli_report(&err, a.verbose);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop; /* no SA_RESTART: a blocked poll returns at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    server_config cfg = {
        .root = root,
        .bind_addr = a.bind,
        .port = a.port,
        .cert = a.cert,
        .key = a.key,
        .timeout_s = a.timeout,
        .max_clients = a.max_clients,
        .log = stderr,
        .ready = announce,
        .ready_ctx = &a,
    };
    if (server_run(&cfg, &stop_requested, &err) == 0) {
        fprintf(stderr, "%s: serve: stopped\n", EEI_PROG);
    }
    return cli_report(&err, a.verbose);
}
