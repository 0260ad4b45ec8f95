/* A self-signed server certificate for a host name or address, made once and then reused. */
#ifndef EEI_CERT_H
#define EEI_CERT_H

#include <limits.h>
#include <stdbool.h>

#include "esp_enc_img/esp_enc_img.h"

/*
 * In dir: ca_cert.pem (CN and subjectAltName = host, IP or DNS) and ca_key.pem (0600). An
 * existing pair for the same host is reused, so devices that embed the certificate keep
 * trusting the server; a pair for another host is refused.
 */
int cert_self_signed(const char *host, const char *dir, char cert_path[PATH_MAX],
                     char key_path[PATH_MAX], bool *reused, eei_error *err);

#endif
