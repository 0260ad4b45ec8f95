/*
 * The simulator's download: HTTPS with OpenSSL, the server checked against a CA file like the
 * device checks it against its embedded certificate. Optionally in Range requests of a fixed
 * size, like ESP-IDF's partial download, and at a limited rate, like a slow link.
 */
#include "https_source.h"

#include <netdb.h>
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

/* " bytes FIRST-LAST/TOTAL", the value of a Content-Range header: FIRST and TOTAL. */
static bool content_range(const char *v, unsigned long long *first, unsigned long long *total)
{
    char *end;
    while (*v == ' ') {
        v++;
    }
    if (strncmp(v, "bytes ", 6) != 0) {
        return false;
    }
    *first = strtoull(v + 6, &end, 10);
    if (end == v + 6 || *end != '-') {
        return false;
    }
    v = end + 1;
    unsigned long long last = strtoull(v, &end, 10);
    if (end == v || *end != '/' || last < *first) {
        return false;
    }
    v = end + 1;
    *total = strtoull(v, &end, 10);
    return end != v && last < *total;
}

static int fail(https_source *s, const char *what)
{
    snprintf(s->why, sizeof(s->why), "%s", what);
    return -1;
}

static int parse_url(https_source *s, const char *url)
{
    const char *p = strncmp(url, "https://", 8) == 0 ? url + 8 : NULL;
    if (!p) {
        return fail(s, "the URL must start with https://");
    }
    const char *slash = strchr(p, '/');
    const char *host_end = slash ? slash : p + strlen(p);
    const char *colon = NULL;
    if (*p == '[') { /* [IPv6]:port */
        const char *close = memchr(p, ']', (size_t)(host_end - p));
        if (!close) {
            return fail(s, "bad IPv6 address in the URL");
        }
        snprintf(s->host, sizeof(s->host), "%.*s", (int)(close - p - 1), p + 1);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(host_end - p));
        snprintf(s->host, sizeof(s->host), "%.*s", (int)((colon ? colon : host_end) - p), p);
    }
    snprintf(s->port, sizeof(s->port), "%.*s", colon ? (int)(host_end - colon - 1) : 3,
             colon ? colon + 1 : "443");
    snprintf(s->path, sizeof(s->path), "%s", slash ? slash : "/");
    return s->host[0] ? 0 : fail(s, "no host in the URL");
}

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
}

static int connect_tls(https_source *s)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(s->host, s->port, &hints, &ai) != 0) {
        return fail(s, "cannot resolve the server");
    }
    s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {.tv_sec = 10};
    if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        freeaddrinfo(ai);
        disconnect(s);
        return fail(s, "cannot connect to the server");
    }
    freeaddrinfo(ai);
    s->ssl = SSL_new(s->ctx);
    X509_VERIFY_PARAM *param = s->ssl ? SSL_get0_param(s->ssl) : NULL;
    bool ip = strchr(s->host, ':') || strspn(s->host, "0123456789.") == strlen(s->host);
    if (!s->ssl || SSL_set_fd(s->ssl, s->fd) != 1 ||
        (ip ? X509_VERIFY_PARAM_set1_ip_asc(param, s->host) != 1
            : (SSL_set_tlsext_host_name(s->ssl, s->host) != 1 ||
               SSL_set1_host(s->ssl, s->host) != 1)) ||
        SSL_connect(s->ssl) != 1) {
        disconnect(s);
        ERR_clear_error();
        return fail(s, "TLS handshake failed (is the server's certificate the one given?)");
    }
    return 0;
}

/* Send the next request and read its head; the body follows in https_source_read. */
static int request(https_source *s)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!s->ssl && connect_tls(s) != 0) {
            return -1;
        }
        char req[1500], range[96] = "";
        if (s->range_size > 0) {
            snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n",
                     (unsigned long long)s->offset,
                     (unsigned long long)(s->offset + (uint64_t)s->range_size - 1));
        } else if (s->offset > 0) { /* resuming */
            snprintf(range, sizeof(range), "Range: bytes=%llu-\r\n", (unsigned long long)s->offset);
        }
        int n = snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: esp_enc_img_fwsim\r\n%s\r\n",
                         s->path, s->host, range);
        if (SSL_write(s->ssl, req, n) != n) {
            disconnect(s); /* a kept-alive connection the server closed: once more */
            continue;
        }
        char head[8192];
        size_t have = 0, end = 0;
        while (end == 0 && have < sizeof(head)) {
            int got = SSL_read(s->ssl, head + have, (int)(sizeof(head) - have));
            if (got <= 0) {
                break;
            }
            have += (size_t)got;
            for (size_t i = 3; i < have && end == 0; i++) {
                end = memcmp(head + i - 3, "\r\n\r\n", 4) == 0 ? i + 1 : 0;
            }
        }
        if (end == 0) {
            disconnect(s);
            if (have == 0 && attempt == 0) {
                continue;
            }
            return fail(s, "the server closed the connection");
        }
        head[end - 1] = '\0';
        int status = strncmp(head, "HTTP/1.", 7) == 0 && head[7] && head[8] == ' '
                         ? (int)strtol(head + 9, NULL, 10)
                         : 0;
        s->reached = s->reached || status != 0;
        bool want_partial = range[0] != '\0';
        if (!(want_partial ? status == 206 : status == 200) &&
            !(s->range_size > 0 && s->offset == 0 && status == 200)) {
            snprintf(s->why, sizeof(s->why), "HTTP status %d", status);
            return -1;
        }
        s->since_request = 0;
        s->body_left = UINT64_MAX;
        s->keep_alive = strstr(head, "HTTP/1.1") == head;
        for (char *line = strtok(head, "\r\n"); line; line = strtok(NULL, "\r\n")) {
            unsigned long long a, total;
            if (strncasecmp(line, "Content-Length:", 15) == 0) {
                s->body_left = strtoull(line + 15, NULL, 10);
            } else if (strncasecmp(line, "Content-Range:", 14) == 0 &&
                       content_range(line + 14, &a, &total)) {
                if (a != s->offset || (s->total != UINT64_MAX && total != s->total)) {
                    return fail(s, "the server sent another part of the image than asked for");
                }
                s->total = total;
            } else if (strncasecmp(line, "Connection:", 11) == 0 && strcasestr(line, "close")) {
                s->keep_alive = false;
            }
        }
        if (status == 200) {
            s->total = s->body_left; /* the whole file in one answer */
            s->range_size = 0;
        } else if (s->range_size <= 0 && s->total != UINT64_MAX &&
                   s->body_left != s->total - s->offset) {
            return fail(s, "the server's rest of the image has another length");
        }
        /* whatever followed the head in the last read is body */
        s->spill_len = have - end;
        memcpy(s->spill, head + end, s->spill_len);
        return 0;
    }
    return fail(s, "the server closed the connection");
}

int https_source_open(https_source *s, const char *url, const char *ca_file, long long range_size,
                      long long rate, long long drop_every)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->range_size = range_size;
    s->rate = rate;
    s->drop_every = drop_every;
    s->total = UINT64_MAX;
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    if (parse_url(s, url) != 0) {
        return -1;
    }
    s->ctx = SSL_CTX_new(TLS_client_method());
    if (!s->ctx || SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_load_verify_locations(s->ctx, ca_file, NULL) != 1) {
        ERR_clear_error();
        return fail(s, "cannot read the CA certificate");
    }
    SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
    return request(s);
}

/* Hold the average rate at or below s->rate bytes per second. */
static void pace(https_source *s)
{
    if (s->rate <= 0) {
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed =
        (double)(now.tv_sec - s->start.tv_sec) + (now.tv_nsec - s->start.tv_nsec) / 1e9;
    double due = (double)s->delivered / (double)s->rate;
    if (due > elapsed) {
        double wait = due - elapsed;
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

int https_source_read(void *ctx, uint8_t *buf, size_t cap)
{
    https_source *s = ctx;
    if (s->body_left == 0) {
        if (s->range_size <= 0 || s->offset >= s->total) {
            return 0; /* the whole image arrived */
        }
        if (!s->keep_alive) {
            disconnect(s);
        }
        if (request(s) != 0) {
            return -1;
        }
    }
    if (s->drop_every > 0 && s->since_request >= (uint64_t)s->drop_every) {
        disconnect(s); /* the link goes down in the middle of the transfer */
        fail(s, "the connection dropped before the image was complete");
        return -1;
    }
    size_t want = cap < s->body_left ? cap : (size_t)s->body_left;
    if (s->drop_every > 0 && want > (uint64_t)s->drop_every - s->since_request) {
        want = (size_t)((uint64_t)s->drop_every - s->since_request);
    }
    size_t got;
    if (s->spill_len > 0) {
        got = want < s->spill_len ? want : s->spill_len;
        memcpy(buf, s->spill, got);
        memmove(s->spill, s->spill + got, s->spill_len - got);
        s->spill_len -= got;
    } else {
        int n = SSL_read(s->ssl, buf, (int)(want > 65536 ? 65536 : want));
        if (n <= 0) {
            if (s->body_left == UINT64_MAX) {
                return 0; /* no length given: the close is the end */
            }
            fail(s, "the connection dropped before the image was complete");
            return -1;
        }
        got = (size_t)n;
    }
    if (s->body_left != UINT64_MAX) {
        s->body_left -= got;
    }
    s->offset += got;
    s->delivered += got;
    s->since_request += got;
    pace(s);
    return (int)got;
}

int https_source_resume(void *ctx, uint64_t offset, int attempt)
{
    https_source *s = ctx;
    (void)attempt; /* the simulated link comes back at once */
    disconnect(s);
    s->offset = offset;
    s->body_left = 0;
    s->spill_len = 0;
    return request(s);
}

void https_source_close(https_source *s)
{
    disconnect(s);
    SSL_CTX_free(s->ctx);
    s->ctx = NULL;
}
