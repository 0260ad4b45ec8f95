/* info IN: what the header says, without a key. */
#include <cjson/cJSON.h>

#include "cli.h"
#include "inspection.h"
#include "json_out.h"

static const char help[] =
    "Usage: esp_enc_img info IN [--json]\n"
    "\n"
    "Show what the header of the encrypted image IN says, without a key: scheme (inferred;\n"
    "'unknown' when neither fits), payload size, file size and whether they agree, IV, tag,\n"
    "and for ECIES the server public key, whether it is on the curve, and the KDF salt.\n"
    "Warns about non-zero reserved bytes. IN may be '-'. Nothing is authenticated: use\n"
    "'verify IN KEY' for that.\n"
    "\n"
    "Options:\n"
    "  --json          one JSON object on stdout (keys in docs/CLI.md)\n"
    "  -v, --verbose   print the crypto library's errors\n"
    "  -h, --help      this text\n"
    "\n"
    "Exit status: 0 a structurally valid image; 1 not a valid image (bad magic, too short,\n"
    "length mismatch, no scheme fits, point not on the curve); 2 usage error; 3 file error.\n";

static int run(const cli_args *args)
{
    if (args->npos != 1) {
        return cli_usage(args->cmd, "expected one IN file");
    }
    eei_error err = {EEI_OK, ""};
    input_file in = {.fd = -1};
    eei_inspection ins;
    cJSON *json = args->json ? cJSON_CreateObject() : NULL;
    if (input_open(&in, args->pos[0], &err) == 0 && inspect_input(&in, &ins, &err) == 0) {
        if (json) {
            inspect_to_json(&ins, in.name, json);
        } else {
            inspect_print(&ins, in.name, stdout);
        }
        inspect_reject(&ins, in.name, &err);
    }
    input_close(&in);
    return json ? json_finish(json, &err, args->verbose) : cli_report(&err, args->verbose);
}

const cli_command cmd_info = {"info", help, OPT_JSON, run};
