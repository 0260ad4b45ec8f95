/* Fuzz target: what info and verify do without a key, from the file they read. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
    }
    int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    input_file in;
    inspection ins;
    eei_error err;
    if (input_open(&in, path, &err) == 0) {
        if (inspect_input(&in, &ins, &err) == 0) {
            inspect_print(&ins, "fuzz", sink);
            cJSON *json = cJSON_CreateObject();
            inspect_to_json(&ins, "fuzz", json);
            char *text = cJSON_PrintUnformatted(json);
            cJSON_free(text);
            cJSON_Delete(json);
            (void)inspect_reject(&ins, "fuzz", &err);
        }
        input_close(&in);
    }
    close(fd);
    return 0;
}
