/*
 * Two stages on two cores: the caller fills buffers, a helper thread consumes them in order
 * (hashes them, writes them). A ring of a few buffers; the caller waits only when all are full.
 */
#ifndef EEI_PIPELINE_H
#define EEI_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/esp_enc_img.h"

typedef struct eei_pipeline eei_pipeline;

/*
 * Called on the helper thread for each piece, in submission order: len bytes at data, meant
 * for offset of the output. A failure stops the rest; its detail stays in ctx.
 */
typedef eei_status (*eei_pipeline_consume)(void *ctx, const uint8_t *data, size_t len,
                                           uint64_t offset);

/* NULL when a thread or the buffers cannot be had: then do the work inline. */
eei_pipeline *eei_pipeline_start(size_t buffer_size, eei_pipeline_consume consume, void *ctx);
/* The next free buffer (waits while the helper is behind). */
uint8_t *eei_pipeline_acquire(eei_pipeline *p);
/*
 * Hand over len bytes at data, for offset: inside the buffer last acquired, or memory that stays
 * as it is until finish (the caller may go on reading it meanwhile, never writing it).
 */
void eei_pipeline_submit(eei_pipeline *p, const uint8_t *data, size_t len, uint64_t offset);
/* The first failure of consume so far, or EEI_OK (to stop producing early). */
eei_status eei_pipeline_result(eei_pipeline *p);
/* Wait for the helper to finish, free everything; the first failure of consume, or EEI_OK. */
eei_status eei_pipeline_finish(eei_pipeline *p);

#endif
