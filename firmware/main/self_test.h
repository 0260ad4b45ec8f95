/*
 * A new app's proof that it works, run once on an app still pending verification: when it
 * passes the app confirms itself; when it fails, or gives no answer within its timeout, the app
 * is marked invalid and the device restarts into the previous app at once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The test itself. Replace it by defining this function in your application (in main/, or in a
 * component registered with WHOLE_ARCHIVE, so that the linker takes it over this one): return
 * true to keep the app, or false with a line in why. It runs in a task of its own, with the
 * network up (or given up on), before any update. The default checks that the update server
 * answers: the update URL gives a 200 over TLS, redirects followed.
 */
bool eei_app_self_test(char *why, size_t why_len);

typedef enum {
    SELF_TEST_PASS,
    SELF_TEST_FAIL,
    SELF_TEST_TIMEOUT,
} self_test_result_t;

/* Run eei_app_self_test() in its own task; why gets its line (or the timeout's). */
self_test_result_t self_test_run(uint32_t timeout_ms, char *why, size_t why_len);
