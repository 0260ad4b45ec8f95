/* Asking the user on the terminal for the passphrase of a protected key. */
#ifndef EEI_PASSPHRASE_PROMPT_H
#define EEI_PASSPHRASE_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "esp_enc_img/esp_enc_img.h"

/* There is a user to ask: stdin is a terminal (never in a pipeline, CI or cron). */
bool passphrase_prompt_possible(void);

/*
 * An eei_passphrase_cb: "Passphrase for KEY: " on the controlling terminal, read without echo
 * through OpenSSL's UI (which restores the echo on Ctrl-C too). An empty answer is refused.
 */
int passphrase_prompt(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err);

#endif
