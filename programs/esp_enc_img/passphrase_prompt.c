#include "passphrase_prompt.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "json_out.h"

bool passphrase_prompt_possible(void)
{
    return isatty(STDIN_FILENO) == 1;
}

int passphrase_prompt(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    (void)ctx;
    char shown[PATH_MAX], prompt[PATH_MAX + 32];
    text_for_display(key_name, shown, sizeof(shown)); /* a path cannot drive the terminal */
    snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", shown);
    if (size < 2) {
        return eei_fail(err, EEI_ERR_SYSTEM, "no room for a passphrase");
    }
    int max = size - 1 > INT_MAX ? INT_MAX : (int)(size - 1); /* characters, without the NUL */
    if (EVP_read_pw_string(buf, max, prompt, 0) != 0) {
        return eei_fail(err, EEI_ERR_KEY, "no passphrase read from the terminal");
    }
    if (!buf[0]) {
        return eei_fail(err, EEI_ERR_KEY,
                        "no passphrase typed: type it at the prompt, give --passphrase-file FILE "
                        "or set ESP_ENC_IMG_PASSPHRASE");
    }
    return 0;
}
