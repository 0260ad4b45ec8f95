/* The CLI's machine-readable output: one JSON object per command on stdout. */
#ifndef EEI_JSON_OUT_H
#define EEI_JSON_OUT_H

#include <cjson/cJSON.h>

#include "json_text.h"

/*
 * The keys docs/CLI.md says the JSON of command cmd always has that obj lacks, because a
 * failure stopped the command before it set them: null ("warnings": an empty array,
 * "verified": false).
 */
void json_add_missing(cJSON *obj, const char *cmd);

/* Add "ok" (false when error is not NULL, with "error"), print obj as one line on stdout, free it.
 */
void json_print(cJSON *obj, const char *error);

#endif
