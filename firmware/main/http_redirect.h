/*
 * Redirects on the way to the image, the same rules on the chip and in the host simulator: a
 * 301, 302, 303, 307 or 308 answer is followed to its Location, up to HTTP_REDIRECT_MAX times,
 * and only to https: URLs. Later Range requests go to the URL the redirects ended at.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HTTP_REDIRECT_MAX 5
#define HTTP_URL_MAX 512 /* the longest URL followed (presigned URLs are long) */

/* Whether an HTTP status sends the client elsewhere. */
bool http_redirect_status(int status);

/*
 * The absolute URL that Location leads to from base (itself absolute): a full URL, a
 * scheme-relative one (//host/path), an absolute path or a relative one, without its fragment.
 * Returns NULL when it can be followed, or why not (a constant string): another scheme than
 * https, an empty or unreadable Location, a URL longer than cap.
 */
const char *http_redirect_resolve(const char *base, const char *location, char *out, size_t cap);
