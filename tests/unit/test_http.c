/* Unit tests of the server's HTTP parsing: request heads, safe paths, byte ranges. */
#include "check.h"

#include "http.h"

static http_request parse(const char *head)
{
    http_request r;
    http_parse_request(head, strlen(head), &r);
    return r;
}

static void test_requests(void)
{
    http_request r = parse("GET /a/b.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(r.status == 0 && strcmp(r.path, "a/b.bin") == 0 && !r.head && r.keep_alive);
    r = parse("HEAD /x HTTP/1.0\r\n\r\n");
    CHECK(r.status == 0 && r.head && !r.keep_alive);
    r = parse("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(!r.keep_alive);
    r = parse("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(r.keep_alive);
    CHECK(parse("POST /x HTTP/1.1\r\n\r\n").status == 405);
    CHECK(parse("BREW /x HTTP/1.1\r\n\r\n").status == 405);
    CHECK(parse("GET /x\r\n\r\n").status == 400);
    CHECK(parse("GET /x SPDY/3\r\n\r\n").status == 400);
    CHECK(parse("GET /x HTTP/1.1\r\nno colon here\r\n\r\n").status == 400);
    CHECK(parse("\r\n\r\n").status == 400);
    /* two Range headers, or a NUL anywhere in the head, are refused whole */
    CHECK(parse("GET /x HTTP/1.1\r\nRange: bytes=0-9\r\nRange: bytes=5-1\r\n\r\n").status == 400);
    http_request nul;
    static const char with_nul[] = "GET /x HTTP/1.1\r\nRange: bytes=101-40\0\0095\r\n\r\n";
    http_parse_request(with_nul, sizeof(with_nul) - 1, &nul);
    CHECK(nul.status == 400 && !nul.has_range);
    /* a malformed range leaves no half-set fields */
    http_request r2 = parse("GET /x HTTP/1.1\r\nRange: bytes=50-10\r\n\r\n");
    CHECK(r2.status == 0 && !r2.has_range && r2.range_first == 0);
    char big[HTTP_MAX_HEADER + 10];
    memset(big, 'a', sizeof(big));
    http_request h;
    http_parse_request(big, sizeof(big), &h);
    CHECK(h.status == 431);
}

static void test_paths(void)
{
    CHECK(strcmp(parse("GET /a/./b//c HTTP/1.1\r\n\r\n").path, "a/b/c") == 0);
    CHECK(strcmp(parse("GET /a%20b.bin?x=1#f HTTP/1.1\r\n\r\n").path, "a b.bin") == 0);
    CHECK(strcmp(parse("GET / HTTP/1.1\r\n\r\n").path, "") == 0);
    CHECK(parse("GET /../etc/passwd HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a/../../b HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a/.. HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /%2e%2e/b HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a%2fb HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a%00b HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a%zz HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a%4 HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET /a\\..\\b HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET http://host/x HTTP/1.1\r\n\r\n").status == 400);
    CHECK(parse("GET * HTTP/1.1\r\n\r\n").status == 400);
    /* ".." inside a name is just a name */
    CHECK(strcmp(parse("GET /a..b HTTP/1.1\r\n\r\n").path, "a..b") == 0);
}

static void test_ranges(void)
{
    uint64_t first, last;
    http_request r = parse("GET /x HTTP/1.1\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 200 && first == 0 && last == 99);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=10-19\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 206 && first == 10 && last == 19);
    r = parse("GET /x HTTP/1.1\r\nrange: bytes=90-\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 206 && first == 90 && last == 99);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=90-1000\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 206 && last == 99);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=-10\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 206 && first == 90 && last == 99);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=-1000\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 206 && first == 0);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=100-\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 416);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=-0\r\n\r\n");
    CHECK(http_resolve_range(&r, 100, &first, &last) == 416);
    r = parse("GET /x HTTP/1.1\r\nRange: bytes=0-0\r\n\r\n");
    CHECK(http_resolve_range(&r, 0, &first, &last) == 416);
    /* malformed or multiple ranges are ignored: the whole file */
    const char *ignored[] = {"bytes=20-10",   "bytes=a-b", "items=1-2",
                             "bytes=1-2,4-5", "bytes=5",   "bytes=1-2x"};
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        char head[128];
        snprintf(head, sizeof(head), "GET /x HTTP/1.1\r\nRange: %s\r\n\r\n", ignored[i]);
        r = parse(head);
        CHECK(!r.has_range && http_resolve_range(&r, 100, &first, &last) == 200);
    }
}

static void test_helpers(void)
{
    CHECK(http_head_end("GET / HTTP/1.1\r\n\r\nrest", 22) == 18);
    CHECK(http_head_end("GET / HTTP/1.1\r\n", 16) == 0);
    CHECK(strcmp(http_reason(206), "Partial Content") == 0);
    CHECK(strcmp(http_reason(416), "Range Not Satisfiable") == 0);
    CHECK(strcmp(http_reason(999), "Internal Server Error") == 0);
}

int main(void)
{
    test_requests();
    test_paths();
    test_ranges();
    test_helpers();
    return check_summary();
}
