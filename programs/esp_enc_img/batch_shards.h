/*
 * batch split over N runners: which shard writes which device, and joining the shards'
 * manifest.json files into the one a single run writes (batch --merge).
 */
#ifndef EEI_BATCH_SHARDS_H
#define EEI_BATCH_SHARDS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

#define BATCH_SHARDS_MAX 100000u /* more than a CI matrix or a Kubernetes Indexed Job holds */

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

/* "K/N": whole numbers, 1 <= K <= N <= BATCH_SHARDS_MAX, nothing else. */
bool batch_shard_parse(const char *text, unsigned *k, unsigned *n);

/*
 * The shard (1..n) that writes the device with this id (as manifest.json lists it): the first 4
 * bytes of the id's SHA-256 as a big-endian number, mod n, plus 1. It depends on the id alone,
 * so a manifest edit moves no other device. -1 (err says why) when it could not be hashed.
 */
int batch_shard_of(const char *id, unsigned n, unsigned *shard, eei_error *err);

/* batch --merge SHARD_MANIFEST... -o FILE: the command itself (exit code). */
int batch_merge(const cli_args *args);

#endif
