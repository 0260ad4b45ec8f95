/*
 * Files for the programs: inputs read in pieces (the library asks for EEI_IO_CHUNK, 256 KiB), at
 * most an image of the largest app a chip boots; outputs written to an unnamed file in the
 * target's directory (O_TMPFILE) that gets a name only when it is complete, then is renamed into
 * place. Where the filesystem has no O_TMPFILE, a named temporary file beside the target, removed
 * on SIGINT, SIGTERM and SIGHUP. An output that is not a regular file (a device, a FIFO, a
 * socket) is written into, never replaced; a link is followed and the file it names replaced.
 */
#ifndef EEI_FILEIO_H
#define EEI_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/esp_enc_img.h"
#include "os.h"

typedef struct {
    int fd;
    const char *name; /* for messages: the path, or "stdin" */
    bool regular;     /* a regular file: size is known and pread works */
    uint64_t size;
    uint64_t consumed; /* read so far by input_read */
} input_file;

/*
 * The largest app an input may hold (EEI_APP_MAX_SIZE unless --max-size says otherwise): any
 * input is refused past an image of it (its header and tag on top), so endless ones end.
 */
void input_set_max(uint64_t max);
uint64_t input_get_max(void);
/* Why the limit is what it is, for messages: "an ESP chip boots (16 MiB: ...)". */
const char *input_max_reason(void);

/* "-" is stdin. Directories are refused, and regular files larger than the limit. */
int input_open(input_file *in, const char *path, eei_error *err);
/* Read up to cap bytes, fewer only at end of input; *got is 0 at the end. */
int input_read(input_file *in, uint8_t *buf, size_t cap, size_t *got, eei_error *err);
/* Read exactly len bytes at offset of a regular file (the input position does not move). */
int input_pread(input_file *in, uint8_t *buf, size_t len, uint64_t offset, size_t *got,
                eei_error *err);
void input_close(input_file *in);

/* Refuse a path Windows opens as a device in every folder (NUL.txt, CON...): 0 elsewhere. */
int file_refuse_reserved(const char *path, eei_error *err);

/* Read a whole small file (at most max bytes) into a malloc'd buffer (manifests). */
int file_read_all(const char *path, size_t max, uint8_t **out, size_t *out_len, eei_error *err);

typedef struct {
    unsigned mode;   /* of the final file (0600, 0644...: without group and other bits, private) */
    bool no_clobber; /* fail if the target exists (key files without --force) */
    bool seekable;   /* the writer will pwrite; "-" is spooled through a temporary file */
    bool text;       /* printable: "-" may be a terminal (binary data to one is refused) */
} output_options;

typedef struct {
    int fd;     /* where bytes go: the temporary file, or the stream */
    int stream; /* stdout, or a device, FIFO or socket written into; -1 for a file */
    int spool;  /* a seekable writer's anonymous file, copied to the stream at commit; or -1 */
    bool to_stdout;
    bool direct;  /* stream is an OUT that is not a regular file: closed at the end */
    bool unnamed; /* O_TMPFILE: no name until it is complete */
    output_options opts;
    const char *name;         /* as given, for messages */
    char target[OS_PATH_MAX]; /* the file replaced: name with its links followed */
    char path[OS_PATH_MAX];   /* the temporary name, while it has one */
    int cleanup_slot;
} output_file;

/*
 * "-" is stdout. Nothing appears at path until output_commit. A path that names a device, a FIFO
 * or a socket is written into (a seekable writer's bytes go there at commit); a directory is
 * refused; a link is followed, and the file it names is replaced (the link stays).
 */
int output_open(output_file *out, const char *path, const output_options *opts, eei_error *err);
/*
 * Refuse an output path that leads through a symbolic link another user owns in a sticky folder
 * anyone may write to (os_untrusted_link): the system would not follow it. output_open does.
 */
int output_refuse_untrusted(const char *path, eei_error *err);
int output_write(output_file *out, const uint8_t *buf, size_t len, eei_error *err);
int output_pwrite(output_file *out, const uint8_t *buf, size_t len, uint64_t offset,
                  eei_error *err);
/* Move the finished file into place. On failure the output is aborted. */
int output_commit(output_file *out, eei_error *err);
/*
 * Two finished files into place together (a key pair): both complete before either moves, and
 * when the second cannot be moved, the first target is put back as it was. On failure both
 * outputs are aborted.
 */
int output_commit_pair(output_file *first, output_file *second, eei_error *err);
/* Remove the temporary file; the target is untouched. Safe after commit. */
void output_abort(output_file *out);

/* mkdir -p: create path and its missing parents with mode (existing ones are left alone). */
int make_dirs(const char *path, unsigned mode, eei_error *err);

/*
 * Before anything is read: refuse an output path that is a directory, or the same file as one of
 * the n inputs (NULL entries are skipped), for the output would replace it.
 */
int output_check(const char *path, const char *const *inputs, size_t n, eei_error *err);

/*
 * True when two outputs of one command would be one file: the same path spelled another way, or
 * a symbolic link from one to the other or from both to one name (the second written would
 * replace the first). Two names of one file (a hard link) are two outputs: each is replaced by a
 * file of its own.
 */
bool outputs_collide(const char *a, const char *b);

/* True when the path exists (for refusing to overwrite before doing any work). */
bool path_exists(const char *path);

/*
 * True when a and b are the same file, links followed (one inode on one device): an output that
 * would replace an input. False when either does not exist or is "-".
 */
bool same_file(const char *a, const char *b);

/* SHA-256 of everything written to a seekable output so far (before output_commit). */
int output_sha256(output_file *out, uint8_t digest[EEI_SHA256_SIZE], eei_error *err);
/*
 * Read back what a seekable output holds so far (before output_commit, whatever OUT is: a file,
 * a FIFO, a device): up to len bytes at offset, fewer only at its end.
 */
int output_pread(output_file *out, uint8_t *buf, size_t len, uint64_t offset, size_t *got,
                 eei_error *err);

/*
 * Once, after os_init, before any output is opened (and before threads start): remove the
 * temporary files of unfinished outputs when the process is asked to stop.
 */
void fileio_init(void);

#endif
