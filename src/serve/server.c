#include "serve/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "serve/http.h"

#define BODY_CHUNK (64u * 1024u)

typedef struct {
    const server_config *cfg;
    SSL_CTX *tls;
    atomic_int active;
} server;

typedef struct {
    server *srv;
    int fd;
    char peer[64];
} connection;

static void log_request(const connection *c, const http_request *req, int status, uint64_t sent,
                        const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms =
        (long)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
    /* one fprintf: stdio keeps each line whole across threads */
    fprintf(c->srv->cfg->log, "%s \"%s %s\" %d %llu %ldms\n", c->peer,
            req->method[0] ? req->method : "-", req->target[0] ? req->target : "-", status,
            (unsigned long long)sent, ms);
    fflush(c->srv->cfg->log);
}

static int tls_write_all(SSL *ssl, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        int n = SSL_write(ssl, p, len > INT_MAX ? INT_MAX : (int)len);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_head(SSL *ssl, int status, uint64_t length, const char *extra, bool keep_alive)
{
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nServer: esp_enc_img\r\nContent-Length: %llu\r\n"
                     "Connection: %s\r\n%s\r\n",
                     status, http_reason(status), (unsigned long long)length,
                     keep_alive ? "keep-alive" : "close", extra);
    return tls_write_all(ssl, head, (size_t)n);
}

static int send_error(SSL *ssl, int status, bool head_only, bool keep_alive)
{
    char body[64];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
    const char *extra = status == 405 ? "Allow: GET, HEAD\r\nContent-Type: text/plain\r\n"
                                      : "Content-Type: text/plain\r\n";
    if (send_head(ssl, status, (uint64_t)n, extra, keep_alive) != 0) {
        return -1;
    }
    return head_only ? 0 : tls_write_all(ssl, body, (size_t)n);
}

/* The file the request names, if it is a regular file inside the root (symlinks resolved). */
static int open_inside(const server_config *cfg, const char *rel, struct stat *st)
{
    char full[PATH_MAX], real[PATH_MAX];
    if (rel[0] == '\0' ||
        snprintf(full, sizeof(full), "%s/%s", cfg->root, rel) >= (int)sizeof(full) ||
        !realpath(full, real)) {
        return -1;
    }
    size_t root_len = strlen(cfg->root);
    if (strncmp(real, cfg->root, root_len) != 0 || real[root_len] != '/') {
        return -1; /* a symlink that leads out of the folder */
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0 && (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Answer one parsed request; returns the status sent, or -1 when the connection failed. */
static int answer(connection *c, SSL *ssl, http_request *req, uint64_t *sent)
{
    *sent = 0;
    if (req->status != 0) {
        req->keep_alive = req->keep_alive && req->status == 405;
        return send_error(ssl, req->status, req->head, req->keep_alive) == 0 ? req->status : -1;
    }
    struct stat st;
    int fd = open_inside(c->srv->cfg, req->path, &st);
    if (fd < 0) {
        return send_error(ssl, 404, req->head, req->keep_alive) == 0 ? 404 : -1;
    }
    uint64_t size = (uint64_t)st.st_size, first, last;
    int status = http_resolve_range(req, size, &first, &last);
    char extra[160];
    int rc;
    if (status == 416) {
        snprintf(extra, sizeof(extra), "Content-Range: bytes */%llu\r\n", (unsigned long long)size);
        rc = send_head(ssl, 416, 0, extra, req->keep_alive);
    } else {
        uint64_t length = size ? last - first + 1 : 0;
        int n = snprintf(extra, sizeof(extra),
                         "Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n");
        if (status == 206) {
            snprintf(extra + n, sizeof(extra) - (size_t)n,
                     "Content-Range: bytes %llu-%llu/%llu\r\n", (unsigned long long)first,
                     (unsigned long long)last, (unsigned long long)size);
        }
        rc = send_head(ssl, status, length, extra, req->keep_alive);
        static __thread uint8_t buf[BODY_CHUNK];
        for (uint64_t off = first; rc == 0 && !req->head && *sent < length;) {
            size_t want = length - *sent < BODY_CHUNK ? (size_t)(length - *sent) : BODY_CHUNK;
            ssize_t got = pread(fd, buf, want, (off_t)off);
            if (got <= 0) {
                rc = -1; /* the file shrank under us: cut the response short */
                break;
            }
            rc = tls_write_all(ssl, buf, (size_t)got);
            *sent += rc == 0 ? (uint64_t)got : 0;
            off += (uint64_t)got;
        }
    }
    close(fd);
    return rc == 0 ? status : -1;
}

static void *serve_connection(void *arg)
{
    connection *c = arg;
    SSL *ssl = SSL_new(c->srv->tls);
    char buf[HTTP_MAX_HEADER];
    size_t have = 0;
    if (ssl && SSL_set_fd(ssl, c->fd) == 1 && SSL_accept(ssl) == 1) {
        for (bool open = true; open;) {
            struct timespec start;
            clock_gettime(CLOCK_MONOTONIC, &start);
            size_t end = http_head_end(buf, have);
            while (end == 0 && have < sizeof(buf)) {
                int n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - have));
                if (n <= 0) {
                    break; /* closed, timed out (a stalled client) or broken */
                }
                have += (size_t)n;
                end = http_head_end(buf, have);
            }
            http_request req;
            if (end == 0) {
                if (have == sizeof(buf)) { /* a head that does not fit */
                    http_parse_request(buf, sizeof(buf) + 1, &req);
                    send_error(ssl, 431, false, false);
                    log_request(c, &req, 431, 0, &start);
                }
                break;
            }
            http_parse_request(buf, end, &req);
            uint64_t sent = 0;
            int status = answer(c, ssl, &req, &sent);
            log_request(c, &req, status < 0 ? 0 : status, sent, &start);
            memmove(buf, buf + end, have - end); /* a pipelined request may follow */
            have -= end;
            open = status > 0 && req.keep_alive;
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(c->fd);
    ERR_clear_error();
    atomic_fetch_sub(&c->srv->active, 1);
    free(c);
    return NULL;
}

static int listen_on(const server_config *cfg, eei_error *err)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    int gai = getaddrinfo(cfg->bind_addr, port, &hints, &ai);
    if (gai != 0) {
        return eei_fail(err, EEI_ERR_USAGE, "--bind %s: %s", cfg->bind_addr, gai_strerror(gai));
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(ai);
        return eei_fail(err, EEI_ERR_SYSTEM, "cannot listen on %s port %d: %s", cfg->bind_addr,
                        cfg->port, strerror(e));
    }
    freeaddrinfo(ai);
    return fd;
}

static SSL_CTX *tls_context(const server_config *cfg, eei_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        SSL_CTX_free(ctx);
        eei_fail(err, EEI_ERR_SYSTEM, "cannot set up TLS");
        return NULL;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
        SSL_CTX_free(ctx);
        eei_fail(err, EEI_ERR_KEY, "%s: not a PEM certificate", cfg->cert);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        eei_fail(err, EEI_ERR_KEY, "%s: not the private key of %s", cfg->key, cfg->cert);
        return NULL;
    }
    return ctx;
}

static void peer_name(const struct sockaddr_storage *sa, char *out, size_t cap)
{
    char host[48] = "?", port[8] = "?";
    getnameinfo((const struct sockaddr *)sa, sizeof(*sa), host, sizeof(host), port, sizeof(port),
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(out, cap, "%s:%s", host, port);
}

int server_run(const server_config *cfg, volatile sig_atomic_t *stop, eei_error *err)
{
    server srv = {.cfg = cfg};
    srv.tls = tls_context(cfg, err);
    if (!srv.tls) {
        return -1;
    }
    int lfd = listen_on(cfg, err);
    if (lfd < 0) {
        SSL_CTX_free(srv.tls);
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof(bound);
    char port[8] = "0";
    if (getsockname(lfd, (struct sockaddr *)&bound, &bl) == 0) {
        getnameinfo((struct sockaddr *)&bound, bl, NULL, 0, port, sizeof(port), NI_NUMERICSERV);
    }
    if (cfg->ready) {
        cfg->ready(cfg->ready_ctx, atoi(port));
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    while (!*stop) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0) {
            continue; /* a timeout, or a signal: look at stop again */
        }
        struct sockaddr_storage sa;
        socklen_t sl = sizeof(sa);
        int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        if (atomic_load(&srv.active) >= cfg->max_clients) {
            close(fd); /* over the limit: memory stays bounded */
            continue;
        }
        /* a stalled client is dropped after the timeout, in the handshake or later */
        struct timeval tv = {.tv_sec = cfg->timeout_s};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        connection *c = calloc(1, sizeof(*c));
        pthread_t t;
        if (!c) {
            close(fd);
            continue;
        }
        c->srv = &srv;
        c->fd = fd;
        peer_name(&sa, c->peer, sizeof(c->peer));
        atomic_fetch_add(&srv.active, 1);
        if (pthread_create(&t, &attr, serve_connection, c) != 0) {
            atomic_fetch_sub(&srv.active, 1);
            close(fd);
            free(c);
        }
    }
    close(lfd);
    /* let the transfers under way end, for at most one timeout */
    for (int i = 0; i < cfg->timeout_s * 20 && atomic_load(&srv.active) > 0; i++) {
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    pthread_attr_destroy(&attr);
    if (atomic_load(&srv.active) == 0) {
        SSL_CTX_free(srv.tls); /* threads still stuck in a write would use it */
    }
    return 0;
}
