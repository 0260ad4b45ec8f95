/* What info, verify and decrypt say of an image without a key: read, judged, reported. */
#ifndef EEI_INSPECTION_H
#define EEI_INSPECTION_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "esp_enc_img/esp_enc_img.h"
#include "fileio.h"

/*
 * Read the header and measure the input (a stream is read as far as a verdict needs). A stream
 * whose first bytes were read already passes them as prefix: 512, or fewer when that was all.
 */
int inspect_input(input_file *in, const uint8_t *prefix, size_t prefix_len, eei_inspection *ins,
                  eei_error *err);

/* "name: problem" as a rejection, when there is a problem (without a key: any problem). */
int inspect_reject(const eei_inspection *ins, const char *name, eei_error *err);
/*
 * With a key only what is final rejects before decryption: the magic and the size. What the
 * scheme looks like is the key's to decide, as on the device.
 */
int inspect_reject_keyed(const eei_inspection *ins, const char *name, eei_error *err);

/*
 * Why data starting with head (len bytes) is not an image, when its magic is not the image's:
 * what it looks like instead (empty, ELF, a plain app, MCUboot, random bytes as a flash
 * encryption image). False when the magic is right.
 */
bool inspect_magic_hint(const uint8_t *head, size_t len, char *out, size_t cap);

void inspect_print(const eei_inspection *ins, const char *name, FILE *out);
void inspect_to_json(const eei_inspection *ins, const char *name, cJSON *obj);
/*
 * "file" (IN as given, "stdin" for "-") and, for a regular file that was opened, "file_size",
 * when obj lacks them: a failure came before IN was judged.
 */
void inspect_json_file(cJSON *obj, const input_file *in, const char *path);

/*
 * An app binary (a plain file, or an image's plaintext): its descriptor, layout, appended
 * SHA-256 and signature blocks; with_keys when its blocks were checked against keys.
 */
void app_print(const eei_app_info *app, bool with_keys, FILE *out);
/* As "app" in obj: an object, or null when app is not an app binary. */
void app_to_json(const eei_app_info *app, bool with_keys, cJSON *obj);
/* The blocks as "signature_blocks", and "signature_verified" when with_keys. */
void signature_to_json(const eei_sb_report *sig, bool with_keys, cJSON *obj);
/* The descriptor's texts, safe to print (text_for_display). */
typedef struct {
    char project[4 * EEI_APP_DESC_TEXT_SIZE + 1];
    char version[4 * EEI_APP_DESC_TEXT_SIZE + 1];
    char idf_version[4 * EEI_APP_DESC_TEXT_SIZE + 1];
} app_texts;
void app_texts_of(const eei_app_head *head, app_texts *out);
/* What is wrong with an app a device would refuse, or NULL. */
const char *app_problem(const eei_app_info *app);

/*
 * Why the input named name, starting with head (len bytes: 512, or all there was), is not the
 * app binary encrypt expects (an ELF file, an encrypted image, no app at all), as a warning in
 * out; false when it is an app binary.
 */
bool input_not_an_app(const uint8_t *head, size_t len, const char *name, char *out, size_t cap);

#endif
