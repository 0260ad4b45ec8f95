/*
 * libesp_enc_img through its public header: errors and versions (lib/error/, lib/engine/version.c):
 * messages, statuses, the version macros held to eei_version() and the project's version. argv[1]:
 * the vectors folder, which every library test takes (none of its files is read here).
 */

#include "lib_fixture.h"

static void test_errors(void)
{
    CHECK(eei_fail(NULL, EEI_ERR_FILE, "nowhere to go") == -1);
    eei_error err = {EEI_OK, ""};
    CHECK(eei_fail(&err, EEI_ERR_FILE, "%s", "why") == -1);
    eei_error_prefix(&err, "what");
    CHECK(err.status == EEI_ERR_FILE && strcmp(err.msg, "what: why") == 0);
    CHECK(strcmp(eei_strerror(EEI_ERR_REJECTED), "image rejected") == 0);
    CHECK(eei_strerror((eei_status)42) != NULL);
    CHECK(strcmp(eei_version(), EEI_EXPECTED_VERSION) == 0);
    CHECK(strcmp(EEI_VERSION_STRING, EEI_EXPECTED_VERSION) == 0);
    char built[32];
    snprintf(built, sizeof(built), "%d.%d.%d", EEI_VERSION_MAJOR, EEI_VERSION_MINOR,
             EEI_VERSION_PATCH);
    CHECK(strcmp(built, EEI_VERSION_STRING) == 0);
    CHECK(EEI_VERSION_NUMBER ==
          EEI_VERSION_MAJOR * 10000 + EEI_VERSION_MINOR * 100 + EEI_VERSION_PATCH);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_errors VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    test_errors();
    return check_summary();
}
