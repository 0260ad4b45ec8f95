#include "inspection.h"

#include <stdlib.h>
#include <string.h>

#include "json_out.h"

int inspect_input(input_file *in, eei_inspection *ins, eei_error *err)
{
    uint8_t header[EEI_HEADER_SIZE] = {0};
    size_t got = 0;
    uint64_t size;
    if (in->regular) {
        if (input_pread(in, header, sizeof(header), 0, &got, err) != 0) {
            return -1;
        }
        size = in->size;
    } else {
        if (input_read(in, header, sizeof(header), &got, err) != 0) {
            return -1;
        }
        size = got;
        /*
         * A stream is measured by reading it, but only as far as a verdict needs: a bad magic is
         * final at once, and one byte past the declared length is trailing data (an endless
         * input such as /dev/zero ends here too).
         */
        uint64_t enough = got == sizeof(header) ? eei_inspect_bytes_needed(header) : size;
        uint8_t *buf = malloc(EEI_IO_CHUNK);
        if (!buf) {
            return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        }
        for (size_t n = got == sizeof(header); n > 0 && size < enough;) {
            uint64_t want = enough - size < EEI_IO_CHUNK ? enough - size : EEI_IO_CHUNK;
            if (input_read(in, buf, (size_t)want, &n, err) != 0) {
                free(buf);
                return -1;
            }
            size += n;
        }
        free(buf);
    }
    eei_inspect(header, got, size, ins);
    return 0;
}

int inspect_reject(const eei_inspection *ins, const char *name, eei_error *err)
{
    if (!ins->problem) {
        return 0;
    }
    return eei_fail(err, EEI_ERR_REJECTED, "%s: %s", name, ins->problem);
}

int inspect_reject_keyed(const eei_inspection *ins, const char *name, eei_error *err)
{
    if (ins->verdict == EEI_FMT_OK) {
        return 0;
    }
    return eei_fail(err, EEI_ERR_REJECTED, "%s: %s", name, eei_format_strerror(ins->verdict));
}

static const char *size_note(const eei_inspection *ins)
{
    switch (ins->verdict) {
    case EEI_FMT_TRUNCATED:
        return "shorter than the header says";
    case EEI_FMT_TRAILING:
        return "longer than the header says";
    default:
        return "matches the header";
    }
}

void inspect_print(const eei_inspection *ins, const char *name, FILE *out)
{
    char hex[2 * EEI_ECIES_POINT_SIZE + 3];
    fprintf(out, "file          %s\n", name);
    if (!ins->header_read || ins->verdict == EEI_FMT_BAD_MAGIC) {
        fprintf(out, "file size     %llu\n", (unsigned long long)ins->image_size);
        return;
    }
    const eei_header *h = &ins->header;
    fprintf(out, "scheme        %s (%s: %s)\n", eei_scheme_name(ins->scheme),
            ins->scheme_sure ? "inferred" : "inferred, not sure", ins->scheme_basis);
    fprintf(out, "payload size  %u\n", (unsigned)h->payload_len);
    fprintf(out, "file size     %llu (%s)\n", (unsigned long long)ins->image_size, size_note(ins));
    hex_encode(h->iv, sizeof(h->iv), hex);
    fprintf(out, "iv            %s\n", hex);
    hex_encode(h->tag, sizeof(h->tag), hex);
    fprintf(out, "auth tag      %s\n", hex);
    if (ins->scheme == EEI_SCHEME_ECIES_P256) {
        hex[0] = '0';
        hex[1] = '4';
        hex_encode(eei_header_ecies_point(h), EEI_ECIES_POINT_SIZE, hex + 2);
        fprintf(out, "server key    %s (on the curve)\n", hex);
        hex_encode(eei_header_ecies_salt(h), EEI_ECIES_SALT_SIZE, hex);
        fprintf(out, "kdf salt      %s\n", hex);
    }
    if (!ins->reserved_zero) {
        fprintf(out, "warning: reserved header bytes are not zero (not authenticated; the "
                     "device ignores them)\n");
    }
}

void inspect_to_json(const eei_inspection *ins, const char *name, cJSON *obj)
{
    cJSON_AddStringToObject(obj, "file", name);
    cJSON_AddNumberToObject(obj, "file_size", (double)ins->image_size);
    cJSON *warnings = cJSON_AddArrayToObject(obj, "warnings");
    if (!ins->header_read || ins->verdict == EEI_FMT_BAD_MAGIC) {
        return;
    }
    const eei_header *h = &ins->header;
    cJSON_AddStringToObject(obj, "scheme", eei_scheme_name(ins->scheme));
    cJSON_AddBoolToObject(obj, "scheme_sure", ins->scheme_sure);
    cJSON_AddStringToObject(obj, "scheme_basis", ins->scheme_basis);
    cJSON_AddNumberToObject(obj, "payload_size", (double)h->payload_len);
    cJSON_AddBoolToObject(obj, "size_matches", ins->verdict == EEI_FMT_OK);
    json_add_hex(obj, "iv", h->iv, sizeof(h->iv));
    json_add_hex(obj, "auth_tag", h->tag, sizeof(h->tag));
    if (ins->scheme == EEI_SCHEME_ECIES_P256) {
        uint8_t point[1 + EEI_ECIES_POINT_SIZE] = {0x04};
        memcpy(point + 1, eei_header_ecies_point(h), EEI_ECIES_POINT_SIZE);
        json_add_hex(obj, "server_public_key", point, sizeof(point));
        cJSON_AddBoolToObject(obj, "server_key_on_curve", ins->on_curve);
        json_add_hex(obj, "kdf_salt", eei_header_ecies_salt(h), EEI_ECIES_SALT_SIZE);
    }
    cJSON_AddBoolToObject(obj, "reserved_zero", ins->reserved_zero);
    if (!ins->reserved_zero) {
        cJSON_AddItemToArray(warnings, cJSON_CreateString("reserved header bytes are not zero"));
    }
    if (!ins->scheme_sure) {
        cJSON_AddItemToArray(warnings,
                             cJSON_CreateString("the key block's ignored bytes are not zero"));
    }
}
