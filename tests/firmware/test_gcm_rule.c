/*
 * The chip's GCM rule in the host build: ESP32 hardware GCM needs every update but the last to
 * be whole 16-byte blocks, and the host's GCM path refuses anything else by aborting, so no
 * host test can pass what the chip would decrypt to garbage. Each case runs in a child.
 */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eei_dev_crypto.h"

typedef void (*scenario)(void *g, uint8_t *buf);

static const eei_core_crypto *const dev = &eei_device_crypto;

static void whole_blocks(void *g, uint8_t *buf)
{
    exit(dev->gcm_update(g, buf, 32, buf, false) == EEI_CC_OK &&
                 dev->gcm_update(g, buf, 7, buf, true) == EEI_CC_OK
             ? 0
             : 1);
}

static void partial_then_more(void *g, uint8_t *buf)
{
    dev->gcm_update(g, buf, 7, buf, false); /* must not return */
    exit(0);
}

static void after_last(void *g, uint8_t *buf)
{
    dev->gcm_update(g, buf, 7, buf, true);
    dev->gcm_update(g, buf, 16, buf, false); /* must not return */
    exit(0);
}

/* The child's fate: 0 for a clean exit 0, else the signal that ended it (or -1). */
static int in_child(scenario s)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        static const uint8_t key[EEI_AES_KEY_SIZE] = {1}, iv[EEI_IV_SIZE] = {2};
        uint8_t buf[64] = {0};
        void *g = NULL;
        if (eei_dev_init() != EEI_CC_OK || dev->gcm_start(&g, key, iv) != EEI_CC_OK) {
            exit(3);
        }
        if (!freopen("/dev/null", "w", stderr)) { /* the expected complaint */
            exit(5);
        }
        s(g, buf);
        exit(4);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        return WTERMSIG(status);
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(void)
{
    CHECK(in_child(whole_blocks) == 0);
    CHECK(in_child(partial_then_more) == SIGABRT);
    CHECK(in_child(after_last) == SIGABRT);
    return check_summary();
}
