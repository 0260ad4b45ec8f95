#include "https_source.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "esp_log.h"
#include "http_range.h"

static const char *TAG = "https_source";

static int fail(https_source *s, update_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(https_source *s, update_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s->failure.status = status;
    vsnprintf(s->failure.detail, sizeof(s->failure.detail), fmt, ap);
    va_end(ap);
    ESP_LOGW(TAG, "%s", s->failure.detail);
    return -1;
}

static int parse_url(https_source *s, const char *url)
{
    const char *p = strncmp(url, "https://", 8) == 0 ? url + 8 : NULL;
    if (!p) {
        return fail(s, UPDATE_ERROR, "the URL must start with https://");
    }
    if (strlen(url) >= sizeof(s->url)) {
        return fail(s, UPDATE_ERROR, "the URL is too long");
    }
    snprintf(s->url, sizeof(s->url), "%s", url);
    const char *slash = p + strcspn(p, "/?");
    const char *colon = NULL;
    if (*p == '[') { /* [IPv6]:port */
        const char *close = memchr(p, ']', (size_t)(slash - p));
        if (!close) {
            return fail(s, UPDATE_ERROR, "bad IPv6 address in the URL");
        }
        snprintf(s->host, sizeof(s->host), "%.*s", (int)(close - p - 1), p + 1);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(slash - p));
        snprintf(s->host, sizeof(s->host), "%.*s", (int)((colon ? colon : slash) - p), p);
    }
    snprintf(s->port, sizeof(s->port), "%.*s", colon ? (int)(slash - colon - 1) : 3,
             colon ? colon + 1 : "443");
    snprintf(s->path, sizeof(s->path), "%s%s", *slash == '/' ? "" : "/", slash);
    snprintf(s->authority, sizeof(s->authority), "%.*s", (int)(slash - p), p);
    return s->host[0] ? 0 : fail(s, UPDATE_ERROR, "no host in the URL");
}

/* ---- trust: one CA certificate, or ESP-IDF's certificate bundle ---------------------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The bundle as esp_crt_bundle.c reads it: n little-endian offsets, then per certificate the
 * lengths of its subject name and public key (16 bits each), the name's DER, the key's DER
 * (SubjectPublicKeyInfo); sorted by name, searched by the issuer's name.
 */
static bool bundle_entry(const https_source *s, uint32_t i, const uint8_t **name, size_t *name_len,
                         const uint8_t **key, size_t *key_len)
{
    uint32_t off = le32(s->bundle + 4 * i);
    if (off > s->bundle_len || s->bundle_len - off < 4) {
        return false;
    }
    const uint8_t *e = s->bundle + off;
    *name_len = (size_t)(e[0] | e[1] << 8);
    *key_len = (size_t)(e[2] | e[3] << 8);
    if (s->bundle_len - off - 4 < *name_len + *key_len) {
        return false;
    }
    *name = e + 4;
    *key = e + 4 + *name_len;
    return true;
}

static const uint8_t *bundle_find(const https_source *s, const uint8_t *issuer, size_t issuer_len,
                                  size_t *key_len)
{
    if (s->bundle_len < 4) {
        return NULL;
    }
    int count = (int)(le32(s->bundle) / 4);
    int lo = 0, hi = count - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const uint8_t *name, *key;
        size_t name_len;
        if (!bundle_entry(s, (uint32_t)mid, &name, &name_len, &key, key_len)) {
            return NULL;
        }
        int c = memcmp(issuer, name, issuer_len < name_len ? issuer_len : name_len);
        if (c == 0) {
            return key;
        }
        if (c < 0) {
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

/* A certificate whose issuer is not known: trusted when the bundle holds its issuer's key. */
static int verify_with_bundle(int ok, X509_STORE_CTX *x)
{
    int err = X509_STORE_CTX_get_error(x);
    if (ok || (err != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
               err != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT &&
               err != X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE &&
               err != X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT &&
               err != X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)) {
        return ok;
    }
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    const https_source *s = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
    X509 *cert = X509_STORE_CTX_get_current_cert(x);
    unsigned char *issuer = NULL;
    int issuer_len = cert ? i2d_X509_NAME(X509_get_issuer_name(cert), &issuer) : -1;
    size_t key_len = 0;
    const uint8_t *key =
        s && issuer_len > 0 ? bundle_find(s, issuer, (size_t)issuer_len, &key_len) : NULL;
    OPENSSL_free(issuer);
    EVP_PKEY *pkey = key ? d2i_PUBKEY(NULL, &key, (long)key_len) : NULL;
    bool signed_by_bundle = pkey && X509_verify(cert, pkey) == 1;
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    if (signed_by_bundle) {
        X509_STORE_CTX_set_error(x, X509_V_OK);
        return 1;
    }
    return 0;
}

static int load_trust(https_source *s)
{
    s->ctx = SSL_CTX_new(TLS_client_method());
    if (!s->ctx || SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION) != 1) {
        ERR_clear_error();
        return fail(s, UPDATE_ERROR, "cannot set up TLS");
    }
    if (s->opt.ca_file) {
        if (SSL_CTX_load_verify_locations(s->ctx, s->opt.ca_file, NULL) != 1) {
            ERR_clear_error();
            return fail(s, UPDATE_ERROR, "cannot read the CA certificate %s", s->opt.ca_file);
        }
        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
        return 0;
    }
    FILE *f = fopen(s->opt.bundle_file, "rb");
    long len = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) {
        len = ftell(f);
        rewind(f);
    }
    s->bundle = len >= 4 ? malloc((size_t)len) : NULL;
    bool read = s->bundle && fread(s->bundle, 1, (size_t)len, f) == (size_t)len;
    if (f) {
        fclose(f);
    }
    if (!read || le32(s->bundle) % 4 != 0 || le32(s->bundle) > (uint32_t)len) {
        return fail(s, UPDATE_ERROR, "cannot read the certificate bundle %s", s->opt.bundle_file);
    }
    s->bundle_len = (size_t)len;
    SSL_CTX_set_app_data(s->ctx, s);
    SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, verify_with_bundle);
    return 0;
}

/* ---- the connection ------------------------------------------------------------------------ */

static void disconnect(https_source *s)
{
    if (s->ssl) {
        SSL_free(s->ssl);
        s->ssl = NULL;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->in_pos = s->in_len = 0;
    s->keep_alive = false;
}

static int connect_tls(https_source *s)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(s->host, s->port, &hints, &ai);
    if (gai != 0) {
        return fail(s, UPDATE_LINK_DNS, "cannot resolve %s: %s", s->host, gai_strerror(gai));
    }
    int ms = s->opt.recv_timeout_ms > 0 ? s->opt.recv_timeout_ms : 10000;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int e = errno;
        freeaddrinfo(ai);
        disconnect(s);
        return fail(s,
                    e == ETIMEDOUT || e == EINPROGRESS ? UPDATE_LINK_TIMEOUT : UPDATE_LINK_CONNECT,
                    "cannot connect to %s port %s: %s", s->host, s->port, strerror(e));
    }
    freeaddrinfo(ai);
    s->ssl = SSL_new(s->ctx);
    X509_VERIFY_PARAM *param = s->ssl ? SSL_get0_param(s->ssl) : NULL;
    bool ip = strchr(s->host, ':') || strspn(s->host, "0123456789.") == strlen(s->host);
    if (!s->ssl || SSL_set_fd(s->ssl, s->fd) != 1 ||
        (ip ? X509_VERIFY_PARAM_set1_ip_asc(param, s->host) != 1
            : (SSL_set_tlsext_host_name(s->ssl, s->host) != 1 ||
               SSL_set1_host(s->ssl, s->host) != 1))) {
        disconnect(s);
        ERR_clear_error();
        return fail(s, UPDATE_ERROR, "cannot set up TLS");
    }
    if (SSL_connect(s->ssl) != 1) {
        long v = SSL_get_verify_result(s->ssl);
        bool timeout = errno == EAGAIN || errno == EWOULDBLOCK;
        disconnect(s);
        ERR_clear_error();
        if (timeout) {
            return fail(s, UPDATE_LINK_TIMEOUT, "TLS handshake with %s: no answer", s->host);
        }
        return fail(s, UPDATE_LINK_TLS, "TLS handshake with %s failed: %s", s->host,
                    v != X509_V_OK ? X509_verify_cert_error_string(v) : "no common ground");
    }
    return 0;
}

/* Up to cap bytes from the connection through the input buffer: > 0, 0 at its end, -1. */
static int recv_some(https_source *s, uint8_t *buf, size_t cap)
{
    if (s->in_pos == s->in_len) {
        int n = SSL_read(s->ssl, s->in, (int)sizeof(s->in));
        if (n <= 0) {
            int e = SSL_get_error(s->ssl, n);
            bool timeout = e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
            bool closed = e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0);
            ERR_clear_error();
            if (closed) {
                return 0;
            }
            return fail(s, timeout ? UPDATE_LINK_TIMEOUT : UPDATE_LINK_CUT, "%s",
                        timeout ? "no data within the receive timeout"
                                : "the connection broke off");
        }
        s->in_pos = 0;
        s->in_len = (size_t)n;
    }
    size_t take = s->in_len - s->in_pos < cap ? s->in_len - s->in_pos : cap;
    memcpy(buf, s->in + s->in_pos, take);
    s->in_pos += take;
    return (int)take;
}

/* A CRLF-terminated line into line (without it): its length, or -1. */
static int recv_line(https_source *s, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        uint8_t c = 0;
        int got = recv_some(s, &c, 1);
        if (got <= 0) {
            return got == 0 ? fail(s, UPDATE_LINK_CUT, "the connection closed in an answer") : -1;
        }
        if (c == '\n') {
            if (n > 0 && line[n - 1] == '\r') {
                n--;
            }
            line[n] = '\0';
            return (int)n;
        }
        if (n + 1 >= cap) {
            return fail(s, UPDATE_LINK_HTTP, "the server's answer has an overlong line");
        }
        line[n++] = (char)c;
    }
}

typedef struct {
    int status;
    char location[HTTP_URL_MAX];
    long long content_length; /* -1: none */
    uint64_t range_first, range_total;
    bool content_range, chunked, close;
} answer;

/* Send a GET for s->path (Range: bytes=first-[last]) and read the answer's head. */
static int exchange(https_source *s, uint64_t first, uint64_t last, answer *a)
{
    memset(a, 0, sizeof(*a));
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = s->ssl != NULL;
        if (!s->ssl && connect_tls(s) != 0) {
            return -1;
        }
        char req[HTTP_URL_MAX + 512], range[96] = "";
        if (last != UINT64_MAX) {
            snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n", (unsigned long long)first,
                     (unsigned long long)last);
        } else if (first > 0) {
            snprintf(range, sizeof(range), "Range: bytes=%llu-\r\n", (unsigned long long)first);
        }
        int n = snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: esp_enc_img_fwsim\r\n%s\r\n",
                         s->path, s->authority, range);
        if (n < 0 || (size_t)n >= sizeof(req)) {
            return fail(s, UPDATE_ERROR, "the request does not fit");
        }
        char line[HTTP_URL_MAX + 64] = "";
        int got = SSL_write(s->ssl, req, n) == n ? recv_line(s, line, sizeof(line)) : -1;
        if (got < 0 && reused) {
            disconnect(s); /* a kept-alive connection the server closed: once more */
            continue;
        }
        if (got < 0) {
            return -1;
        }
        memset(a, 0, sizeof(*a));
        a->content_length = -1;
        if (got < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ') { /* HTTP/1.x NNN */
            return fail(s, UPDATE_LINK_HTTP, "the server's answer is not HTTP");
        }
        a->status = (int)strtol(line + 9, NULL, 10);
        a->close = line[7] == '0';
        s->reached = true;
        while ((got = recv_line(s, line, sizeof(line))) > 0) {
            char *v = strchr(line, ':');
            if (!v) {
                continue;
            }
            *v++ = '\0';
            v += strspn(v, " \t");
            if (strcasecmp(line, "Content-Length") == 0) {
                a->content_length = strtoll(v, NULL, 10);
            } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
                a->chunked = strcasestr(v, "chunked") != NULL;
            } else if (strcasecmp(line, "Content-Range") == 0) {
                a->content_range = http_content_range(v, &a->range_first, &a->range_total);
            } else if (strcasecmp(line, "Location") == 0) {
                snprintf(a->location, sizeof(a->location), "%s", v);
            } else if (strcasecmp(line, "Connection") == 0) {
                a->close = a->close || strcasestr(v, "close");
            }
        }
        if (got < 0) {
            return -1;
        }
        s->keep_alive = !a->close;
        s->chunked = a->chunked;
        s->chunk_done = false;
        s->chunk_left = 0;
        s->body_left =
            a->chunked || a->content_length < 0 ? UINT64_MAX : (uint64_t)a->content_length;
        s->since_request = 0;
        return 0;
    }
    return fail(s, UPDATE_LINK_CUT, "the server closed the connection");
}

/* A request, with the redirects it meets followed to the answer that is not one. */
static int request(https_source *s, uint64_t first, uint64_t last, answer *a)
{
    for (;;) {
        if (exchange(s, first, last, a) != 0) {
            return -1;
        }
        if (!http_redirect_status(a->status)) {
            return 0;
        }
        disconnect(s); /* the redirect's body is not read */
        if (s->redirects >= HTTP_REDIRECT_MAX) {
            return fail(s, UPDATE_LINK_REDIRECT, "more than %d redirects", HTTP_REDIRECT_MAX);
        }
        char next[HTTP_URL_MAX];
        const char *why = http_redirect_resolve(s->url, a->location, next, sizeof(next));
        if (why) {
            return fail(s, UPDATE_LINK_REDIRECT, "%s (HTTP %d to %.200s)", why, a->status,
                        a->location);
        }
        s->redirects++;
        ESP_LOGI(TAG, "HTTP %d: redirected to %s", a->status, next);
        if (parse_url(s, next) != 0) {
            return -1;
        }
    }
}

static int64_t declared(const answer *a)
{
    if (a->status == 206) {
        return a->content_range ? (int64_t)a->range_total : -1;
    }
    return a->chunked ? -1 : a->content_length;
}

int https_source_open(https_source *s, const char *url, const https_source_options *opt)
{
    memset(s, 0, sizeof(*s));
    s->opt = *opt;
    s->fd = -1;
    s->declared = -1;
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    if (parse_url(s, url) != 0 || load_trust(s) != 0) {
        return -1;
    }
    answer a;
    uint64_t last = s->opt.range_size > 0 ? (uint64_t)s->opt.range_size - 1 : UINT64_MAX;
    if (request(s, 0, last, &a) != 0) {
        return -1;
    }
    if (a.status == 206 && s->opt.range_size > 0 && a.content_range && a.range_first == 0) {
        s->range_total = a.range_total;
    } else if (a.status == 200) {
        s->opt.range_size = 0; /* the whole file in one answer */
    } else {
        return fail(s, UPDATE_LINK_HTTP, "HTTP status %d (wanted 200)", a.status);
    }
    s->declared = declared(&a);
    ESP_LOGI(TAG, "downloading %lld bytes from %s", (long long)s->declared, s->url);
    return 0;
}

/* Hold the average rate at or below opt.rate bytes per second. */
static void pace(https_source *s)
{
    if (s->opt.rate <= 0) {
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed =
        (double)(now.tv_sec - s->start.tv_sec) + (now.tv_nsec - s->start.tv_nsec) / 1e9;
    double due = (double)s->delivered / (double)s->opt.rate;
    if (due > elapsed) {
        double wait = due - elapsed;
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* The next chunk's size line (after the previous chunk's CRLF): 0, or -1. */
static int next_chunk(https_source *s)
{
    char line[128];
    if (s->chunk_left == 0 && s->since_request > 0 && recv_line(s, line, sizeof(line)) != 0) {
        return fail(s, UPDATE_LINK_HTTP, "a chunk does not end where its size said");
    }
    if (recv_line(s, line, sizeof(line)) < 0) {
        return -1;
    }
    char *end;
    unsigned long long size = strtoull(line, &end, 16);
    if (end == line || (*end != '\0' && *end != ';' && *end != ' ')) {
        return fail(s, UPDATE_LINK_HTTP, "a chunk size that is not one: '%.40s'", line);
    }
    s->chunk_left = size;
    if (size == 0) { /* the last chunk: trailers up to an empty line */
        int got;
        while ((got = recv_line(s, line, sizeof(line))) > 0) {
        }
        if (got < 0) {
            return -1;
        }
        s->chunk_done = true;
    }
    return 0;
}

int https_source_read(void *ctx, uint8_t *buf, size_t cap)
{
    https_source *s = ctx;
    s->failure.detail[0] = '\0';
    for (;;) {
        bool ended = s->chunked ? s->chunk_done : s->body_left == 0;
        if (!ended && s->chunked && s->chunk_left == 0) {
            if (next_chunk(s) != 0) {
                return -1;
            }
            continue;
        }
        if (!ended) {
            break;
        }
        if (s->opt.range_size <= 0 || s->offset >= s->range_total) {
            return 0; /* the answer is complete */
        }
        if (!s->keep_alive) {
            disconnect(s);
        }
        answer a;
        uint64_t last = s->offset + (uint64_t)s->opt.range_size - 1;
        if (request(s, s->offset, last, &a) != 0) {
            return -1;
        }
        if (a.status != 206 || !a.content_range || a.range_first != s->offset ||
            a.range_total != s->range_total) {
            return fail(s, UPDATE_LINK_HTTP, "HTTP status %d to a Range request of the image",
                        a.status);
        }
    }
    if (s->opt.drop_every > 0 && s->since_request >= (uint64_t)s->opt.drop_every) {
        disconnect(s); /* the link goes down in the middle of the transfer */
        return fail(s, UPDATE_LINK_CUT, "the connection dropped before the image was complete");
    }
    size_t want = cap;
    uint64_t left = s->chunked ? s->chunk_left : s->body_left;
    want = left < want ? (size_t)left : want;
    if (s->opt.drop_every > 0 && want > (uint64_t)s->opt.drop_every - s->since_request) {
        want = (size_t)((uint64_t)s->opt.drop_every - s->since_request);
    }
    int got = recv_some(s, buf, want);
    if (got == 0 && s->body_left == UINT64_MAX && !s->chunked) {
        s->body_left = 0; /* no length given: the close is the end */
        return 0;
    }
    if (got == 0) {
        disconnect(s);
        return fail(s, UPDATE_LINK_CUT, "the connection closed before the answer was complete");
    }
    if (got < 0) {
        disconnect(s);
        return -1;
    }
    if (s->chunked) {
        s->chunk_left -= (uint64_t)got;
    } else if (s->body_left != UINT64_MAX) {
        s->body_left -= (uint64_t)got;
    }
    s->offset += (uint64_t)got;
    s->delivered += (uint64_t)got;
    s->since_request += (uint64_t)got;
    pace(s);
    return got;
}

int64_t https_source_resume(void *ctx, uint64_t offset, unsigned attempt)
{
    https_source *s = ctx;
    (void)attempt; /* the simulated link comes back at once */
    disconnect(s);
    s->failure.detail[0] = '\0';
    answer a;
    uint64_t last = s->opt.range_size > 0 ? offset + (uint64_t)s->opt.range_size - 1 : UINT64_MAX;
    if (request(s, offset, last, &a) != 0) {
        return -1;
    }
    switch (http_resume_judge(a.status, a.content_range, a.range_first, a.range_total, offset,
                              s->declared, &s->failure)) {
    case HTTP_RESUME_FROM_START: /* the server ignored the Range request: the image from its start
                                  */
        s->opt.range_size = 0;
        s->offset = 0;
        s->declared = declared(&a);
        return 0;
    case HTTP_RESUME_REFUSED:
        ESP_LOGW(TAG, "%s", s->failure.detail);
        return -1;
    case HTTP_RESUME_AT_OFFSET:
        break;
    }
    s->offset = offset;
    s->declared = (int64_t)a.range_total;
    return (int64_t)offset;
}

int64_t https_source_declared_size(void *ctx)
{
    return ((https_source *)ctx)->declared;
}

const update_outcome_t *https_source_failure(void *ctx)
{
    https_source *s = ctx;
    return s->failure.detail[0] ? &s->failure : NULL;
}

void https_source_close(https_source *s)
{
    disconnect(s);
    SSL_CTX_free(s->ctx);
    s->ctx = NULL;
    free(s->bundle);
    s->bundle = NULL;
}
