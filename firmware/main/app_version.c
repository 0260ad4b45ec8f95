#include "app_version.h"

#include <string.h>

#define VERSION_MAX 32 /* esp_app_desc_t.version, not always NUL-terminated */

typedef struct {
    unsigned long long core[3];
    const char *pre; /* the pre-release identifiers, or NULL */
    size_t pre_len;
} semver;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* A numeric identifier: digits, no leading zero (SemVer 2.0.0 rule 2), no overflow. */
static bool number(const char **p, const char *end, unsigned long long *out)
{
    const char *s = *p;
    unsigned long long v = 0;
    while (s < end && is_digit(*s)) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (~0ull - d) / 10) {
            return false;
        }
        v = v * 10 + d;
        s++;
    }
    if (s == *p || (s - *p > 1 && **p == '0')) {
        return false;
    }
    *p = s;
    *out = v;
    return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones without leading zeros. */
static bool identifiers(const char *s, const char *end, bool numeric_rule)
{
    if (s == end) {
        return false;
    }
    while (s < end) {
        const char *id = s;
        bool digits = true;
        while (s < end && *s != '.') {
            if (!is_ident_char(*s)) {
                return false;
            }
            digits = digits && is_digit(*s);
            s++;
        }
        if (s == id || (numeric_rule && digits && s - id > 1 && *id == '0')) {
            return false;
        }
        if (s < end) {
            s++; /* the dot */
            if (s == end) {
                return false;
            }
        }
    }
    return true;
}

static bool parse(const char *text, semver *v)
{
    const char *s = text;
    const char *nul = memchr(s, '\0', VERSION_MAX);
    const char *end = nul ? nul : s + VERSION_MAX;
    if (s < end && (*s == 'v' || *s == 'V')) {
        s++;
    }
    for (int i = 0; i < 3; i++) {
        if ((i > 0 && (s >= end || *s++ != '.')) || !number(&s, end, &v->core[i])) {
            return false;
        }
    }
    v->pre = NULL;
    v->pre_len = 0;
    const char *plus = memchr(s, '+', (size_t)(end - s));
    const char *core_end = plus ? plus : end;
    if (s < core_end) {
        if (*s != '-' || !identifiers(s + 1, core_end, true)) {
            return false;
        }
        v->pre = s + 1;
        v->pre_len = (size_t)(core_end - v->pre);
    }
    return !plus || identifiers(plus + 1, end, false);
}

bool app_version_is_semver(const char *s)
{
    semver v;
    return parse(s, &v);
}

/* One pre-release identifier against another: numeric < alphanumeric; numbers by value. */
static int compare_identifier(const char *a, size_t alen, const char *b, size_t blen)
{
    bool anum = true, bnum = true;
    for (size_t i = 0; i < alen; i++) {
        anum = anum && is_digit(a[i]);
    }
    for (size_t i = 0; i < blen; i++) {
        bnum = bnum && is_digit(b[i]);
    }
    if (anum != bnum) {
        return anum ? -1 : 1;
    }
    if (anum && alen != blen) { /* no leading zeros: the longer number is the larger */
        return alen < blen ? -1 : 1;
    }
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    return alen == blen ? 0 : (alen < blen ? -1 : 1);
}

static int compare_pre(const semver *a, const semver *b)
{
    if (!a->pre || !b->pre) { /* a release follows its pre-releases */
        return a->pre ? -1 : (b->pre ? 1 : 0);
    }
    const char *pa = a->pre, *ea = a->pre + a->pre_len;
    const char *pb = b->pre, *eb = b->pre + b->pre_len;
    while (pa < ea && pb < eb) {
        const char *da = memchr(pa, '.', (size_t)(ea - pa));
        const char *db = memchr(pb, '.', (size_t)(eb - pb));
        da = da ? da : ea;
        db = db ? db : eb;
        int c = compare_identifier(pa, (size_t)(da - pa), pb, (size_t)(db - pb));
        if (c != 0) {
            return c;
        }
        pa = da < ea ? da + 1 : ea;
        pb = db < eb ? db + 1 : eb;
    }
    return pa < ea ? 1 : (pb < eb ? -1 : 0); /* more identifiers follow fewer */
}

bool app_version_compare(const char *a, const char *b, int *order)
{
    semver va, vb;
    if (!parse(a, &va) || !parse(b, &vb)) {
        return false;
    }
    *order = 0;
    for (int i = 0; i < 3 && *order == 0; i++) {
        *order = va.core[i] < vb.core[i] ? -1 : (va.core[i] > vb.core[i] ? 1 : 0);
    }
    if (*order == 0) {
        *order = compare_pre(&va, &vb);
    }
    return true;
}

app_version_verdict_t app_version_judge(const char *running, const char *candidate)
{
    if (strncmp(running, candidate, VERSION_MAX) == 0) {
        return APP_VERSION_SAME;
    }
    if (!app_version_is_semver(running)) {
        return APP_VERSION_OTHER;
    }
    int order;
    if (!app_version_compare(candidate, running, &order)) {
        return APP_VERSION_UNORDERED;
    }
    return order > 0 ? APP_VERSION_NEWER : (order == 0 ? APP_VERSION_SAME : APP_VERSION_OLDER);
}
