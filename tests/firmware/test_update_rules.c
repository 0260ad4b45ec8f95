/*
 * The firmware's rules that need no device, as main/ has them: the order of versions (SemVer
 * 2.0.0 precedence, and the rule for other strings), where a redirect leads (https only), the
 * waits between attempts and checks, the answers to a Range request, and the status words of
 * the EEI_UPDATE line.
 */
#include "check.h"

#include "app_version.h"
#include "http_range.h"
#include "http_redirect.h"
#include "update_schedule.h"
#include "update_status.h"

static int order(const char *a, const char *b)
{
    int o = 99;
    return app_version_compare(a, b, &o) ? o : 99;
}

static void versions(void)
{
    /* SemVer 2.0.0's own example of precedence, each before the next */
    const char *chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                           "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                           "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                           "1.9.0",       "1.10.0",        "2.0.0",
                           "10.0.0",      "v10.0.1",       "18446744073709551615.0.0"};
    size_t n = sizeof(chain) / sizeof(chain[0]);
    for (size_t i = 0; i + 1 < n; i++) {
        CHECK(order(chain[i], chain[i + 1]) == -1);
        CHECK(order(chain[i + 1], chain[i]) == 1);
        CHECK(order(chain[i], chain[i]) == 0);
    }
    CHECK(order("1.0.0+build.1", "1.0.0+build.2") == 0); /* the build does not count */
    CHECK(order("v1.2.3", "1.2.3") == 0);
    CHECK(order("1.0.0-2", "1.0.0-10") == -1);     /* numeric identifiers by value */
    CHECK(order("1.0.0-10", "1.0.0-alpha") == -1); /* numeric before alphanumeric */
    /* not semantic versions */
    const char *not_semver[] = {"",           "1",          "1.2",     "1.2.3.4",
                                "01.2.3",     "1.02.3",     "1.2.3-",  "1.2.3-a..b",
                                "1.2.3-01",   "1.2.3+",     "1.2.3 ",  "1.2.3-a_b",
                                "v",          "3d4bafa",    "factory", "1.2.3-beta+",
                                "x1.2.3",     "-1.2.3",     "1.-2.3",  "18446744073709551616.0.0",
                                "1.2.3+a..b", "1.2.3-rc.1+"};
    for (size_t i = 0; i < sizeof(not_semver) / sizeof(not_semver[0]); i++) {
        if (app_version_is_semver(not_semver[i])) {
            fprintf(stderr, "'%s' taken for a semantic version\n", not_semver[i]);
        }
        CHECK(!app_version_is_semver(not_semver[i]));
    }
    CHECK(app_version_is_semver("1.2.3-rc.1+build.5"));
    CHECK(app_version_is_semver("0.0.0"));
    CHECK(app_version_is_semver("1.2.3-0a"));  /* alphanumeric, not a number */
    CHECK(app_version_is_semver("1.2.3+001")); /* leading zeros in a build are fine */
    /* esp_app_desc_t.version: 32 characters, not always NUL-terminated: no more are read */
    CHECK(app_version_is_semver("1.2.3-aaaaaaaaaaaaaaaaaaaaaaaaaa!!!"));
    CHECK(!app_version_is_semver("1.2.3-aaaaaaaaaaaaaaaaaaaaaaaaa!!!"));
    /* the rule the firmware applies */
    CHECK(app_version_judge("2.0.0", "2.0.1") == APP_VERSION_NEWER);
    CHECK(app_version_judge("2.0.0", "2.0.0") == APP_VERSION_SAME);
    CHECK(app_version_judge("2.0.0", "2.0.0+rebuilt") == APP_VERSION_SAME);
    CHECK(app_version_judge("2.0.0", "1.0.0") == APP_VERSION_OLDER);
    CHECK(app_version_judge("2.0.0", "2.0.0-rc.1") == APP_VERSION_OLDER);
    CHECK(app_version_judge("2.0.0", "3d4bafa") == APP_VERSION_UNORDERED);
    CHECK(app_version_judge("3d4bafa", "1.0.0") == APP_VERSION_OTHER);
    CHECK(app_version_judge("3d4bafa", "5e6f7a8") == APP_VERSION_OTHER);
    CHECK(app_version_judge("3d4bafa", "3d4bafa") == APP_VERSION_SAME);
}

static void redirect(const char *base, const char *location, const char *want)
{
    char out[HTTP_URL_MAX];
    const char *why = http_redirect_resolve(base, location, out, sizeof(out));
    bool ok = want ? why == NULL && strcmp(out, want) == 0 : why != NULL;
    if (!ok) {
        fprintf(stderr, "%s + '%s': got '%s' (%s), wanted %s\n", base, location, why ? "" : out,
                why ? why : "followed", want ? want : "a refusal");
    }
    CHECK(ok);
}

static void redirects(void)
{
    for (int s = 100; s < 600; s++) {
        CHECK(http_redirect_status(s) ==
              (s == 301 || s == 302 || s == 303 || s == 307 || s == 308));
    }
    const char *b = "https://h.example:8070/a/b/fw.bin?x=1";
    redirect(b, "https://cdn.example/f/fw.bin?sig=abc", "https://cdn.example/f/fw.bin?sig=abc");
    redirect(b, "HTTPS://cdn.example/f", "https://cdn.example/f");
    redirect(b, "//cdn.example:9/x", "https://cdn.example:9/x");
    redirect(b, "/files/fw.bin", "https://h.example:8070/files/fw.bin");
    redirect(b, "fw2.bin", "https://h.example:8070/a/b/fw2.bin");
    redirect(b, "../c/./fw.bin", "https://h.example:8070/a/c/fw.bin");
    redirect(b, "../../../../x", "https://h.example:8070/x");
    redirect(b, "?y=2", "https://h.example:8070/a/b/fw.bin?y=2");
    redirect(b, " /t#frag ", "https://h.example:8070/t");
    redirect("https://h.example", "fw.bin", "https://h.example/fw.bin");
    redirect("https://h.example/", "./", "https://h.example/");
    redirect(b, "https://cdn.example/a/../b", "https://cdn.example/b");
    /* what is refused */
    redirect(b, "http://h.example/fw.bin", NULL);
    redirect(b, "HTTP://h.example/fw.bin", NULL);
    redirect(b, "ftp://h.example/fw.bin", NULL);
    redirect(b, "javascript:alert(1)", NULL);
    redirect(b, "", NULL);
    redirect(b, NULL, NULL);
    redirect(b, "https:/x", NULL);
    redirect(b, "https:///x", NULL);
    redirect(b, "/a b", NULL);
    redirect(b, "/a\r\nX-Injected: 1", NULL);
    char longer[HTTP_URL_MAX + 8];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[0] = '/';
    longer[sizeof(longer) - 1] = '\0';
    redirect(b, longer, NULL);
    char out[HTTP_URL_MAX];
    CHECK(strcmp(http_redirect_resolve(b, "http://x/", out, sizeof(out)),
                 "a redirect to http: is refused: HTTPS only") == 0);
}

static void schedule(void)
{
    update_schedule_t s = {4, 10000, 300000, 21600000};
    /* equal jitter: within [d/2, d] of d = base * 2^(n-1), at most the maximum */
    uint32_t lows[] = {5000, 10000, 20000, 40000, 80000, 150000, 150000};
    for (uint32_t n = 1; n <= 7; n++) {
        uint32_t lo = update_schedule_backoff_ms(&s, n, 0);
        uint32_t hi = update_schedule_backoff_ms(&s, n, UINT32_MAX - 1);
        CHECK(lo == lows[n - 1]);
        CHECK(hi >= lo && hi <= 2 * lows[n - 1]);
        for (uint32_t r = 0; r < 1000; r++) {
            uint32_t w = update_schedule_backoff_ms(&s, n, r * 2654435761u);
            CHECK(w >= lo && w <= 2 * lows[n - 1] && w <= s.retry_max_ms);
        }
    }
    CHECK(update_schedule_backoff_ms(&s, 1000, 7) <= s.retry_max_ms); /* no overflow */
    CHECK(update_schedule_next_check_ms(&s, 0) == s.interval_ms);
    for (uint32_t r = 0; r < 1000; r++) {
        uint32_t w = update_schedule_next_check_ms(&s, r * 2654435761u);
        CHECK(w >= s.interval_ms - s.interval_ms / 10 && w <= s.interval_ms);
    }
    s.interval_ms = 0;
    CHECK(update_schedule_next_check_ms(&s, 12345) == 0);
    /* only a link failure is tried again */
    for (int st = UPDATE_OK; st <= UPDATE_ERROR; st++) {
        CHECK(update_schedule_retry((update_status_t)st) ==
              (st >= UPDATE_LINK_NETWORK && st <= UPDATE_LINK_CUT));
    }
}

static void ranges(void)
{
    uint64_t first = 99, total = 99;
    CHECK(http_content_range("bytes 0-99/100", &first, &total) && first == 0 && total == 100);
    CHECK(http_content_range("  bytes 4096-8191/9000", &first, &total) && first == 4096 &&
          total == 9000);
    const char *bad[] = {"",
                         "bytes */100",
                         "bytes 0-99/*",
                         "bytes 5-4/100",
                         "bytes 0-100/100",
                         "items 0-1/2",
                         "bytes -1/2",
                         "bytes 0-/2",
                         "bytes 0-1/",
                         "bytes 0 -1/2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!http_content_range(bad[i], &first, &total));
    }
    update_outcome_t why = {UPDATE_OK, ""};
    /* from where it stopped, of the image it began with (or of one whose length was unknown) */
    CHECK(http_resume_judge(206, true, 4096, 9000, 4096, 9000, &why) == HTTP_RESUME_AT_OFFSET);
    CHECK(http_resume_judge(206, true, 4096, 9000, 4096, -1, &why) == HTTP_RESUME_AT_OFFSET);
    CHECK(why.status == UPDATE_OK);
    /* a server that ignores Range sends the image again from its start */
    CHECK(http_resume_judge(200, false, 0, 0, 4096, 9000, &why) == HTTP_RESUME_FROM_START);
    /* the wrong bytes, no Content-Range, another image, another status: refused, saying which */
    CHECK(http_resume_judge(206, true, 0, 9000, 4096, 9000, &why) == HTTP_RESUME_REFUSED);
    CHECK(why.status == UPDATE_LINK_HTTP && strstr(why.detail, "206 to Range: bytes=4096-"));
    CHECK(http_resume_judge(206, false, 4096, 9000, 4096, 9000, &why) == HTTP_RESUME_REFUSED);
    CHECK(http_resume_judge(206, true, 4096, 9001, 4096, 9000, &why) == HTTP_RESUME_REFUSED);
    CHECK(strstr(why.detail, "changed length (9001, was 9000)") != NULL);
    CHECK(http_resume_judge(416, false, 0, 0, 4096, 9000, &why) == HTTP_RESUME_REFUSED);
    CHECK(strstr(why.detail, "HTTP status 416") != NULL);
}

static void words(void)
{
    /* one distinct word per status, in the classes its prefix says */
    for (int a = UPDATE_OK; a <= UPDATE_ERROR; a++) {
        const char *w = update_status_word((update_status_t)a);
        CHECK(update_status_is_link((update_status_t)a) == (strncmp(w, "link-", 5) == 0));
        CHECK(update_status_is_rejection((update_status_t)a) == (strncmp(w, "rejected-", 9) == 0));
        CHECK(strchr(w, ' ') == NULL);
        for (int b = UPDATE_OK; b < a; b++) {
            CHECK(strcmp(w, update_status_word((update_status_t)b)) != 0);
        }
    }
    update_outcome_t out;
    CHECK(update_fail(&out, UPDATE_REJECTED_KEY, "this image was not made for %s", "it") ==
          UPDATE_REJECTED_KEY);
    char line[256];
    update_outcome_line(&out, 3, line, sizeof(line));
    CHECK(strcmp(line, "EEI_UPDATE rejected-key attempt=3: this image was not made for it") == 0);
}

int main(void)
{
    versions();
    redirects();
    ranges();
    schedule();
    words();
    return check_summary();
}
