#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"

/* ---- temporary files removed when the process is asked to stop ---- */

#define CLEANUP_SLOTS 512 /* more than the outputs open at once (batch --jobs is at most 256) */

static struct {
    int used;
    char path[OS_PATH_MAX];
} cleanup[CLEANUP_SLOTS];

static int cleanup_claim(const char *path)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        int expected = 0;
        if (__atomic_load_n(&cleanup[i].used, __ATOMIC_ACQUIRE) == 0 &&
            __atomic_compare_exchange_n(&cleanup[i].used, &expected, -1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            snprintf(cleanup[i].path, sizeof(cleanup[i].path), "%s", path);
            __atomic_store_n(&cleanup[i].used, 1, __ATOMIC_RELEASE);
            return i;
        }
    }
    return -1; /* more outputs open than slots: this one just is not cleaned up on a signal */
}

static void cleanup_release(int slot)
{
    if (slot >= 0) {
        __atomic_store_n(&cleanup[slot].used, 0, __ATOMIC_RELEASE);
    }
}

static void cleanup_all(void)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (__atomic_load_n(&cleanup[i].used, __ATOMIC_ACQUIRE) == 1) {
            os_unlink(cleanup[i].path);
        }
    }
}

void fileio_init(void)
{
    os_on_stop(cleanup_all);
}

/* ---- input ---- */

static uint64_t input_max = EEI_APP_MAX_SIZE;

void input_set_max(uint64_t max)
{
    input_max = max;
}

uint64_t input_get_max(void)
{
    return input_max;
}

/* What any input may hold: an image of the largest app (its header and tag on top). */
static uint64_t input_cap(void)
{
    return input_max + EEI_HEADER_SIZE + EEI_TAG_SIZE;
}

static int too_large(input_file *in, eei_error *err)
{
    return eei_fail(err, EEI_ERR_FILE,
                    "%s: more than %llu bytes, larger than an image of the largest app %s",
                    in->name, (unsigned long long)input_cap(), input_max_reason());
}

const char *input_max_reason(void)
{
    return input_max == EEI_APP_MAX_SIZE
               ? "an ESP chip boots (16 MiB: ESP-IDF's bootloader loads no larger app "
                 "partition; --max-size raises the limit)"
               : "--max-size allows";
}

/* A path Windows opens as a device whatever folder it is in. */
static int reserved(const char *path, eei_error *err)
{
    return eei_fail(err, EEI_ERR_FILE,
                    "%s: a name Windows keeps for a device in every folder (CON, PRN, AUX, NUL, "
                    "COM1-9, LPT1-9, superscript digits too, with any extension), not a file: "
                    "give another name",
                    path);
}

int file_refuse_reserved(const char *path, eei_error *err)
{
    return path && os_reserved_name(path) ? reserved(path, err) : 0;
}

static int open_input(input_file *in, const char *path, bool capped, eei_error *err)
{
    os_info info;
    memset(in, 0, sizeof(*in));
    if (strcmp(path, "-") == 0) {
        in->fd = 0;
        in->name = "stdin";
    } else {
        in->name = path;
        if (os_reserved_name(path)) {
            return reserved(path, err);
        }
        in->fd = os_open_read(path);
        if (in->fd < 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", path,
                            errno == EISDIR ? "is a directory" : strerror(errno));
        }
    }
    if (os_fstat(in->fd, &info) != 0) {
        int e = errno;
        input_close(in);
        return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(e));
    }
    if (info.kind == OS_DIRECTORY) {
        input_close(in);
        return eei_fail(err, EEI_ERR_FILE, "%s: is a directory", path);
    }
    in->regular = info.kind == OS_FILE;
    in->size = info.size;
    if (capped && in->regular && in->size > input_cap()) {
        int rc = too_large(in, err);
        input_close(in);
        return rc;
    }
    if (in->regular) {
        os_read_ahead(in->fd);
    }
    return 0;
}

int input_open(input_file *in, const char *path, eei_error *err)
{
    return open_input(in, path, true, err);
}

/* Read until cap bytes or the end: at the file position (offset < 0) or at offset. */
static int read_fully(input_file *in, uint8_t *buf, size_t cap, int64_t offset, size_t *got,
                      eei_error *err)
{
    size_t total = 0;
    while (total < cap) {
        os_ssize n = offset < 0 ? os_read(in->fd, buf + total, cap - total)
                                : os_pread(in->fd, buf + total, cap - total,
                                           (uint64_t)offset + (uint64_t)total);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: read failed: %s", in->name, strerror(errno));
        }
        if (n == 0) {
            break;
        }
        total += (size_t)n;
    }
    *got = total;
    return 0;
}

int input_read(input_file *in, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    if (read_fully(in, buf, cap, -1, got, err) != 0) {
        return -1;
    }
    in->consumed += *got;
    /* an endless input (a device, a pipe that never closes) ends here */
    return in->consumed > input_cap() ? too_large(in, err) : 0;
}

int input_pread(input_file *in, uint8_t *buf, size_t len, uint64_t offset, size_t *got,
                eei_error *err)
{
    return read_fully(in, buf, len, (int64_t)offset, got, err);
}

void input_close(input_file *in)
{
    if (in->fd > 0) { /* not stdin */
        os_close(in->fd);
    }
    in->fd = -1;
}

int file_read_all(const char *path, size_t max, uint8_t **out, size_t *out_len, eei_error *err)
{
    input_file in;
    if (open_input(&in, path, false, err) != 0) {
        return -1;
    }
    uint8_t *buf = malloc(max + 1);
    size_t got = 0;
    int rc = buf ? read_fully(&in, buf, max + 1, -1, &got, err)
                 : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    input_close(&in);
    if (rc == 0 && got > max) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: larger than %zu bytes", path, max);
    }
    if (rc != 0) {
        if (buf) {
            memset(buf, 0, got);
        }
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = got;
    return 0;
}

/* ---- output ---- */

int make_dirs(const char *path, unsigned mode, eei_error *err)
{
    char buf[OS_PATH_MAX];
    int n = snprintf(buf, sizeof(buf), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
    }
    for (char *p = buf + 1;; p++) {
        bool end = *p == '\0';
        if (os_is_separator(*p) || end) {
            char c = *p;
            *p = '\0';
            /* "C:" on Windows is a drive, not a folder to make */
            bool drive = p == buf + 2 && buf[1] == ':' && os_is_separator('\\');
            if (!drive && os_mkdir(buf, mode) != 0 && errno != EEXIST) {
                return eei_fail(err, EEI_ERR_FILE, "%s: cannot create: %s", buf, strerror(errno));
            }
            if (end) {
                return 0;
            }
            *p = c;
        }
    }
}

bool path_exists(const char *path)
{
    os_info info;
    return os_is_link(path) || os_stat(path, &info) == 0;
}

bool same_file(const char *a, const char *b)
{
    return strcmp(a, "-") != 0 && strcmp(b, "-") != 0 && os_same_file(a, b);
}

bool outputs_collide(const char *a, const char *b)
{
    char ra[OS_PATH_MAX], rb[OS_PATH_MAX];
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0) {
        return strcmp(a, b) == 0;
    }
    /* where each will be written, links followed; the same place whatever its spelling */
    return os_resolve(a, ra, sizeof(ra)) == 0 && os_resolve(b, rb, sizeof(rb)) == 0 &&
           os_path_within(ra, rb) && os_path_within(rb, ra);
}

/*
 * What an output or an input is, for output_check: a path's file, links followed; "-" is the
 * file behind stdout (the output) or stdin (an input) when it is a regular file ("< app.bin",
 * "1<> app.img"); a terminal, a pipe or a device there is no one's file.
 */
static bool file_behind(const char *path, int std_fd, os_info *info)
{
    if (strcmp(path, "-") == 0) {
        return os_fstat(std_fd, info) == 0 && info->kind == OS_FILE && info->ino != 0;
    }
    return os_stat(path, info) == 0 && info->kind != OS_MISSING && info->ino != 0;
}

/* The output at path would replace the input at in, or write over it while it is read. */
static bool output_is_input(const char *path, const char *in)
{
    os_info o, i;
    if (strcmp(path, "-") != 0 && strcmp(in, "-") != 0) {
        return os_same_file(path, in);
    }
    return file_behind(path, 1, &o) && file_behind(in, 0, &i) && o.dev == i.dev && o.ino == i.ino;
}

int output_check(const char *path, const char *const *inputs, size_t n, eei_error *err)
{
    os_info info;
    if (strcmp(path, "-") != 0 && os_stat(path, &info) == 0 && info.kind == OS_DIRECTORY) {
        return eei_fail(err, EEI_ERR_FILE, "%s: is a directory; give a file name", path);
    }
    for (size_t i = 0; i < n; i++) {
        if (inputs[i] && output_is_input(path, inputs[i])) {
            bool out_std = strcmp(path, "-") == 0, in_std = strcmp(inputs[i], "-") == 0;
            return eei_fail(err, EEI_ERR_FILE,
                            "%s is the input %s: refusing to replace an input with the output "
                            "(give another output name)",
                            out_std ? "stdout" : path, in_std ? "stdin" : inputs[i]);
        }
    }
    return 0;
}

/*
 * The file a path names, its links followed to the end (the last one may dangle: then the file
 * it names is created). The folders on the way are left as they are: renaming through them
 * reaches the same place.
 */
static int resolve_links(const char *path, char *out, size_t size, eei_error *err)
{
    char cur[OS_PATH_MAX], link[OS_PATH_MAX], dir[OS_PATH_MAX];
    if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
    }
    for (int hops = 0; os_is_link(cur); hops++) {
        os_ssize n = os_readlink(cur, link, sizeof(link));
        if (n < 0 || hops >= 40) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", path,
                            n < 0 ? strerror(errno) : "too many levels of symbolic links");
        }
        os_dirname(cur, dir, sizeof(dir));
        bool absolute = os_is_separator(link[0]) || (link[0] && link[1] == ':');
        int m = absolute ? snprintf(cur, sizeof(cur), "%s", link)
                         : snprintf(cur, sizeof(cur), "%s/%s", dir, link);
        if (m < 0 || (size_t)m >= sizeof(cur)) {
            return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
        }
    }
    if (snprintf(out, size, "%s", cur) >= (int)size) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
    }
    return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        os_ssize n = os_write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int open_spool(output_file *out, eei_error *err)
{
    out->spool = os_spool_create();
    if (out->spool < 0) {
        return eei_fail(err, EEI_ERR_FILE, "a temporary file: %s", strerror(errno));
    }
    return 0;
}

/*
 * The file being written: on Linux it has no name (O_TMPFILE) until it is complete, so whatever
 * signal ends the process nothing of it is left in the folder; elsewhere (and on filesystems
 * without O_TMPFILE) a named temporary file beside the target, readable by its owner only and
 * removed when the process is asked to stop (docs/SECURITY.md).
 */
static int open_temp(output_file *out, eei_error *err)
{
    out->fd = os_temp_create(out->target, out->path, sizeof(out->path));
    if (out->fd < 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: cannot create a file in its directory: %s",
                        out->name, strerror(errno));
    }
    out->unnamed = out->path[0] == '\0';
    if (!out->unnamed) {
        out->cleanup_slot = cleanup_claim(out->path);
    }
    return 0;
}

/*
 * Something that is not a file to replace: a terminal, a device, a FIFO, a socket (or stdout).
 * It is written straight into, never replaced; a seekable writer writes a spool first.
 */
static int open_stream(output_file *out, int fd, eei_error *err)
{
    out->stream = fd;
    if (!out->opts.text && os_isatty(fd)) {
        return eei_fail(err, EEI_ERR_USAGE,
                        "%s is a terminal: refusing to write binary data to it (redirect it to a "
                        "file or a pipe, or give a file name)",
                        out->name);
    }
    if (out->opts.seekable) {
        return open_spool(out, err);
    }
    out->fd = fd;
    return 0;
}

int output_refuse_untrusted(const char *path, eei_error *err)
{
    char link[OS_PATH_MAX];
    if (strcmp(path, "-") != 0 && os_untrusted_link(path, link, sizeof(link))) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: leads through %s, a symbolic link that another user owns in a "
                        "folder anyone may write to: not followed, as the system follows no such "
                        "link (give a path without it)",
                        path, link);
    }
    return 0;
}

int output_open(output_file *out, const char *path, const output_options *opts, eei_error *err)
{
    memset(out, 0, sizeof(*out));
    out->opts = *opts;
    out->cleanup_slot = -1;
    out->fd = out->spool = out->stream = -1;
    if (strcmp(path, "-") == 0) {
        out->to_stdout = true;
        out->name = "stdout";
        return open_stream(out, 1, err);
    }
    out->name = path;
    if (os_reserved_name(path)) {
        return reserved(path, err);
    }
    if (os_stream_name(path)) {
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: a stream of a file (NAME:STREAM), not a file: give a name without ':'",
                        path);
    }
    if (output_refuse_untrusted(path, err) != 0) {
        return -1;
    }
    if (opts->no_clobber && path_exists(path)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: exists; use --force to overwrite it", path);
    }
    os_info info;
    if (os_stat(path, &info) != 0) { /* a new file, maybe at the end of a dangling link */
        return resolve_links(path, out->target, sizeof(out->target), err) == 0 ? open_temp(out, err)
                                                                               : -1;
    }
    if (info.kind == OS_DIRECTORY) {
        return eei_fail(err, EEI_ERR_FILE, "%s: is a directory; give a file name", path);
    }
    if (info.kind == OS_FILE) { /* replaced: the file the links end at, beside itself */
        if (os_realpath(path, out->target, sizeof(out->target)) != 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(errno));
        }
        return open_temp(out, err);
    }
    /* opened by the path the user gave: the system follows links such as /dev/stdout */
    int fd = os_open_stream(path, info.kind);
    if (fd < 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(errno));
    }
    out->direct = true;
    if (open_stream(out, fd, err) != 0) {
        os_close(fd);
        out->stream = -1;
        return -1;
    }
    return 0;
}

/* Where the bytes go now: the spool of a seekable stream, or the file or stream itself. */
static int write_fd(const output_file *out)
{
    return out->spool >= 0 ? out->spool : out->fd;
}

int output_write(output_file *out, const uint8_t *buf, size_t len, eei_error *err)
{
    if (write_all(write_fd(out), buf, len) != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
    }
    return 0;
}

int output_pwrite(output_file *out, const uint8_t *buf, size_t len, uint64_t offset, eei_error *err)
{
    while (len > 0) {
        os_ssize n = os_pwrite(write_fd(out), buf, len, offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
        }
        buf += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

/* The spool into the stream. Its buffer is its own: batch's workers finish streams at once. */
static int copy_spool(output_file *out, eei_error *err)
{
    enum { piece = 64 * 1024 };
    uint8_t *buf = malloc(piece);
    int rc = 0;
    if (!buf) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    if (os_rewind(out->spool) != 0) {
        rc = eei_fail(err, EEI_ERR_FILE, "temporary file: %s", strerror(errno));
    }
    while (rc == 0) {
        os_ssize n = os_read(out->spool, buf, piece);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = eei_fail(err, EEI_ERR_FILE, "temporary file: %s", strerror(errno));
        } else if (n == 0) {
            break;
        } else if (write_all(out->stream, buf, (size_t)n) != 0) {
            rc = eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
        }
    }
    free(buf);
    return rc;
}

/* What holds the bytes written so far: the spool of a seekable stream, or the file; or -1. */
static int written_fd(const output_file *out)
{
    return out->spool >= 0 ? out->spool : out->stream < 0 ? out->fd : -1;
}

int output_pread(output_file *out, uint8_t *buf, size_t len, uint64_t offset, size_t *got,
                 eei_error *err)
{
    int fd = written_fd(out);
    size_t total = 0;
    if (fd < 0) {
        return eei_fail(err, EEI_ERR_SYSTEM, "%s: cannot read back a stream", out->name);
    }
    while (total < len) {
        os_ssize n = os_pread(fd, buf + total, len - total, offset + total);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: read back failed: %s", out->name,
                            strerror(errno));
        }
        if (n == 0) {
            break;
        }
        total += (size_t)n;
    }
    *got = total;
    return 0;
}

int output_sha256(output_file *out, uint8_t digest[EEI_SHA256_SIZE], eei_error *err)
{
    int fd = written_fd(out);
    if (fd < 0) {
        return eei_fail(err, EEI_ERR_SYSTEM, "%s: cannot hash a stream", out->name);
    }
    uint8_t *buf = malloc(EEI_IO_CHUNK);
    eei_sha256 *sha = NULL;
    if (!buf || eei_sha256_new(&sha, err) != EEI_OK) {
        free(buf);
        return buf ? -1 : eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    int rc = 0;
    for (uint64_t off = 0;;) {
        os_ssize n = os_pread(fd, buf, EEI_IO_CHUNK, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc =
                eei_fail(err, EEI_ERR_FILE, "%s: read back failed: %s", out->name, strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        eei_sha256_update(sha, buf, (size_t)n);
        off += (uint64_t)n;
    }
    eei_sha256_final(sha, digest);
    eei_sha256_free(sha);
    free(buf);
    return rc;
}

/*
 * The complete file under a temporary name beside the target (out->path), its permissions set,
 * closed: what is left is a rename.
 */
static int finish_temp(output_file *out, eei_error *err)
{
    if (out->unnamed) {
        if (os_temp_name(out->fd, out->target, out->path, sizeof(out->path)) != 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", out->name, strerror(errno));
        }
        out->cleanup_slot = cleanup_claim(out->path);
    }
    int rc = os_temp_finish(out->fd, out->opts.mode, (out->opts.mode & 077) == 0);
    out->fd = -1;
    if (rc != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
    }
    return 0;
}

/* Why the finished file could not take the target's place. */
static int not_moved(output_file *out, eei_error *err)
{
    if (errno == EBUSY) { /* Windows: another program has the file open */
        return eei_fail(err, EEI_ERR_FILE,
                        "%s: in use by another program, which keeps it from being replaced: "
                        "close it and run again (it is unchanged)",
                        out->name);
    }
    return eei_fail(err, EEI_ERR_FILE, "%s: %s", out->name, strerror(errno));
}

/* Rename into place; with no_clobber, fail instead of replacing an existing file. */
static int move_into_place(output_file *out, eei_error *err)
{
    if (!out->opts.no_clobber) {
        return os_replace(out->path, out->target) == 0 ? 0 : not_moved(out, err);
    }
    if (os_move_new(out->path, out->target) == 0) {
        return 0;
    }
    if (errno == EEXIST) {
        return eei_fail(err, EEI_ERR_FILE, "%s: exists; use --force to overwrite it", out->name);
    }
    return not_moved(out, err);
}

static void committed(output_file *out)
{
    cleanup_release(out->cleanup_slot);
    out->cleanup_slot = -1;
    out->path[0] = '\0';
}

/* A stream's end: the spool copied in, the descriptor closed (stdout stays open). */
static int finish_stream(output_file *out, eei_error *err)
{
    int rc = out->spool >= 0 ? copy_spool(out, err) : 0;
    if (out->spool >= 0) {
        os_close(out->spool);
        out->spool = -1;
    }
    if (out->direct && os_close(out->stream) != 0 && rc == 0) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
    }
    out->fd = out->stream = -1;
    return rc;
}

int output_commit(output_file *out, eei_error *err)
{
    if (out->stream >= 0) {
        return finish_stream(out, err);
    }
    if (finish_temp(out, err) != 0 || move_into_place(out, err) != 0) {
        output_abort(out);
        return -1;
    }
    committed(out);
    return 0;
}

/* A hard link to an existing file, kept until the pair is in place: the way back. */
static int keep_old(const char *target, char *backup, size_t size, eei_error *err)
{
    backup[0] = '\0';
    if (!path_exists(target)) {
        return 0;
    }
    for (int tries = 0; tries < 100; tries++) {
        if (os_sibling_name(target, backup, size) != 0) {
            break;
        }
        if (os_hardlink(target, backup) == 0) {
            return 0;
        }
        if (errno != EEXIST) {
            break;
        }
    }
    int e = errno;
    backup[0] = '\0';
    return eei_fail(err, EEI_ERR_FILE, "%s: cannot keep the old file while replacing it: %s",
                    target, strerror(e));
}

int output_commit_pair(output_file *first, output_file *second, eei_error *err)
{
    if (first->stream >= 0 || second->stream >= 0) { /* nothing to put back in a stream */
        int rc = output_commit(first, err);
        if (rc != 0) {
            output_abort(second);
            return rc;
        }
        return output_commit(second, err);
    }
    if (outputs_collide(first->target, second->target)) { /* the second would replace the first */
        output_abort(first);
        output_abort(second);
        return eei_fail(err, EEI_ERR_FILE, "%s and %s are one file: nothing written", second->name,
                        first->name);
    }
    char backup[2][OS_PATH_MAX] = {"", ""};
    bool existed[2] = {path_exists(first->target), path_exists(second->target)};
    output_file *outs[2] = {first, second};
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = finish_temp(outs[i], err);
    }
    for (int i = 0; i < 2 && rc == 0; i++) {
        /*
         * One the system will not replace (a read-only file on Windows) fails the pair before any
         * old file is kept: Windows would not delete the way back, a second name of it, either.
         */
        if (!outs[i]->opts.no_clobber && os_replace_refused(outs[i]->target)) {
            errno = EACCES;
            rc = not_moved(outs[i], err);
        }
    }
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = outs[i]->opts.no_clobber ? 0 : keep_old(outs[i]->target, backup[i], OS_PATH_MAX, err);
    }
    int moved = 0;
    while (rc == 0 && moved < 2) {
        rc = move_into_place(outs[moved], err);
        moved += rc == 0;
    }
    if (rc != 0 && moved == 1) { /* the first is in place, the second is not: undo the first */
        if (backup[0][0] != '\0') {
            os_replace(backup[0], first->target);
            backup[0][0] = '\0';
        } else if (!existed[0]) {
            os_unlink(first->target);
        }
    }
    for (int i = 0; i < 2; i++) {
        if (backup[i][0] != '\0') {
            os_unlink(backup[i]);
        }
        if (rc == 0) {
            committed(outs[i]);
        } else {
            output_abort(outs[i]);
        }
    }
    return rc;
}

void output_abort(output_file *out)
{
    if (out->spool >= 0) {
        os_close(out->spool);
    }
    if (out->direct && out->stream >= 0) {
        os_close(out->stream);
    }
    if (out->stream < 0 && out->fd >= 0) {
        os_close(out->fd); /* an unnamed file is gone with its descriptor */
    }
    out->fd = out->spool = out->stream = -1;
    if (out->path[0] != '\0') {
        os_unlink(out->path);
        out->path[0] = '\0';
    }
    cleanup_release(out->cleanup_slot);
    out->cleanup_slot = -1;
}
