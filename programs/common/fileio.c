#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- temporary files removed on a fatal signal ---- */

#define CLEANUP_SLOTS 512 /* more than the outputs open at once (batch --jobs is at most 256) */

static struct {
    int used;
    char path[PATH_MAX];
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

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (__atomic_load_n(&cleanup[i].used, __ATOMIC_ACQUIRE) == 1) {
            unlink(cleanup[i].path);
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static mode_t process_umask = 022;

void fileio_init(void)
{
    process_umask = umask(0);
    umask(process_umask);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a closed stdout pipe shows up as EPIPE from write(), and is reported like any error */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* past ulimit -f: write() fails with EFBIG */
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

static int open_input(input_file *in, const char *path, bool capped, eei_error *err)
{
    struct stat st;
    memset(in, 0, sizeof(*in));
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
        in->name = "stdin";
    } else {
        in->name = path;
        in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (in->fd < 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(errno));
        }
    }
    if (fstat(in->fd, &st) != 0) {
        int e = errno;
        input_close(in);
        return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        input_close(in);
        return eei_fail(err, EEI_ERR_FILE, "%s: is a directory", path);
    }
    in->regular = S_ISREG(st.st_mode);
    in->size = in->regular ? (uint64_t)st.st_size : 0;
    if (capped && in->regular && in->size > input_cap()) {
        int rc = too_large(in, err);
        input_close(in);
        return rc;
    }
    if (in->regular) {
        posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
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
        ssize_t n = offset < 0
                        ? read(in->fd, buf + total, cap - total)
                        : pread(in->fd, buf + total, cap - total, (off_t)offset + (off_t)total);
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
    if (in->fd > STDIN_FILENO) {
        close(in->fd);
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

int make_dirs(const char *path, mode_t mode, eei_error *err)
{
    char buf[PATH_MAX];
    int n = snprintf(buf, sizeof(buf), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
    }
    for (char *p = buf + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(buf, mode) != 0 && errno != EEXIST) {
                return eei_fail(err, EEI_ERR_FILE, "%s: cannot create: %s", buf, strerror(errno));
            }
            if (end) {
                return 0;
            }
            *p = '/';
        }
    }
}

bool path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0 || stat(a, &sa) != 0 || stat(b, &sb) != 0) {
        return false;
    }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int output_check(const char *path, const char *const *inputs, size_t n, eei_error *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        return 0;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: is a directory; give a file name", path);
    }
    for (size_t i = 0; i < n; i++) {
        if (inputs[i] && same_file(path, inputs[i])) {
            return eei_fail(err, EEI_ERR_FILE,
                            "%s is the input %s: refusing to replace an input with the output "
                            "(give another output name)",
                            path, inputs[i]);
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
    char cur[PATH_MAX], link[PATH_MAX];
    if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", path);
    }
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            break;
        }
        ssize_t n = readlink(cur, link, sizeof(link) - 1);
        if (n < 0 || hops >= 40) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", path,
                            n < 0 ? strerror(errno) : "too many levels of symbolic links");
        }
        link[n] = '\0';
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", cur);
        int m = link[0] == '/' ? snprintf(cur, sizeof(cur), "%s", link)
                               : snprintf(cur, sizeof(cur), "%s/%s", dirname(dir), link);
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
        ssize_t n = write(fd, buf, len);
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

/* An anonymous temporary file: what a seekable writer writes before it goes to a stream. */
static int open_spool(output_file *out, eei_error *err)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/esp_enc_img.XXXXXX", dir && *dir ? dir : "/tmp");
    out->spool = mkostemp(tmpl, O_CLOEXEC);
    if (out->spool < 0) {
        return eei_fail(err, EEI_ERR_FILE, "temporary file in %s: %s", tmpl, strerror(errno));
    }
    unlink(tmpl); /* anonymous from here on: nothing to clean up */
    return 0;
}

/* dir/.base.XXXXXX for target, in buf: a template for mkostemp. */
static int temp_name(const char *target, char *buf, size_t size)
{
    char dir_buf[PATH_MAX], base_buf[PATH_MAX];
    snprintf(dir_buf, sizeof(dir_buf), "%s", target);
    snprintf(base_buf, sizeof(base_buf), "%s", target);
    int n = snprintf(buf, size, "%s/.%s.XXXXXX", dirname(dir_buf), basename(base_buf));
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* dir/.base.<6 random letters> for target: a name for link(), which fails if it is taken. */
static int random_name(const char *target, char *buf, size_t size)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint8_t r[6];
    if (temp_name(target, buf, size) != 0 || getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        return -1;
    }
    char *x = buf + strlen(buf) - sizeof(r);
    for (size_t i = 0; i < sizeof(r); i++) {
        x[i] = letters[r[i] % (sizeof(letters) - 1)];
    }
    return 0;
}

/*
 * The file being written has no name (O_TMPFILE) until it is complete: whatever signal ends the
 * process, nothing of it is left in the directory. Filesystems without O_TMPFILE get a named
 * temporary file instead, removed on SIGINT, SIGTERM and SIGHUP (docs/SECURITY.md).
 */
static int open_temp(output_file *out, eei_error *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", out->target);
    out->fd = open(dirname(dir), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (out->fd >= 0) {
        out->unnamed = true;
        return 0;
    }
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        return eei_fail(err, EEI_ERR_FILE, "%s: cannot create a file in its directory: %s",
                        out->name, strerror(errno));
    }
    if (temp_name(out->target, out->path, sizeof(out->path)) != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: path too long", out->name);
    }
    out->fd = mkostemp(out->path, O_CLOEXEC); /* O_EXCL, mode 0600 */
    if (out->fd < 0) {
        int e = errno;
        out->path[0] = '\0';
        return eei_fail(err, EEI_ERR_FILE, "%s: cannot create a file in its directory: %s",
                        out->name, strerror(e));
    }
    out->cleanup_slot = cleanup_claim(out->path);
    return 0;
}

/* A local socket: written to as a client, as a shell's redirection cannot. */
static int connect_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
    }
    return fd;
}

/*
 * Something that is not a file to replace: a terminal, a device, a FIFO, a socket (or stdout).
 * It is written straight into, never replaced; a seekable writer writes a spool first.
 */
static int open_stream(output_file *out, int fd, eei_error *err)
{
    out->stream = fd;
    if (!out->opts.text && isatty(fd)) {
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

int output_open(output_file *out, const char *path, const output_options *opts, eei_error *err)
{
    memset(out, 0, sizeof(*out));
    out->opts = *opts;
    out->cleanup_slot = -1;
    out->fd = out->spool = out->stream = -1;
    if (strcmp(path, "-") == 0) {
        out->to_stdout = true;
        out->name = "stdout";
        return open_stream(out, STDOUT_FILENO, err);
    }
    out->name = path;
    if (opts->no_clobber && path_exists(path)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: exists; use --force to overwrite it", path);
    }
    struct stat st;
    if (stat(path, &st) != 0) { /* a new file, maybe at the end of a dangling link */
        return resolve_links(path, out->target, sizeof(out->target), err) == 0 ? open_temp(out, err)
                                                                               : -1;
    }
    if (S_ISDIR(st.st_mode)) {
        return eei_fail(err, EEI_ERR_FILE, "%s: is a directory; give a file name", path);
    }
    if (S_ISREG(st.st_mode)) { /* replaced: the file the links end at, beside itself */
        if (!realpath(path, out->target)) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(errno));
        }
        return open_temp(out, err);
    }
    /* opened by the path the user gave: the kernel follows links such as /dev/stdout */
    int fd =
        S_ISSOCK(st.st_mode) ? connect_socket(path) : open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: %s", path, strerror(errno));
    }
    out->direct = true;
    if (open_stream(out, fd, err) != 0) {
        close(fd);
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
        ssize_t n = pwrite(write_fd(out), buf, len, (off_t)offset);
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

static int copy_spool(output_file *out, eei_error *err)
{
    static uint8_t buf[64 * 1024];
    if (lseek(out->spool, 0, SEEK_SET) != 0) {
        return eei_fail(err, EEI_ERR_FILE, "temporary file: %s", strerror(errno));
    }
    for (;;) {
        ssize_t n = read(out->spool, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return eei_fail(err, EEI_ERR_FILE, "temporary file: %s", strerror(errno));
        }
        if (n == 0) {
            return 0;
        }
        if (write_all(out->stream, buf, (size_t)n) != 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
        }
    }
}

int output_sha256(output_file *out, uint8_t digest[EEI_SHA256_SIZE], eei_error *err)
{
    int fd = out->spool >= 0 ? out->spool : out->stream < 0 ? out->fd : -1;
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
    for (off_t off = 0;;) {
        ssize_t n = pread(fd, buf, EEI_IO_CHUNK, off);
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
        off += n;
    }
    eei_sha256_final(sha, digest);
    eei_sha256_free(sha);
    free(buf);
    return rc;
}

/* Give the finished unnamed file a name: linkat, from the descriptor or through /proc. */
static int link_unnamed(output_file *out, const char *name)
{
    if (linkat(out->fd, "", AT_FDCWD, name, AT_EMPTY_PATH) == 0) {
        return 0; /* needs CAP_DAC_READ_SEARCH */
    }
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", out->fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

/*
 * The complete file under a temporary name beside the target (out->path), closed, its mode
 * set: what is left is a rename. close() reports deferred write errors (NFS, quota).
 */
static int finish_temp(output_file *out, eei_error *err)
{
    if (fchmod(out->fd, out->opts.mode & ~process_umask) != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: %s", out->name, strerror(errno));
    }
    if (out->unnamed) {
        for (int tries = 0;; tries++) {
            if (random_name(out->target, out->path, sizeof(out->path)) != 0) {
                return eei_fail(err, EEI_ERR_FILE, "%s: path too long", out->name);
            }
            out->cleanup_slot = cleanup_claim(out->path);
            if (link_unnamed(out, out->path) == 0) {
                break;
            }
            int e = errno;
            cleanup_release(out->cleanup_slot);
            out->cleanup_slot = -1;
            out->path[0] = '\0';
            if (e != EEXIST || tries > 100) {
                return eei_fail(err, EEI_ERR_FILE, "%s: %s", out->name, strerror(e));
            }
        }
    }
    int rc = close(out->fd);
    out->fd = -1;
    if (rc != 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: write failed: %s", out->name, strerror(errno));
    }
    return 0;
}

/* Rename into place; with no_clobber, fail instead of replacing an existing file. */
static int move_into_place(output_file *out, eei_error *err)
{
    if (!out->opts.no_clobber) {
        if (rename(out->path, out->target) != 0) {
            return eei_fail(err, EEI_ERR_FILE, "%s: %s", out->name, strerror(errno));
        }
        return 0;
    }
    if (renameat2(AT_FDCWD, out->path, AT_FDCWD, out->target, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno == EINVAL || errno == ENOSYS) { /* filesystem without RENAME_NOREPLACE */
        if (link(out->path, out->target) == 0) {
            unlink(out->path);
            return 0;
        }
    }
    if (errno == EEXIST) {
        return eei_fail(err, EEI_ERR_FILE, "%s: exists; use --force to overwrite it", out->name);
    }
    return eei_fail(err, EEI_ERR_FILE, "%s: %s", out->name, strerror(errno));
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
        close(out->spool);
        out->spool = -1;
    }
    if (out->direct && close(out->stream) != 0 && rc == 0) {
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
        if (random_name(target, backup, size) != 0) {
            break;
        }
        if (link(target, backup) == 0) {
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
    char backup[2][PATH_MAX] = {"", ""};
    bool existed[2] = {path_exists(first->target), path_exists(second->target)};
    output_file *outs[2] = {first, second};
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = finish_temp(outs[i], err);
    }
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = outs[i]->opts.no_clobber ? 0 : keep_old(outs[i]->target, backup[i], PATH_MAX, err);
    }
    int moved = 0;
    while (rc == 0 && moved < 2) {
        rc = move_into_place(outs[moved], err);
        moved += rc == 0;
    }
    if (rc != 0 && moved == 1) { /* the first is in place, the second is not: undo the first */
        if (backup[0][0] != '\0') {
            rename(backup[0], first->target);
            backup[0][0] = '\0';
        } else if (!existed[0]) {
            unlink(first->target);
        }
    }
    for (int i = 0; i < 2; i++) {
        if (backup[i][0] != '\0') {
            unlink(backup[i]);
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
        close(out->spool);
    }
    if (out->direct && out->stream >= 0) {
        close(out->stream);
    }
    if (out->stream < 0 && out->fd >= 0) {
        close(out->fd); /* an unnamed file is gone with its descriptor */
    }
    out->fd = out->spool = out->stream = -1;
    if (out->path[0] != '\0') {
        unlink(out->path);
        out->path[0] = '\0';
    }
    cleanup_release(out->cleanup_slot);
    out->cleanup_slot = -1;
}
