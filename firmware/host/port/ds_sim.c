/*
 * The Digital Signature peripheral, as the chip's reference manual describes it: the HMAC
 * peripheral hands it HMAC-SHA256(the eFuse key, 32 bytes of 0xFF) when the key block's purpose
 * allows (HMAC_DOWN_DIGITAL_SIGNATURE or HMAC_DOWN_ALL); with that AES key it decrypts C
 * (AES-256-CBC), refuses it when MD does not match, flags a wrong padding, and computes
 * X^Y mod M. Written from the layout of esp_enc_img/secure_cert.h, not from the provisioning
 * code, so that the host tests check one against the other. OpenSSL stands for the hardware.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "efuse_sim.h"
#include "esp_ds.h"
#include "esp_log.h"
#include "esp_enc_img/secure_cert.h"

static const char *TAG = "sim_ds";

#define N_BYTES (SOC_RSA_MAX_BIT_LEN / 8u)

struct esp_ds_context {
    bool busy;
    esp_err_t result;
    size_t len;
    uint8_t signature[N_BYTES];
};

static struct esp_ds_context ds;

/* The AES key the HMAC peripheral hands the DS peripheral; false when the purpose forbids it. */
static bool ds_aes_key(hmac_key_id_t key_id, uint8_t aes_key[EEI_DS_AES_KEY_SIZE])
{
    uint8_t key[EEI_HMAC_KEY_SIZE], msg[EEI_DS_KEY_MESSAGE_SIZE];
    esp_efuse_purpose_t purpose;
    unsigned int len = 0;
    bool ok = sim_efuse_key((int)key_id, key, &purpose) &&
              (purpose == ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_DIGITAL_SIGNATURE ||
               purpose == ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_ALL);
    memset(msg, EEI_DS_KEY_MESSAGE_BYTE, sizeof(msg));
    ok = ok && HMAC(EVP_sha256(), key, sizeof(key), msg, sizeof(msg), aes_key, &len) &&
         len == EEI_DS_AES_KEY_SIZE;
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

static bool aes_cbc_decrypt(const uint8_t key[EEI_DS_AES_KEY_SIZE], const uint8_t *iv,
                            const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv) &&
              EVP_CIPHER_CTX_set_padding(c, 0) && EVP_DecryptUpdate(c, out, &n, in, (int)len) &&
              EVP_DecryptFinal_ex(c, out + n, &m) && (size_t)n + (size_t)m == len;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* An operand of P (little-endian) as a number. */
static BIGNUM *operand(const uint8_t *p, size_t len)
{
    return BN_lebin2bn(p, (int)len, NULL);
}

/* Rb and M' are what the peripheral's Montgomery arithmetic runs on: true when they fit M. */
static bool montgomery_consistent(const BIGNUM *m, const BIGNUM *rb, uint32_t mprime, unsigned bits,
                                  BN_CTX *bn)
{
    BIGNUM *r = BN_new(), *w = BN_new(), *inv = NULL;
    bool ok = r && w && BN_set_bit(w, 32) && BN_set_bit(r, (int)(2 * bits)) &&
              BN_mod(r, r, m, bn) && BN_cmp(r, rb) == 0;
    if (ok) { /* M * M' = -1 mod 2^32 */
        inv = BN_mod_inverse(NULL, m, w, bn);
        ok = inv && (uint32_t)(0u - (uint32_t)BN_get_word(inv)) == mprime;
    }
    BN_free(r);
    BN_free(w);
    BN_free(inv);
    return ok;
}

/* The operation on P (already decrypted) with the message; the result's error. */
static esp_err_t ds_compute(const uint8_t *p, const uint8_t *iv, const void *message)
{
    uint8_t md[EEI_DS_MD_SIZE], tail[EEI_DS_MD_TAIL_SIZE];
    uint32_t mprime = eei_le32_get(p + EEI_DS_P_OFF_MPRIME(N_BYTES));
    uint32_t length = eei_le32_get(p + EEI_DS_P_OFF_LENGTH(N_BYTES));
    eei_ds_md_tail(tail, mprime, length, iv);
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    bool hashed = h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) &&
                  EVP_DigestUpdate(h, p, 3u * N_BYTES) && EVP_DigestUpdate(h, tail, sizeof(tail)) &&
                  EVP_DigestFinal_ex(h, md, NULL);
    EVP_MD_CTX_free(h);
    if (!hashed) {
        return ESP_FAIL;
    }
    if (CRYPTO_memcmp(md, p + EEI_DS_P_OFF_MD(N_BYTES), sizeof(md)) != 0) {
        return ESP_ERR_HW_CRYPTO_DS_INVALID_DIGEST; /* wrong HMAC key, or C altered */
    }
    unsigned bits = (length + 1u) * 32u;
    if (bits > SOC_RSA_MAX_BIT_LEN) {
        return ESP_ERR_HW_CRYPTO_DS_INVALID_DIGEST;
    }
    ds.len = bits / 8u;
    BN_CTX *bn = BN_CTX_new();
    BIGNUM *y = operand(p + EEI_DS_P_OFF_Y(N_BYTES), N_BYTES);
    BIGNUM *m = operand(p + EEI_DS_P_OFF_M(N_BYTES), N_BYTES);
    BIGNUM *rb = operand(p + EEI_DS_P_OFF_RB(N_BYTES), N_BYTES);
    BIGNUM *x = operand(message, ds.len), *z = BN_new();
    esp_err_t err = ESP_FAIL;
    if (bn && y && m && rb && x && z && !BN_is_zero(m)) {
        if (!montgomery_consistent(m, rb, mprime, bits, bn)) {
            /* the chip would compute a wrong result: the model refuses to make one up */
            ESP_LOGE(TAG, "Rb or M' does not fit M: the peripheral would compute garbage");
        } else if (BN_mod_exp(z, x, y, m, bn) && BN_bn2lebinpad(z, ds.signature, (int)ds.len) > 0) {
            err = ESP_OK;
        }
    }
    BN_clear_free(y);
    BN_free(m);
    BN_free(rb);
    BN_clear_free(x);
    BN_clear_free(z);
    BN_CTX_free(bn);
    if (err != ESP_OK) {
        return err;
    }
    /* a wrong padding still computes; the driver reports it */
    for (size_t i = 0; i < EEI_DS_PAD_SIZE; i++) {
        if (p[EEI_DS_P_OFF_PAD(N_BYTES) + i] != EEI_DS_PAD_BYTE) {
            return ESP_ERR_HW_CRYPTO_DS_INVALID_PADDING;
        }
    }
    return ESP_OK;
}

esp_err_t esp_ds_start_sign(const void *message, const esp_ds_data_t *data, hmac_key_id_t key_id,
                            esp_ds_context_t **esp_ds_ctx)
{
    if (!message || !data || !esp_ds_ctx || (int)key_id < 0 || key_id >= HMAC_KEY_MAX) {
        return ESP_ERR_INVALID_ARG;
    }
    if (ds.busy) {
        return ESP_ERR_INVALID_STATE;
    }
    uint8_t aes_key[EEI_DS_AES_KEY_SIZE], iv[EEI_DS_IV_SIZE], p[sizeof(data->c)];
    if (!ds_aes_key(key_id, aes_key)) {
        return ESP_ERR_HW_CRYPTO_DS_HMAC_FAIL;
    }
    memcpy(iv, data->iv, sizeof(iv));
    memset(&ds, 0, sizeof(ds));
    ds.busy = true;
    ds.result = aes_cbc_decrypt(aes_key, iv, data->c, sizeof(data->c), p)
                    ? ds_compute(p, iv, message)
                    : ESP_FAIL;
    OPENSSL_cleanse(aes_key, sizeof(aes_key));
    OPENSSL_cleanse(p, sizeof(p));
    *esp_ds_ctx = &ds;
    return ESP_OK;
}

bool esp_ds_is_busy(void)
{
    return false; /* the model computes at start */
}

esp_err_t esp_ds_finish_sign(void *signature, esp_ds_context_t *esp_ds_ctx)
{
    if (!signature || esp_ds_ctx != &ds || !ds.busy) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ds.result;
    if (err == ESP_OK || err == ESP_ERR_HW_CRYPTO_DS_INVALID_PADDING) {
        memcpy(signature, ds.signature, ds.len);
    }
    OPENSSL_cleanse(&ds, sizeof(ds));
    return err;
}

esp_err_t esp_ds_sign(const void *message, const esp_ds_data_t *data, hmac_key_id_t key_id,
                      void *signature)
{
    esp_ds_context_t *ctx = NULL;
    esp_err_t err = esp_ds_start_sign(message, data, key_id, &ctx);
    return err == ESP_OK ? esp_ds_finish_sign(signature, ctx) : err;
}
