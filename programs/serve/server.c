#include "server.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http.h"
#include "net.h"
#include "os.h"

#define BODY_CHUNK (64u * 1024u)
#define PROGRESS_CHECK_MS 250 /* how often a blocked write looks whether the peer took bytes */
/*
 * The longest a thread waits on its socket without looking again: a socket shut down by another
 * thread wakes a wait at once on POSIX, but on Windows only at the wait's next call.
 */
#define WAIT_SLICE_MS 100

/* A connection's place: free, waiting for a request head (TLS handshake included), sending. */
enum { SLOT_FREE, SLOT_HEAD, SLOT_BODY, SLOT_DONE };

typedef struct server server;

typedef struct {
    server *srv;
    pthread_t thread;
    net_socket fd;
    atomic_int state;
    atomic_llong since_ms; /* when it began to wait for its request head (monotonic) */
    char peer[64];
} slot;

struct server {
    const server_config *cfg;
    SSL_CTX *tls;
    int root_fd; /* the served folder, opened once: every path is resolved beneath it */
    slot *slots; /* cfg->max_clients */
};

/* Times are milliseconds of a monotonic clock. */
static long long monotonic_ms(void)
{
    return (long long)(os_now() * 1000);
}

/* One timeout from now. */
static long long timeout_from_now(const server_config *cfg)
{
    return monotonic_ms() + (long long)cfg->timeout_s * 1000;
}

static int ms_until(long long deadline)
{
    long long ms = deadline - monotonic_ms();
    return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* What OpenSSL waits for after a call that did not complete (ret: its result); 0: it failed. */
static int tls_wants(SSL *ssl, int ret)
{
    int e = SSL_get_error(ssl, ret);
    return e == SSL_ERROR_WANT_READ ? NET_READ : e == SSL_ERROR_WANT_WRITE ? NET_WRITE : 0;
}

/*
 * The socket is non-blocking: wait for what OpenSSL asked for (ret is the failed call's result),
 * for a slice of the time left before the deadline. True: call again. False when the connection
 * failed or the deadline passed.
 */
static bool tls_wait(const slot *c, SSL *ssl, int ret, long long deadline)
{
    int events = tls_wants(ssl, ret);
    int ms = ms_until(deadline);
    if (!events || ms == 0) {
        return false;
    }
    return net_wait(c->fd, events, ms < WAIT_SLICE_MS ? ms : WAIT_SLICE_MS) >= 0;
}

/* Control bytes, quotes and non-ASCII of what a client sent, as \xNN: nothing reaches a terminal.
 */
static void log_escape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 5 < cap; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SSZ": the time now, in UTC. */
static void utc_now(char when[32])
{
    time_t t = time(NULL);
    struct tm tm;
#ifdef _WIN32
    gmtime_s(&tm, &t);
#else
    gmtime_r(&t, &tm);
#endif
    strftime(when, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* status is the one answered; cut says the connection failed before all of it was sent. */
static void log_request(const slot *c, const http_request *req, int status, bool cut, uint64_t sent,
                        long long start)
{
    if (!c->srv->cfg->log) {
        return;
    }
    long ms = (long)(monotonic_ms() - start);
    char when[32], method[4 * sizeof(req->method)], target[4 * sizeof(req->target)];
    utc_now(when);
    log_escape(req->method[0] ? req->method : "-", method, sizeof(method));
    log_escape(req->target[0] ? req->target : "-", target, sizeof(target));
    /* one fprintf: stdio keeps each line whole across threads */
    fprintf(c->srv->cfg->log, "%s %s \"%s %s\" %d %llu %ldms%s\n", when, c->peer, method, target,
            status, (unsigned long long)sent, ms, cut ? " (cut short)" : "");
    fflush(c->srv->cfg->log);
}

/*
 * Send it all. A client is dropped only when no byte moved for the timeout: none taken by the
 * socket (partial writes count their bytes: each SSL_write that returns sent a record) and none
 * of those it holds acknowledged by the peer. A full socket is reported writable only once much
 * of its buffer (megabytes on a fast link) drained, which takes a slow reader longer than the
 * timeout, so a waiting write tries again every PROGRESS_CHECK_MS, and on Linux looks at the
 * socket's queue too (SIOCOUTQ), which moves at every acknowledgement. Elsewhere (macOS, the BSDs,
 * Windows) the system does not say: progress is the bytes each try got the socket to take, a
 * record at a time, so a reader must take a record's worth (16 KiB) within the timeout.
 */
static int tls_write_all(const slot *c, SSL *ssl, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    long long idle_ms = (long long)c->srv->cfg->timeout_s * 1000, moved = monotonic_ms();
    long queued = net_unacknowledged(c->fd);
    while (len > 0) {
        int n = SSL_write(ssl, p, len > INT_MAX ? INT_MAX : (int)len);
        long now_queued = net_unacknowledged(c->fd); /* more: the socket took; less: the peer */
        long long now = monotonic_ms();
        if (n > 0 || now_queued != queued) {
            moved = now;
            queued = now_queued;
        }
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        int events = tls_wants(ssl, n);
        long long left = moved + idle_ms - now;
        if (!events || left <= 0) {
            return -1; /* the connection failed, or nothing moved for the timeout */
        }
        int wait_ms = (int)(left < PROGRESS_CHECK_MS ? left : PROGRESS_CHECK_MS);
        if (net_wait(c->fd, events, wait_ms) < 0) {
            return -1;
        }
    }
    return 0;
}

static int send_head(const slot *c, SSL *ssl, int status, uint64_t length, const char *extra,
                     bool keep_alive)
{
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nServer: esp_enc_img\r\nContent-Length: %llu\r\n"
                     "Connection: %s\r\n%s\r\n",
                     status, http_reason(status), (unsigned long long)length,
                     keep_alive ? "keep-alive" : "close", extra);
    return tls_write_all(c, ssl, head, (size_t)n);
}

static int send_error(const slot *c, SSL *ssl, int status, bool head_only, bool keep_alive)
{
    char body[64];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
    const char *extra = status == 405 ? "Allow: GET, HEAD\r\nContent-Type: text/plain\r\n"
                                      : "Content-Type: text/plain\r\n";
    if (send_head(c, ssl, status, (uint64_t)n, extra, keep_alive) != 0) {
        return -1;
    }
    return head_only ? 0 : tls_write_all(c, ssl, body, (size_t)n);
}

/* Answer one parsed request: the status answered; *cut when the connection failed. */
static int answer(slot *c, SSL *ssl, http_request *req, uint64_t *sent, bool *cut)
{
    *sent = 0;
    if (req->status != 0) {
        req->keep_alive = req->keep_alive && req->status == 405;
        *cut = send_error(c, ssl, req->status, req->head, req->keep_alive) != 0;
        return req->status;
    }
    /* the regular file the path names beneath the folder, no link followed on the way */
    os_info st;
    int fd = req->path[0] ? os_open_beneath(c->srv->root_fd, req->path) : -1;
    if (fd >= 0 && os_fstat(fd, &st) != 0) {
        os_close(fd);
        fd = -1;
    }
    if (fd < 0) {
        *cut = send_error(c, ssl, 404, req->head, req->keep_alive) != 0;
        return 404;
    }
    uint64_t size = st.size, first, last;
    int status = http_resolve_range(req, size, &first, &last);
    char extra[160];
    int rc;
    if (status == 416) {
        snprintf(extra, sizeof(extra), "Content-Range: bytes */%llu\r\n", (unsigned long long)size);
        rc = send_head(c, ssl, 416, 0, extra, req->keep_alive);
    } else {
        uint64_t length = size ? last - first + 1 : 0;
        int n = snprintf(extra, sizeof(extra),
                         "Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n");
        if (status == 206) {
            snprintf(extra + n, sizeof(extra) - (size_t)n,
                     "Content-Range: bytes %llu-%llu/%llu\r\n", (unsigned long long)first,
                     (unsigned long long)last, (unsigned long long)size);
        }
        rc = send_head(c, ssl, status, length, extra, req->keep_alive);
        static __thread uint8_t buf[BODY_CHUNK];
        for (uint64_t off = first; rc == 0 && !req->head && *sent < length;) {
            size_t want = length - *sent < BODY_CHUNK ? (size_t)(length - *sent) : BODY_CHUNK;
            os_ssize got = os_pread(fd, buf, want, off);
            if (got <= 0) {
                rc = -1; /* the file shrank under us: cut the response short */
                break;
            }
            rc = tls_write_all(c, ssl, buf, (size_t)got);
            *sent += rc == 0 ? (uint64_t)got : 0;
            off += (uint64_t)got;
        }
    }
    os_close(fd);
    *cut = rc != 0;
    return status;
}

/*
 * Read a request head into buf (have bytes there already) before the deadline: the whole head,
 * the TLS handshake included for the first one, must arrive within the timeout, whatever the
 * pace of its bytes. Returns where it ends, or 0.
 */
static size_t read_head(slot *c, SSL *ssl, char *buf, size_t *have, long long deadline)
{
    size_t end = http_head_end(buf, *have);
    while (end == 0 && *have < HTTP_MAX_HEADER) {
        int n = SSL_read(ssl, buf + *have, (int)(HTTP_MAX_HEADER - *have));
        if (n > 0) {
            *have += (size_t)n;
            end = http_head_end(buf, *have);
        } else if (!tls_wait(c, ssl, n, deadline)) {
            break; /* closed, broken, or too slow */
        }
    }
    return end;
}

static void *serve_connection(void *arg)
{
    slot *c = arg;
    SSL *ssl = SSL_new(c->srv->tls);
    char buf[HTTP_MAX_HEADER];
    size_t have = 0;
    long long deadline = timeout_from_now(c->srv->cfg);
    int r = 0;
    bool ready = ssl && SSL_set_fd(ssl, (int)c->fd) == 1; /* OpenSSL takes a SOCKET as an int */
    while (ready && (r = SSL_accept(ssl)) != 1) {
        ready = tls_wait(c, ssl, r, deadline);
    }
    for (bool open = ready; open;) {
        long long start = monotonic_ms();
        size_t end = read_head(c, ssl, buf, &have, deadline);
        http_request req;
        if (end == 0) {
            if (have == sizeof(buf)) { /* a head that does not fit */
                http_parse_request(buf, sizeof(buf) + 1, &req);
                send_error(c, ssl, 431, false, false);
                log_request(c, &req, 431, false, 0, start);
            }
            break;
        }
        atomic_store(&c->state, SLOT_BODY);
        http_parse_request(buf, end, &req);
        uint64_t sent = 0;
        bool cut = false;
        int status = answer(c, ssl, &req, &sent, &cut);
        log_request(c, &req, status, cut, sent, start);
        memmove(buf, buf + end, have - end); /* a pipelined request may follow */
        have -= end;
        open = !cut && req.keep_alive;
        /* the next request head gets the same time the first one had */
        deadline = timeout_from_now(c->srv->cfg);
        atomic_store(&c->since_ms, monotonic_ms());
        atomic_store(&c->state, SLOT_HEAD);
    }
    if (ready) {
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ERR_clear_error();
    atomic_store(&c->state, SLOT_DONE); /* the accepting thread joins it and closes the socket */
    return NULL;
}

/* Join the finished connections; true when at least one slot became free. */
static bool reap(server *srv)
{
    bool freed = false;
    for (int i = 0; i < srv->cfg->max_clients; i++) {
        slot *c = &srv->slots[i];
        if (atomic_load(&c->state) == SLOT_DONE) {
            pthread_join(c->thread, NULL);
            net_close(c->fd);
            atomic_store(&c->state, SLOT_FREE);
            freed = true;
        }
    }
    return freed;
}

/*
 * A place for a new connection. When all are taken, the peer that has waited longest without
 * sending a whole request head gives up its place: idle and slow peers cannot keep devices out,
 * and a download under way is never cut for a newcomer.
 */
static slot *take_slot(server *srv)
{
    for (int round = 0; round < 2; round++) {
        reap(srv);
        for (int i = 0; i < srv->cfg->max_clients; i++) {
            if (atomic_load(&srv->slots[i].state) == SLOT_FREE) {
                return &srv->slots[i];
            }
        }
        slot *oldest = NULL;
        for (int i = 0; i < srv->cfg->max_clients; i++) {
            slot *c = &srv->slots[i];
            if (atomic_load(&c->state) == SLOT_HEAD &&
                (!oldest || atomic_load(&c->since_ms) < atomic_load(&oldest->since_ms))) {
                oldest = c;
            }
        }
        if (!oldest) {
            return NULL; /* every place is a download under way */
        }
        net_shutdown(oldest->fd); /* its thread sees the end (within WAIT_SLICE_MS) */
        for (int i = 0; i < WAIT_SLICE_MS && atomic_load(&oldest->state) != SLOT_DONE; i++) {
            os_sleep_ms(2);
        }
    }
    return NULL;
}

static net_socket listen_on(const server_config *cfg, eei_error *err)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    int gai = getaddrinfo(cfg->bind_addr, port, &hints, &ai);
    if (gai != 0) {
        eei_fail(err, EEI_ERR_USAGE, "--bind %s: %s", cfg->bind_addr, net_address_error(gai));
        return NET_NONE;
    }
    net_socket fd = net_listen(ai->ai_addr, (socklen_t)ai->ai_addrlen);
    if (fd == NET_NONE) {
        eei_fail(err, EEI_ERR_SYSTEM, "cannot listen on %s port %d: %s", cfg->bind_addr, cfg->port,
                 net_error());
    }
    freeaddrinfo(ai);
    return fd;
}

static SSL_CTX *tls_context(const server_config *cfg, eei_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx) { /* SSL_write returns once a record is out: each counts as progress */
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
    }
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

int server_run(const server_config *cfg, const atomic_int *stop, eei_error *err)
{
    if (net_start() != 0) {
        return eei_fail(err, EEI_ERR_SYSTEM, "the system's sockets cannot be used");
    }
    slot *slots = calloc((size_t)cfg->max_clients, sizeof(slot));
    server srv = {.cfg = cfg, .root_fd = os_open_folder(cfg->root), .slots = slots};
    if (srv.root_fd < 0 || !slots) {
        eei_fail(err, EEI_ERR_FILE, "%s: %s", cfg->root, slots ? strerror(errno) : "no memory");
        goto out;
    }
    srv.tls = tls_context(cfg, err);
    net_socket lfd = srv.tls ? listen_on(cfg, err) : NET_NONE;
    if (lfd == NET_NONE) {
        goto out;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof(bound);
    char port[8] = "0";
    if (getsockname(lfd, (struct sockaddr *)&bound, &bl) == 0) {
        getnameinfo((struct sockaddr *)&bound, bl, NULL, 0, port, sizeof(port), NI_NUMERICSERV);
    }
    if (cfg->ready) {
        cfg->ready(cfg->ready_ctx, (int)strtol(port, NULL, 10)); /* digits: NI_NUMERICSERV */
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    /* a stop request sets *stop: a signal ends the wait (POSIX), or the next slice sees it */
    while (!atomic_load(stop)) {
        if (net_wait(lfd, NET_READ, 200) <= 0) {
            reap(&srv);
            continue;
        }
        struct sockaddr_storage sa;
        net_socket fd = net_accept(lfd, &sa);
        if (fd == NET_NONE) {
            continue;
        }
        slot *c = take_slot(&srv);
        if (!c) {
            net_close(fd); /* every place is a transfer under way: memory stays bounded */
            continue;
        }
        c->srv = &srv;
        c->fd = fd;
        atomic_store(&c->since_ms, monotonic_ms());
        peer_name(&sa, c->peer, sizeof(c->peer));
        atomic_store(&c->state, SLOT_HEAD);
        if (pthread_create(&c->thread, &attr, serve_connection, c) != 0) {
            net_close(fd);
            atomic_store(&c->state, SLOT_FREE);
        }
    }
    net_close(lfd);
    pthread_attr_destroy(&attr);
    /* idle peers go now; transfers under way may end, for at most one timeout */
    for (int i = 0; i < cfg->max_clients; i++) {
        if (atomic_load(&slots[i].state) == SLOT_HEAD) {
            net_shutdown(slots[i].fd);
        }
    }
    long long deadline = timeout_from_now(cfg);
    for (bool busy = true; busy && ms_until(deadline) > 0;) {
        reap(&srv);
        busy = false;
        for (int i = 0; i < cfg->max_clients; i++) {
            busy = busy || atomic_load(&slots[i].state) != SLOT_FREE;
        }
        if (busy) {
            os_sleep_ms(50);
        }
    }
    for (int i = 0; i < cfg->max_clients; i++) { /* the rest are cut off, and joined */
        int state = atomic_load(&slots[i].state);
        if (state == SLOT_HEAD || state == SLOT_BODY) {
            net_shutdown(slots[i].fd);
        }
        if (state != SLOT_FREE) {
            pthread_join(slots[i].thread, NULL);
            net_close(slots[i].fd);
        }
    }
out:
    SSL_CTX_free(srv.tls);
    free(slots);
    if (srv.root_fd >= 0) {
        os_close(srv.root_fd);
    }
    net_end();
    return err->status == EEI_OK ? 0 : -1;
}
