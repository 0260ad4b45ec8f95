/*
 * A minimal test harness for the C tests: CHECK records a failure and goes on; check_summary
 * ends main, and fails a test that checked nothing.
 */
#ifndef EEI_CHECK_H
#define EEI_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    if (check_passed == 0) {
        fprintf(stderr, "FAIL: no check ran\n");
    }
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
