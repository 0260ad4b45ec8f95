#include "engine/pipeline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define SLOTS 3

struct eei_pipeline {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint8_t *buf[SLOTS];
    const uint8_t *data[SLOTS]; /* the piece submitted, inside buf */
    size_t len[SLOTS];
    uint64_t offset[SLOTS];
    size_t head, tail; /* filled: [tail, head) modulo SLOTS, counted without wrap */
    bool done;
    eei_status result;
    eei_pipeline_consume consume;
    size_t buffer_size;
    void *ctx;
};

static void *helper(void *arg)
{
    eei_pipeline *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->tail == p->head && !p->done) {
            pthread_cond_wait(&p->changed, &p->lock);
        }
        if (p->tail == p->head) {
            break; /* done, and nothing left */
        }
        size_t slot = p->tail % SLOTS;
        pthread_mutex_unlock(&p->lock);
        eei_status st = p->result == EEI_OK
                            ? p->consume(p->ctx, p->data[slot], p->len[slot], p->offset[slot])
                            : EEI_OK;
        pthread_mutex_lock(&p->lock);
        if (st != EEI_OK && p->result == EEI_OK) {
            p->result = st;
        }
        p->tail++;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

eei_pipeline *eei_pipeline_start(size_t buffer_size, eei_pipeline_consume consume, void *ctx)
{
    eei_pipeline *p = calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    p->consume = consume;
    p->ctx = ctx;
    p->buffer_size = buffer_size;
    bool ok = pthread_mutex_init(&p->lock, NULL) == 0;
    ok = ok && pthread_cond_init(&p->changed, NULL) == 0;
    for (int i = 0; ok && i < SLOTS; i++) {
        ok = (p->buf[i] = malloc(buffer_size)) != NULL;
    }
    if (ok && pthread_create(&p->thread, NULL, helper, p) == 0) {
        return p;
    }
    for (int i = 0; i < SLOTS; i++) {
        free(p->buf[i]);
    }
    free(p);
    return NULL;
}

uint8_t *eei_pipeline_acquire(eei_pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->head - p->tail == SLOTS) {
        pthread_cond_wait(&p->changed, &p->lock);
    }
    uint8_t *buf = p->buf[p->head % SLOTS];
    pthread_mutex_unlock(&p->lock);
    return buf;
}

void eei_pipeline_submit(eei_pipeline *p, const uint8_t *data, size_t len, uint64_t offset)
{
    pthread_mutex_lock(&p->lock);
    p->data[p->head % SLOTS] = data;
    p->len[p->head % SLOTS] = len;
    p->offset[p->head % SLOTS] = offset;
    p->head++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

eei_status eei_pipeline_result(eei_pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    eei_status st = p->result;
    pthread_mutex_unlock(&p->lock);
    return st;
}

eei_status eei_pipeline_finish(eei_pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    p->done = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    eei_status st = p->result;
    for (int i = 0; i < SLOTS; i++) {
        eei_free(p->buf[i], p->buffer_size); /* what was written may be firmware */
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
    return st;
}
