#include "inspection.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"

/* The first bytes of an ELF file (the .elf of a build, where its .bin is wanted). */
static const char elf_magic[4] = {0x7f, 'E', 'L', 'F'};

int inspect_input(input_file *in, const uint8_t *prefix, size_t prefix_len, eei_inspection *ins,
                  eei_error *err)
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
        if (prefix) { /* what was read already: a short prefix is the whole stream */
            got = prefix_len < sizeof(header) ? prefix_len : sizeof(header);
            memcpy(header, prefix, got);
        } else if (input_read(in, header, sizeof(header), &got, err) != 0) {
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
    if (!ins->header_read && got >= 4 && eei_le32_get(header) != EEI_MAGIC) {
        /* shorter than a header, but its first word already says it is none: keep the bytes */
        ins->verdict = EEI_FMT_BAD_MAGIC;
        ins->problem = eei_format_strerror(EEI_FMT_BAD_MAGIC);
        ins->header.magic = eei_le32_get(header);
        memcpy(ins->header.key_block, header + 4,
               got - 4 < EEI_KEY_BLOCK_SIZE ? got - 4 : EEI_KEY_BLOCK_SIZE);
    }
    return 0;
}

/* Bytes that look random: most byte values turn up in the first few hundred bytes. */
static bool looks_random(const uint8_t *data, size_t len)
{
    bool seen[256] = {false};
    unsigned distinct = 0;
    for (size_t i = 0; i < len; i++) {
        distinct += !seen[data[i]];
        seen[data[i]] = true;
    }
    return len >= 256 && distinct >= 160;
}

bool inspect_magic_hint(const uint8_t *head, size_t len, char *out, size_t cap)
{
    static const uint8_t mcuboot[4] = {0x3d, 0xb8, 0xf3, 0x96}; /* 0x96f3b83d, little-endian */
    uint32_t magic = len >= 4 ? eei_le32_get(head) : 0;
    if ((len >= 4 && magic == EEI_MAGIC) || (len > 0 && len < 4)) {
        return false; /* an image, or too short to tell: truncated */
    }
    if (len == 0) {
        snprintf(out, cap, "it is empty");
    } else if (len >= sizeof(elf_magic) && memcmp(head, elf_magic, sizeof(elf_magic)) == 0) {
        snprintf(out, cap, "it is an ELF file, not an encrypted image");
    } else if (head[0] == EEI_APP_MAGIC) {
        snprintf(out, cap,
                 "it is a plain app binary (0xE9), not an encrypted image: there is nothing to "
                 "decrypt ('esp_enc_img info' shows what the app says)");
    } else if (len >= 4 && memcmp(head, mcuboot, sizeof(mcuboot)) == 0) {
        snprintf(out, cap,
                 "it is an MCUboot image (magic 0x96f3b83d), not an esp_encrypted_img image");
    } else if (looks_random(head, len)) {
        snprintf(out, cap,
                 "bad magic 0x%08x (an image starts with 0x%08x), and the bytes look random: if "
                 "it is a flash encryption image ('espsecure encrypt-flash-data'), only the "
                 "chip's flash encryption key decrypts it, not an esp_encrypted_img key",
                 (unsigned)magic, (unsigned)EEI_MAGIC);
    } else {
        snprintf(out, cap,
                 "bad magic 0x%08x: not an esp_encrypted_img image (it starts with 0x%08x)",
                 (unsigned)magic, (unsigned)EEI_MAGIC);
    }
    return true;
}

/* An input's first bytes, as far as the inspection kept them: the magic and the key block. */
static bool ins_magic_hint(const eei_inspection *ins, char *out, size_t cap)
{
    uint8_t head[4 + EEI_KEY_BLOCK_SIZE];
    if (ins->verdict != EEI_FMT_BAD_MAGIC) {
        return false;
    }
    eei_le32_put(head, ins->header.magic);
    memcpy(head + 4, ins->header.key_block, EEI_KEY_BLOCK_SIZE);
    return inspect_magic_hint(head, sizeof(head), out, cap);
}

static int reject(const eei_inspection *ins, const char *name, const char *problem, eei_error *err)
{
    char hint[sizeof(err->msg)];
    if (ins_magic_hint(ins, hint, sizeof(hint))) {
        problem = hint;
    }
    char shown[OS_PATH_MAX];
    text_for_display(name, shown, sizeof(shown));
    return eei_fail(err, EEI_ERR_REJECTED, "%s: %s", shown, problem);
}

int inspect_reject(const eei_inspection *ins, const char *name, eei_error *err)
{
    if (!ins->problem) {
        return 0;
    }
    return reject(ins, name, ins->problem, err);
}

int inspect_reject_keyed(const eei_inspection *ins, const char *name, eei_error *err)
{
    if (ins->verdict == EEI_FMT_OK) {
        return 0;
    }
    return reject(ins, name, eei_format_strerror(ins->verdict), err);
}

void inspect_json_file(cJSON *obj, const input_file *in, const char *path)
{
    if (!cJSON_HasObjectItem(obj, "file")) {
        cJSON_AddStringToObject(obj, "file",
                                in->name                 ? in->name
                                : strcmp(path, "-") == 0 ? "stdin"
                                                         : path);
    }
    if (!cJSON_HasObjectItem(obj, "file_size") && in->regular) {
        cJSON_AddNumberToObject(obj, "file_size", (double)in->size);
    }
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

const char *app_problem(const eei_app_info *app)
{
    if (app->layout != EEI_APP_OK) {
        return eei_app_strerror(app->layout);
    }
    if (app->head.hash_appended && !app->hash_matches) {
        return "its appended SHA-256 does not match (a device refuses it)";
    }
    if (app->sig.misplaced) {
        return "its signature sector is not where a device reads it, after the app's layout (a "
               "device with Secure Boot refuses it)";
    }
    return NULL;
}

bool input_not_an_app(const uint8_t *head, size_t len, const char *name, char *out, size_t cap)
{
    static const char build_bin[] =
        "encrypt the .bin that idf.py build writes (build/<project>.bin)";
    eei_inspection image;
    eei_app_head app;
    eei_inspect(head, len, len, &image); /* only the start of the input: its size is not known */
    if (len >= sizeof(elf_magic) && memcmp(head, elf_magic, sizeof(elf_magic)) == 0) {
        snprintf(out, cap, "%s is an ELF file; %s, not the .elf", name, build_bin);
    } else if (image.header_read && image.verdict != EEI_FMT_BAD_MAGIC) {
        snprintf(out, cap,
                 "%s is an encrypted image already (%s, %u payload bytes): a device would "
                 "decrypt it to that image, not to an app; %s",
                 name, eei_scheme_name(image.scheme), (unsigned)image.header.payload_len,
                 build_bin);
    } else if (len >= EEI_APP_HEAD_SIZE && eei_app_head_parse(head, &app)) {
        return false;
    } else {
        snprintf(out, cap, "%s is not an ESP app binary (%s): a device's update expects one; %s",
                 name,
                 len == 0                   ? "it is empty"
                 : head[0] != EEI_APP_MAGIC ? "no 0xE9 magic byte"
                                            : "0xE9, but no app descriptor",
                 build_bin);
    }
    return true;
}

void app_texts_of(const eei_app_head *head, app_texts *out)
{
    text_for_display(head->project, out->project, sizeof(out->project));
    text_for_display(head->version, out->version, sizeof(out->version));
    text_for_display(head->idf_version, out->idf_version, sizeof(out->idf_version));
}

void app_print(const eei_app_info *app, bool with_keys, FILE *out)
{
    const eei_app_head *h = &app->head;
    const char *chip = eei_app_chip_name(h->chip_id);
    app_texts t;
    app_texts_of(h, &t);
    fprintf(out, "project       %s\n", t.project);
    fprintf(out, "version       %s\n", t.version);
    fprintf(out, "ESP-IDF       %s\n", t.idf_version);
    fprintf(out, "secure ver.   %u\n", (unsigned)h->secure_version);
    fprintf(out, "chip          %s (chip id %u)\n", chip ? chip : "unknown", (unsigned)h->chip_id);
    fprintf(out, "segments      %u\n", (unsigned)h->segments);
    if (app->layout == EEI_APP_OK) {
        fprintf(out, "layout        ok, %llu bytes\n", (unsigned long long)app->size);
    } else {
        fprintf(out, "layout        %s\n", eei_app_strerror(app->layout));
    }
    fprintf(out, "sha256        %s\n",
            !h->hash_appended           ? "none appended"
            : app->layout != EEI_APP_OK ? "appended, not checked"
            : app->hash_matches         ? "appended, matches"
                                        : "appended, DOES NOT MATCH");
    const eei_sb_report *sig = &app->sig;
    if (sig->misplaced) {
        fprintf(out,
                "signature     %u block%s at byte %llu, NOT where a device reads them (at byte "
                "%llu, after the app's layout)\n",
                sig->count, sig->count == 1 ? "" : "s", (unsigned long long)sig->signed_size,
                (unsigned long long)sig->device_offset);
    } else if (!app->signature_sector) {
        fprintf(out, "signature     none (no Secure Boot V2 signature sector)\n");
        return;
    } else {
        fprintf(out, "signature     %u block%s at byte %llu, where a device reads them\n",
                sig->count, sig->count == 1 ? "" : "s", (unsigned long long)sig->signed_size);
    }
    for (unsigned i = 0; i < app->sig.count; i++) {
        const eei_sb_block_info *b = &app->sig.blocks[i];
        if (b->state != EEI_SB_OK) {
            fprintf(out, "  block %u     unreadable: %s\n", i, eei_sb_strerror(b->state));
            continue;
        }
        char hex[2 * EEI_SHA256_SIZE + 1];
        hex_encode(b->key_digest, EEI_SHA256_SIZE, hex);
        fprintf(out, "  block %u     %s, key digest %s, %s%s\n", i,
                eei_sb_scheme_name(b->version, b->curve), hex,
                sig->misplaced      ? "does not cover this app (a device never reads it)"
                : b->digest_matches ? "covers this app"
                                    : "covers another app",
                !with_keys            ? ""
                : b->verified_by >= 0 ? ", verified"
                                      : ", not verified by the keys given");
    }
}

void signature_to_json(const eei_sb_report *sig, bool with_keys, cJSON *obj)
{
    cJSON *blocks = cJSON_AddArrayToObject(obj, "signature_blocks");
    bool verified = false;
    for (unsigned i = 0; i < sig->count; i++) {
        const eei_sb_block_info *b = &sig->blocks[i];
        cJSON *o = cJSON_CreateObject();
        if (with_keys) {
            cJSON_AddBoolToObject(o, "verified", b->verified_by >= 0);
        }
        if (b->state == EEI_SB_OK) {
            cJSON_AddStringToObject(o, "scheme", eei_sb_scheme_name(b->version, b->curve));
            json_add_hex(o, "key_digest", b->key_digest, EEI_SHA256_SIZE);
            cJSON_AddBoolToObject(o, "digest_matches", b->digest_matches);
        } else {
            cJSON_AddStringToObject(o, "problem", eei_sb_strerror(b->state));
        }
        cJSON_AddItemToArray(blocks, o);
        verified |= b->verified_by >= 0;
    }
    if (with_keys) {
        cJSON_AddBoolToObject(obj, "signature_verified", verified);
    }
}

void app_to_json(const eei_app_info *app, bool with_keys, cJSON *obj)
{
    if (app->layout == EEI_APP_NOT_APP) {
        cJSON_AddNullToObject(obj, "app");
        return;
    }
    const eei_app_head *h = &app->head;
    const char *chip = eei_app_chip_name(h->chip_id);
    app_texts t;
    app_texts_of(h, &t);
    cJSON *o = cJSON_AddObjectToObject(obj, "app");
    cJSON_AddStringToObject(o, "project", t.project);
    cJSON_AddStringToObject(o, "version", t.version);
    cJSON_AddStringToObject(o, "idf_version", t.idf_version);
    cJSON_AddNumberToObject(o, "secure_version", h->secure_version);
    cJSON_AddNumberToObject(o, "chip_id", h->chip_id);
    if (chip) {
        cJSON_AddStringToObject(o, "chip", chip);
    } else {
        cJSON_AddNullToObject(o, "chip");
    }
    cJSON_AddNumberToObject(o, "segments", h->segments);
    cJSON_AddBoolToObject(o, "layout_ok", app->layout == EEI_APP_OK);
    cJSON_AddStringToObject(o, "layout", eei_app_strerror(app->layout));
    cJSON_AddNumberToObject(o, "size", (double)app->size);
    cJSON_AddBoolToObject(o, "sha256_appended", h->hash_appended);
    cJSON_AddBoolToObject(o, "sha256_matches", app->hash_matches);
    cJSON_AddBoolToObject(o, "signed", app->signature_sector);
    /* where a device reads the sector; where one is, when there is one (there, or misplaced) */
    if (app->sig.place == EEI_SB_AFTER_APP) {
        cJSON_AddNumberToObject(o, "device_offset", (double)app->sig.device_offset);
    } else {
        cJSON_AddNullToObject(o, "device_offset");
    }
    if (app->signature_sector || app->sig.misplaced) {
        cJSON_AddNumberToObject(o, "sector_offset", (double)app->sig.signed_size);
    } else {
        cJSON_AddNullToObject(o, "sector_offset");
    }
    signature_to_json(&app->sig, with_keys, o);
}
