/*
 * What one update attempt came to, in one word a fleet's logs can count: "ok", "current", a
 * link failure ("link-..."), an image the device refuses ("rejected-..."), or "error" (the
 * device itself). The same words on the chip and in the host simulator (docs/FIRMWARE.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    UPDATE_OK,                 /* installed and selected for the next boot */
    UPDATE_CURRENT,            /* the server holds the version that runs: nothing to do */
    UPDATE_LINK_NETWORK,       /* no network: no IP address */
    UPDATE_LINK_DNS,           /* the server's name does not resolve */
    UPDATE_LINK_CONNECT,       /* no TCP connection to the server */
    UPDATE_LINK_TLS,           /* the TLS handshake failed: the server's certificate, mostly */
    UPDATE_LINK_TIMEOUT,       /* no answer, or no data, within the receive timeout */
    UPDATE_LINK_HTTP,          /* an answer other than 200 or 206, or one that makes no sense */
    UPDATE_LINK_REDIRECT,      /* too many redirects, one to http:, or one that cannot be read */
    UPDATE_LINK_SLOW,          /* slower than the minimum rate, or past the attempt's deadline */
    UPDATE_LINK_CUT,           /* the transfer kept breaking off and could not be resumed */
    UPDATE_REJECTED_HEADER,    /* not an image of this format, or of the other scheme */
    UPDATE_REJECTED_KEY,       /* the image was not made for this device's key */
    UPDATE_REJECTED_TAG,       /* authentication failed: the image was altered */
    UPDATE_REJECTED_APP,       /* no valid app for this chip and slot inside */
    UPDATE_REJECTED_SIGNATURE, /* not signed by a trusted key (CONFIG_EEI_VERIFY_SIGNATURE) */
    UPDATE_REJECTED_VERSION,   /* older than the running version, or below the secure version */
    UPDATE_ERROR,              /* the device could not do it: flash, configuration, app state */
} update_status_t;

/* An attempt's status and a one-line detail for people. */
typedef struct {
    update_status_t status;
    char detail[192];
} update_outcome_t;

/* "ok", "current", "link-tls", "rejected-key", "error", ... */
const char *update_status_word(update_status_t status);
bool update_status_is_link(update_status_t status);
bool update_status_is_rejection(update_status_t status);

/* Set the outcome; detail is printf-formatted. Returns status, for `return update_fail(...)`. */
update_status_t update_fail(update_outcome_t *out, update_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The line that records an attempt, the same on every device and in every log:
 *   EEI_UPDATE <word> attempt=<n>: <detail>
 */
int update_outcome_line(const update_outcome_t *out, unsigned attempt, char *line, size_t cap);
