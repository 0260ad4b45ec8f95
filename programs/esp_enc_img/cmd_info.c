/* info IN: what an image's header, or an app binary, says, without a key. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "inspection.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img info IN [--json] [--quiet] [--max-size SIZE]\n"
    "\n"
    "Show what the header of the encrypted image IN says, without a key: scheme (inferred;\n"
    "'unknown' when neither fits), payload size, file size and whether they agree, IV, tag,\n"
    "and for ECIES the server public key, whether it is on the curve, and the KDF salt.\n"
    "Warns about non-zero reserved bytes. IN may be '-'. Nothing is authenticated: use\n"
    "'verify IN KEY' for that (it also shows the app inside).\n"
    "\n"
    "When IN is an app binary (what idf.py builds, signed or not), show its app descriptor\n"
    "(project, version, ESP-IDF version, secure version, chip), its layout (segments, checksum,\n"
    "whether the appended SHA-256 matches) and its Secure Boot V2 signature blocks (scheme, key\n"
    "digest, whether its digest is this app's; the signatures themselves are checked by\n"
    "'verify-signature' against keys).\n"
    "\n"
    "Options:\n"
    "  --json                    one JSON object on stdout (keys in docs/CLI.md)\n" CLI_HELP_QUIET
        CLI_HELP_MAX_SIZE CLI_HELP_VERBOSE_HELP "\n"
    "Exit status: 0 a structurally valid image or app; 1 neither (bad magic, too short, length\n"
    "mismatch, no scheme fits, point not on the curve; an app whose layout, checksum or\n"
    "appended SHA-256 is wrong); 2 usage error; 3 file error.\n";

/* An app binary, first bytes read already (a regular file is read again from its start). */
static int info_app(input_file *in, const uint8_t *first, size_t got, cJSON *json, eei_error *err)
{
    eei_app_scan *scan = NULL;
    uint8_t *buf = malloc(EEI_IO_CHUNK);
    int rc = buf ? 0 : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    rc = rc == 0 && eei_app_scan_new(&scan, err) != EEI_OK ? -1 : rc;
    uint64_t size = 0;
    if (rc == 0 && !in->regular) {
        eei_app_scan_update(scan, first, got);
        size = got;
    }
    /*
     * A file to its end: a signature sector may lie anywhere after the app. A stream until the
     * data is known not to be an app, or past where a device reads the sector (an endless input
     * ends too).
     */
    for (size_t n = 1; rc == 0 && n > 0 && (in->regular || eei_app_scan_wants_more(scan));) {
        rc = input_read(in, buf, EEI_IO_CHUNK, &n, err);
        if (rc == 0) {
            eei_app_scan_update(scan, buf, n);
            size += n;
        }
    }
    eei_app_info app;
    eei_app_info_clear(&app);
    rc = rc == 0 && eei_app_scan_final(scan, NULL, 0, &app, err) != EEI_OK ? -1 : rc;
    eei_app_scan_free(scan);
    free(buf);
    if (rc != 0) {
        return -1;
    }
    if (json) {
        cJSON_AddStringToObject(json, "file", in->name);
        cJSON_AddNumberToObject(json, "file_size", (double)(in->regular ? in->size : size));
        cJSON_AddArrayToObject(json, "warnings");
        cJSON_AddStringToObject(json, "kind", app.layout == EEI_APP_NOT_APP ? "unknown" : "app");
        app_to_json(&app, false, json);
    } else if (app.layout != EEI_APP_NOT_APP) {
        printf("file          %s\n", in->name);
        printf("file size     %llu\n", (unsigned long long)(in->regular ? in->size : size));
        printf("kind          app binary (not encrypted)\n");
        app_print(&app, false, stdout);
    }
    if (app.layout == EEI_APP_NOT_APP) {
        return eei_fail(err, EEI_ERR_REJECTED,
                        "%s: bad magic: neither an encrypted image nor an app binary (0xE9, "
                        "but no app descriptor)",
                        in->name);
    }
    eei_app_info placed = app; /* what else is wrong comes first */
    placed.sig.misplaced = false;
    const char *problem = app_problem(&placed);
    if (problem) {
        return eei_fail(err, EEI_ERR_REJECTED, "%s: app binary: %s", in->name, problem);
    }
    if (app.sig.misplaced) {
        return eei_fail(err, EEI_ERR_REJECTED,
                        "%s: app binary: its signature sector is at byte %llu, but a device reads "
                        "it at byte %llu, after the app's layout (%llu bytes) rounded up to 4096: "
                        "sign the app alone",
                        in->name, (unsigned long long)app.sig.signed_size,
                        (unsigned long long)app.sig.device_offset, (unsigned long long)app.size);
    }
    return 0;
}

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage_of(args, "expected one IN file");
    }
    eei_error err = {EEI_OK, ""};
    input_file in = {.fd = -1};
    eei_inspection ins;
    uint8_t first[EEI_HEADER_SIZE];
    size_t got = 0;
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    /* IN's name as every line shows it: a terminal escape in it is shown, never obeyed */
    char shown[4 * OS_PATH_MAX + 1];
    text_for_display(args->pos[0], shown, sizeof(shown));
    int rc = input_open(&in, args->pos[0], &err);
    if (strcmp(args->pos[0], "-") != 0) {
        in.name = shown;
    }
    if (rc == 0) {
        rc = in.regular ? input_pread(&in, first, sizeof(first), 0, &got, &err)
                        : input_read(&in, first, sizeof(first), &got, &err);
    }
    if (rc == 0 && got > 0 && first[0] == EEI_APP_MAGIC) {
        info_app(&in, first, got, json, &err);
    } else if (rc == 0 && inspect_input(&in, in.regular ? NULL : first, got, &ins, &err) == 0) {
        if (json) {
            inspect_to_json(&ins, in.name, json);
            cJSON_AddStringToObject(json, "kind", "image");
        } else {
            inspect_print(&ins, in.name, stdout);
        }
        inspect_reject(&ins, in.name, &err);
    }
    if (json) { /* what a failure did not get to */
        inspect_json_file(json, &in, shown);
    }
    input_close(&in);
    char line[sizeof(err.msg)]; /* and in what others said of it */
    text_for_display(err.msg, line, sizeof(line));
    memcpy(err.msg, line, sizeof(line));
    return cli_finish(args, json, &err);
}

const cli_command cmd_info = {"info", help, OPT_JSON | OPT_QUIET | OPT_MAX_SIZE, run};
