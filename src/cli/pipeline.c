#include "cli/pipeline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define SLOTS 3

struct pipeline {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint8_t *buf[SLOTS];
    size_t len[SLOTS];
    size_t head, tail; /* filled: [tail, head) modulo SLOTS, counted without wrap */
    bool done;
    int result;
    pipeline_consume consume;
    void *ctx;
};

static void *helper(void *arg)
{
    pipeline *p = arg;
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
        int rc = p->result == 0 ? p->consume(p->ctx, p->buf[slot], p->len[slot]) : 0;
        pthread_mutex_lock(&p->lock);
        if (rc != 0 && p->result == 0) {
            p->result = rc;
        }
        p->tail++;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

pipeline *pipeline_start(size_t buffer_size, pipeline_consume consume, void *ctx)
{
    pipeline *p = calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    p->consume = consume;
    p->ctx = ctx;
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

uint8_t *pipeline_acquire(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->head - p->tail == SLOTS) {
        pthread_cond_wait(&p->changed, &p->lock);
    }
    uint8_t *buf = p->buf[p->head % SLOTS];
    pthread_mutex_unlock(&p->lock);
    return buf;
}

void pipeline_submit(pipeline *p, size_t len)
{
    pthread_mutex_lock(&p->lock);
    p->len[p->head % SLOTS] = len;
    p->head++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

int pipeline_result(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    int rc = p->result;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int pipeline_finish(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    p->done = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    int rc = p->result;
    for (int i = 0; i < SLOTS; i++) {
        free(p->buf[i]);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
    return rc;
}
