/* An HTTPS server for OTA images: GET and HEAD of regular files in one folder, with ranges. */
#ifndef EEI_SERVER_H
#define EEI_SERVER_H

#include <stdatomic.h>
#include <stdio.h>

#include "esp_enc_img/esp_enc_img.h"

typedef struct {
    const char *root;                         /* realpath of the served folder */
    const char *bind_addr;                    /* numeric address */
    int port;                                 /* 0: any free port */
    const char *cert, *key;                   /* PEM */
    int timeout_s;                            /* a client silent this long is dropped */
    int max_clients;                          /* connections served at once; more are refused */
    FILE *log;                                /* one line per request, or NULL: none */
    void (*ready)(const void *ctx, int port); /* called once listening (port: the one bound) */
    const void *ready_ctx;
} server_config;

/*
 * Serve until *stop is set (by a stop request's handler: a signal's, or Windows' console handler
 * on a thread of its own); then let transfers end and return 0.
 */
int server_run(const server_config *cfg, const atomic_int *stop, eei_error *err);

#endif
