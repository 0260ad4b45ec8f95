/*
 * What the header and the size of an image say, without a key: the shared decoder's judgment of
 * a header (eei_core_header_judge), and a closer look at the key block than a decoder needs.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "eei_core/decoder.h"
#include "error/error_internal.h"

/* The scheme, and how sure: the ECIES layout is a point on P-256 then the salt then zeros. */
static void infer_scheme(eei_inspection *ins)
{
    const eei_header *h = &ins->header;
    bool zeros = eei_header_scheme(h) != EEI_SCHEME_RSA3072; /* the 288 bytes after the salt */
    ins->on_curve = eei_crypto_p256_point_on_curve(eei_header_ecies_point(h));
    ins->scheme_sure = true;
    if (ins->on_curve && zeros) {
        ins->scheme = EEI_SCHEME_ECIES_P256;
        ins->scheme_basis = "a point on P-256, a salt, then zeros";
    } else if (ins->on_curve) {
        ins->scheme = EEI_SCHEME_ECIES_P256;
        ins->scheme_sure = false;
        ins->scheme_basis = "a point on P-256, but the 288 bytes after the salt (which the device "
                            "ignores) are not zero";
    } else if (!zeros) {
        ins->scheme = EEI_SCHEME_RSA3072;
        ins->scheme_basis = "no point on P-256, and 384 bytes of ciphertext";
    } else {
        ins->scheme = EEI_SCHEME_UNKNOWN;
        ins->scheme_basis = "zeros after the salt, but no point on P-256";
    }
}

void eei_inspect(const uint8_t *header, size_t header_len, uint64_t image_size, eei_inspection *ins)
{
    memset(ins, 0, sizeof(*ins));
    ins->image_size = image_size;
    if (image_size < header_len) {
        header_len = (size_t)image_size;
    }
    ins->verdict = eei_core_header_judge(header, header_len, image_size, &ins->header);
    ins->header_read = header_len >= EEI_HEADER_SIZE;
    if (!ins->header_read) {
        ins->problem = eei_format_strerror(ins->verdict);
        return;
    }
    infer_scheme(ins);
    ins->reserved_zero = eei_header_reserved_clear(&ins->header);
    if (ins->verdict != EEI_FMT_OK) {
        ins->problem = eei_format_strerror(ins->verdict);
    } else if (ins->scheme == EEI_SCHEME_UNKNOWN) {
        ins->problem = "the key block fits neither scheme";
    }
}

uint64_t eei_inspect_bytes_needed(const uint8_t header[EEI_HEADER_SIZE])
{
    eei_header h;
    if (eei_core_header_judge(header, EEI_HEADER_SIZE, UINT64_MAX, &h) != EEI_FMT_OK) {
        return EEI_HEADER_SIZE;
    }
    return EEI_HEADER_SIZE + (uint64_t)h.payload_len + 1;
}
