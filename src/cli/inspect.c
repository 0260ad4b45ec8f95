#include "cli/inspect.h"

#include <stdlib.h>
#include <string.h>

#include "cli/json_out.h"
#include "crypto/crypto.h"

/* The scheme, and how sure: the ECIES layout is a point on P-256 then the salt then zeros. */
static void infer_scheme(inspection *ins)
{
    const eei_header *h = &ins->header;
    bool zeros = eei_header_scheme(h) != EEI_SCHEME_RSA3072; /* the 288 bytes after the salt */
    ins->on_curve = crypto_p256_point_on_curve(eei_header_ecies_point(h));
    ins->scheme_sure = true;
    if (ins->on_curve && zeros) {
        ins->scheme = EEI_SCHEME_ECIES_P256;
        ins->scheme_basis = "a point on P-256, a salt, then zeros";
    } else if (ins->on_curve) {
        ins->scheme = EEI_SCHEME_ECIES_P256;
        ins->scheme_sure = false;
        ins->scheme_basis = "a point on P-256, but the 288 bytes after the salt (which the device "
                            "ignores) are not zero";
    } else if (!zeros) {
        ins->scheme = EEI_SCHEME_RSA3072;
        ins->scheme_basis = "no point on P-256, and 384 bytes of ciphertext";
    } else {
        ins->scheme = EEI_SCHEME_UNKNOWN;
        ins->scheme_basis = "zeros after the salt, but no point on P-256";
    }
}

void inspect_header(const uint8_t header[EEI_HEADER_SIZE], uint64_t file_size, inspection *ins)
{
    memset(ins, 0, sizeof(*ins));
    ins->file_size = file_size;
    ins->verdict = eei_header_decode(
        header, file_size < EEI_HEADER_SIZE ? (size_t)file_size : EEI_HEADER_SIZE, &ins->header);
    ins->header_read = ins->verdict != EEI_FMT_SHORT;
    if (!ins->header_read) {
        ins->problem = eei_format_strerror(ins->verdict);
        return;
    }
    infer_scheme(ins);
    ins->reserved_zero = eei_header_reserved_clear(&ins->header);
    if (ins->verdict == EEI_FMT_OK) {
        ins->verdict = eei_header_check_size(&ins->header, file_size);
    }
    if (ins->verdict != EEI_FMT_OK) {
        ins->problem = eei_format_strerror(ins->verdict);
    } else if (ins->scheme == EEI_SCHEME_UNKNOWN) {
        ins->problem = "the key block fits neither scheme";
    }
}

int inspect_input(input_file *in, inspection *ins, eei_error *err)
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
        uint64_t enough = UINT64_MAX;
        if (got == sizeof(header)) {
            enough =
                eei_le32_get(header) == EEI_MAGIC
                    ? EEI_HEADER_SIZE + (uint64_t)eei_le32_get(header + EEI_OFF_PAYLOAD_LEN) + 1
                    : size;
        }
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
    inspect_header(header, size, ins);
    return 0;
}

int inspect_reject(const inspection *ins, const char *name, eei_error *err)
{
    if (!ins->problem) {
        return 0;
    }
    return eei_fail(err, EEI_ERR_REJECTED, "%s: %s", name, ins->problem);
}

int inspect_reject_keyed(const inspection *ins, const char *name, eei_error *err)
{
    if (ins->verdict == EEI_FMT_OK) {
        return 0;
    }
    return eei_fail(err, EEI_ERR_REJECTED, "%s: %s", name, eei_format_strerror(ins->verdict));
}

static const char *size_note(const inspection *ins)
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

void inspect_print(const inspection *ins, const char *name, FILE *out)
{
    char hex[2 * EEI_ECIES_POINT_SIZE + 3];
    fprintf(out, "file          %s\n", name);
    if (!ins->header_read || ins->verdict == EEI_FMT_BAD_MAGIC) {
        fprintf(out, "file size     %llu\n", (unsigned long long)ins->file_size);
        return;
    }
    const eei_header *h = &ins->header;
    fprintf(out, "scheme        %s (%s: %s)\n", eei_scheme_name(ins->scheme),
            ins->scheme_sure ? "inferred" : "inferred, not sure", ins->scheme_basis);
    fprintf(out, "payload size  %u\n", (unsigned)h->payload_len);
    fprintf(out, "file size     %llu (%s)\n", (unsigned long long)ins->file_size, size_note(ins));
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

void inspect_to_json(const inspection *ins, const char *name, cJSON *obj)
{
    cJSON_AddStringToObject(obj, "file", name);
    cJSON_AddNumberToObject(obj, "file_size", (double)ins->file_size);
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
