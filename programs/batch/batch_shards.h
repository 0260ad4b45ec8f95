/* What a run and a merge share: device ids, which shard writes which device, the run's keys. */
#ifndef EEI_BATCH_SHARDS_H
#define EEI_BATCH_SHARDS_H

#include <stdbool.h>
#include <stdint.h>

#include "batch.h"

/*
 * The top-level keys of a batch result that every shard of one run shares and a merged result
 * keeps, in the order a result has them (before "devices").
 */
extern const char *const batch_run_keys[];
extern const size_t batch_run_keys_count;

#define BATCH_ID_MAX 128

/* An id that names its image, <id>.bin: letters, digits, '.', '_' and '-', 1 to BATCH_ID_MAX of
 * them, not '.' or '..'. */
bool batch_id_valid(const char *id);

/*
 * The shard (1..n) that writes the device with this id (as manifest.json lists it): the first 4
 * bytes of the id's SHA-256 as a big-endian number, mod n, plus 1. It depends on the id alone,
 * so a manifest edit moves no other device. -1 (err says why) when it could not be hashed.
 */
int batch_shard_of(const char *id, unsigned n, unsigned *shard, eei_error *err);

#endif
