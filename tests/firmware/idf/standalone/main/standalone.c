/* A project of its own that uses the decryptor component: the device key, and a decryption. */
#include <stdio.h>

#include "eei_decryptor.h"
#include "eei_https_ota_adapter.h"

static eei_dec s_dec;

void app_main(void)
{
    eei_dec_config cfg = {EEI_DEC_KEY_HMAC_EFUSE, NULL, 0, 0};
    uint8_t der[EEI_DEC_PUBKEY_DER_SIZE];
    printf("device key: %s\n", eei_dec_strerror(eei_dec_export_pubkey_der(&cfg, der)));
    static uint8_t buf[1024 + EEI_DEC_OUT_SLACK];
    size_t n = 0;
    eei_dec_err err = eei_dec_start(&s_dec, &cfg);
    if (err == EEI_DEC_OK) {
        err = eei_dec_feed(&s_dec, buf, 1024, buf, sizeof(buf), &n);
    }
    if (err == EEI_DEC_OK) {
        err = eei_dec_finish(&s_dec);
    }
    eei_dec_abort(&s_dec);
    printf("decryption: %s\n", eei_dec_strerror(err));
    static eei_https_ota_ctx ota;
    printf("adapter: %d\n", (int)eei_https_ota_begin(&ota, &cfg));
    eei_https_ota_abort(&ota);
}
