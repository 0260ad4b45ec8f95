/* A self-signed server certificate for a host name or address, made once and then reused. */
#ifndef EEI_CERT_H
#define EEI_CERT_H

#include <stdbool.h>

#include "esp_enc_img/esp_enc_img.h"
#include "os.h"

#define CERT_DAYS_DEFAULT 825 /* the longest validity the CA/Browser baseline allowed */

/*
 * In dir: ca_cert.pem (CN and subjectAltName = host, IP or DNS; valid for days days) and
 * ca_key.pem (0600). An existing pair for the same host is reused, whatever days says, so
 * devices that embed the certificate keep trusting the server; a pair for another host is
 * refused. until: the certificate's last day, "YYYY-MM-DD".
 */
int cert_self_signed(const char *host, const char *dir, long days, char cert_path[OS_PATH_MAX],
                     char key_path[OS_PATH_MAX], bool *reused, char until[11], eei_error *err);

#endif
