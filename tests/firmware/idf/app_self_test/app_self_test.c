/*
 * A self-test that fails: the app it is built into must be rolled back at its first boot, at
 * once (tests/firmware/test_emulator.sh).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* main/self_test.h: a component cannot require main, so the prototype is repeated here */
bool eei_app_self_test(char *why, size_t why_len);

bool eei_app_self_test(char *why, size_t why_len)
{
    snprintf(why, why_len, "the application's own test: its sensor does not answer");
    return false;
}
