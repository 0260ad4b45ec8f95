/*
 * The two-stage pipeline under the whole-image loops (lib/engine/pipeline.h): pieces reach the
 * helper whole and in order, however many more there are than buffers; the helper's first
 * failure reaches the caller, stops the rest, and finish still frees everything (the sanitizers'
 * builds check the leaks and the races).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/pipeline.h"

#define BUF 4096u

typedef struct {
    uint64_t next;     /* the offset the next piece must have */
    size_t pieces;     /* consumed */
    size_t fail_at;    /* >0: that piece fails */
    bool out_of_order; /* a piece came at another offset, or with other bytes */
} consumer;

/* Piece bytes are their offsets' low bytes: a piece cut, reordered or overwritten shows. */
static void fill(uint8_t *p, size_t len, uint64_t offset)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(offset + i);
    }
}

static eei_status consume(void *ctx, const uint8_t *data, size_t len, uint64_t offset)
{
    consumer *c = ctx;
    c->pieces++;
    for (size_t i = 0; i < len; i++) {
        c->out_of_order |= data[i] != (uint8_t)(offset + i);
    }
    c->out_of_order |= offset != c->next;
    c->next = offset + len;
    return c->pieces == c->fail_at ? EEI_ERR_FILE : EEI_OK;
}

/* n pieces of varying lengths (1 to BUF bytes) through the pipeline; finish's result. */
static eei_status run(consumer *c, size_t n, bool stop_on_failure)
{
    eei_pipeline *p = eei_pipeline_start(BUF, consume, c);
    CHECK(p != NULL);
    if (!p) {
        return EEI_ERR_SYSTEM;
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        if (stop_on_failure && eei_pipeline_result(p) != EEI_OK) {
            break;
        }
        uint8_t *buf = eei_pipeline_acquire(p);
        size_t len = 1 + (i * 977) % BUF;
        fill(buf, len, offset);
        eei_pipeline_submit(p, buf, len, offset);
        offset += len;
    }
    return eei_pipeline_finish(p);
}

int main(void)
{
    /* many more pieces than buffers: each whole, in order */
    consumer c = {0};
    CHECK(run(&c, 1000, false) == EEI_OK);
    CHECK(c.pieces == 1000 && !c.out_of_order);

    /* nothing handed over: finish alone */
    consumer none = {0};
    CHECK(run(&none, 0, false) == EEI_OK && none.pieces == 0);

    /* the helper fails on piece 5: the caller sees it, nothing after it is consumed */
    consumer f = {.fail_at = 5};
    CHECK(run(&f, 1000, true) == EEI_ERR_FILE);
    CHECK(f.pieces == 5 && !f.out_of_order);
    /* a caller that goes on handing pieces over is not held up, and still gets the failure */
    consumer g = {.fail_at = 1};
    CHECK(run(&g, 200, false) == EEI_ERR_FILE && g.pieces == 1);

    /* memory outside the buffers, read by both threads at once */
    static uint8_t shared[64 * BUF];
    fill(shared, sizeof(shared), 0);
    consumer m = {0};
    eei_pipeline *p = eei_pipeline_start(BUF, consume, &m);
    uint64_t sum = 0;
    for (size_t i = 0; p && i < 64; i++) {
        (void)eei_pipeline_acquire(p);
        eei_pipeline_submit(p, shared + i * BUF, BUF, i * BUF);
        for (size_t j = 0; j < BUF; j++) {
            sum += shared[i * BUF + j];
        }
    }
    CHECK(p && eei_pipeline_finish(p) == EEI_OK);
    CHECK(m.pieces == 64 && !m.out_of_order && sum == 64 * (BUF / 256) * (255 * 256 / 2));
    return check_summary();
}
