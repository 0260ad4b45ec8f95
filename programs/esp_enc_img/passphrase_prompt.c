#include "passphrase_prompt.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "json_text.h"
#include "os.h"

bool passphrase_prompt_possible(void)
{
    return os_isatty(0);
}

int passphrase_prompt(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    (void)ctx;
    char shown[OS_PATH_MAX], prompt[OS_PATH_MAX + 32];
    text_for_display(key_name, shown, sizeof(shown)); /* a path cannot drive the terminal */
    snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", shown);
    if (size < 2) {
        return eei_fail(err, EEI_ERR_SYSTEM, "no room for a passphrase");
    }
    /* read into more room than the key takes: a longer line gets its own message, not a failure */
    char typed[4096]; /* a terminal's line is at most 4095 characters */
    size_t max = size - 1;
    int rc = EVP_read_pw_string(typed, (int)sizeof(typed) - 1, prompt, 0);
    size_t len = rc == 0 ? strlen(typed) : 0;
    if (rc == 0 && len <= max) {
        memcpy(buf, typed, len + 1);
    }
    OPENSSL_cleanse(typed, sizeof(typed));
    if (rc != 0) {
        return eei_fail(err, EEI_ERR_KEY, "no passphrase read from the terminal");
    }
    if (len > max) {
        return eei_fail(err, EEI_ERR_KEY,
                        "the passphrase typed is %zu bytes long, more than the %zu this tool "
                        "takes",
                        len, max);
    }
    if (!buf[0]) {
        return eei_fail(err, EEI_ERR_KEY,
                        "no passphrase typed: type it at the prompt, give --passphrase-file FILE "
                        "or set ESP_ENC_IMG_PASSPHRASE");
    }
    return 0;
}
