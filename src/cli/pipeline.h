/*
 * Two stages on two cores: the caller fills buffers, a helper thread consumes them in order
 * (hashes them, writes them). A ring of a few buffers; the caller waits only when all are full.
 */
#ifndef EEI_PIPELINE_H
#define EEI_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pipeline pipeline;

/* Called on the helper thread for each buffer, in submission order; non-zero stops the rest. */
typedef int (*pipeline_consume)(void *ctx, const uint8_t *data, size_t len);

/* NULL when a thread or the buffers cannot be had: then do the work inline. */
pipeline *pipeline_start(size_t buffer_size, pipeline_consume consume, void *ctx);
/* The next free buffer (waits while the helper is behind). */
uint8_t *pipeline_acquire(pipeline *p);
void pipeline_submit(pipeline *p, size_t len);
/* The first non-zero result of consume so far (to stop producing early). */
int pipeline_result(pipeline *p);
/* Wait for the helper to finish, free everything; the first non-zero result of consume. */
int pipeline_finish(pipeline *p);

#endif
