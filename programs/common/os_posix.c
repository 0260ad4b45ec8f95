/*
 * os.h on POSIX systems: Linux, macOS, the BSDs. What only Linux has (an unnamed file linked in
 * when complete, a rename that never replaces, getrandom, read-ahead advice) is used on Linux
 * unless EEI_PORTABLE_POSIX asks for what every POSIX system has instead: a named temporary file
 * removed on the signals that stop the process, a hard link, getentropy.
 */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__) && !defined(EEI_PORTABLE_POSIX)
#define OS_LINUX 1
#include <sys/random.h>
#elif defined(__APPLE__)
#include <sys/random.h> /* getentropy */
#endif

/* ---- what a path names ---- */

static void info_of(const struct stat *st, os_info *info)
{
    info->kind = S_ISREG(st->st_mode)    ? OS_FILE
                 : S_ISDIR(st->st_mode)  ? OS_DIRECTORY
                 : S_ISFIFO(st->st_mode) ? OS_FIFO
                 : S_ISSOCK(st->st_mode) ? OS_SOCKET
                                         : OS_DEVICE;
    info->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
    info->dev = (uint64_t)st->st_dev;
    info->ino = (uint64_t)st->st_ino;
    info->mode = (unsigned)(st->st_mode & 07777);
}

int os_stat(const char *path, os_info *info)
{
    struct stat st;
    memset(info, 0, sizeof(*info));
    if (stat(path, &st) != 0) {
        info->kind = OS_MISSING;
        return -1;
    }
    info_of(&st, info);
    return 0;
}

int os_fstat(int fd, os_info *info)
{
    struct stat st;
    memset(info, 0, sizeof(*info));
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    info_of(&st, info);
    return 0;
}

bool os_is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

os_ssize os_readlink(const char *path, char *out, size_t size)
{
    ssize_t n = readlink(path, out, size - 1);
    if (n >= 0) {
        out[n] = '\0';
    }
    return n;
}

int os_realpath(const char *path, char *out, size_t size)
{
    char buf[PATH_MAX];
    if (!realpath(path, buf)) {
        return -1;
    }
    if (snprintf(out, size, "%s", buf) >= (int)size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

bool os_same_file(const char *a, const char *b)
{
    os_info ia, ib;
    return os_stat(a, &ia) == 0 && os_stat(b, &ib) == 0 && ia.dev == ib.dev && ia.ino == ib.ino;
}

bool os_reserved_name(const char *path)
{
    (void)path;
    return false;
}

bool os_stream_name(const char *path)
{
    (void)path;
    return false;
}

bool os_is_separator(char c)
{
    return c == '/';
}

/*
 * Linux's rule for following a link (fs.protected_symlinks): one in a folder that is sticky and
 * world-writable (a /tmp) is followed only by its owner or when the folder's owner owns it.
 */
static bool link_followable(const char *link, const struct stat *st)
{
    char dir[OS_PATH_MAX];
    struct stat d;
    os_dirname(link, dir, sizeof(dir));
    if (st->st_uid == geteuid() || stat(dir[0] ? dir : "/", &d) != 0) {
        return true;
    }
    return (d.st_mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH) || d.st_uid == st->st_uid;
}

/*
 * os_resolve's walk; with untrusted, a link that link_followable refuses ends it (-2, the link's
 * path in untrusted).
 */
static int resolve_walk(const char *path, char *out, size_t size, char *untrusted,
                        size_t untrusted_size)
{
    char todo[2 * OS_PATH_MAX], target[OS_PATH_MAX];
    if (strlen(path) >= OS_PATH_MAX || size < 2) {
        return -1;
    }
    if (path[0] != '/' && !getcwd(out, size)) {
        return -1;
    }
    if (path[0] == '/' || strcmp(out, "/") == 0) {
        out[0] = '\0'; /* "": the root, which every component below is appended to */
    }
    snprintf(todo, sizeof(todo), "%s", path);
    const char *rest = todo;
    size_t missing = 0; /* components at the end of out that do not exist */
    int links = 0;
    while (*rest) {
        size_t n = strcspn(rest, "/");
        const char *part = rest;
        rest += n + strspn(rest + n, "/");
        size_t len = strlen(out);
        if (n == 0 || (n == 1 && part[0] == '.')) {
            continue;
        }
        if (n == 2 && part[0] == '.' && part[1] == '.') { /* out has no link: its parent is real */
            char *slash = strrchr(out, '/');
            *(slash ? slash : out) = '\0';
            missing -= missing > 0;
            continue;
        }
        if (len + 1 + n >= size) {
            return -1;
        }
        out[len] = '/';
        memcpy(out + len + 1, part, n);
        out[len + 1 + n] = '\0';
        struct stat st;
        if (missing > 0 || lstat(out, &st) != 0) {
            missing++;
            continue;
        }
        if (!S_ISLNK(st.st_mode)) {
            continue;
        }
        if (untrusted && !link_followable(out, &st)) {
            snprintf(untrusted, untrusted_size, "%s", out);
            return -2;
        }
        ssize_t t = readlink(out, target, sizeof(target) - 1);
        if (t < 0 || ++links > 40 || (size_t)t + 1 + strlen(rest) >= sizeof(todo)) {
            return -1; /* 40: Linux's own limit on links in one path */
        }
        target[t] = '\0';
        /* go on from the link's folder (the root for an absolute target) with "target/rest" */
        out[target[0] == '/' ? 0 : len] = '\0';
        size_t rest_len = strlen(rest);
        memmove(todo + t + 1, rest, rest_len + 1);
        memcpy(todo, target, (size_t)t);
        todo[t] = '/';
        rest = todo;
    }
    if (!out[0]) {
        snprintf(out, size, "/");
    }
    return 0;
}

int os_resolve(const char *path, char *out, size_t size)
{
    return resolve_walk(path, out, size, NULL, 0);
}

bool os_untrusted_link(const char *path, char *link, size_t size)
{
    char where[OS_PATH_MAX];
    return resolve_walk(path, where, sizeof(where), link, size) == -2;
}

bool os_path_within(const char *root, const char *path)
{
    /* neither has '.', '..', a link or a doubled '/': a prefix that ends at a '/' is whole */
    size_t n = strlen(root);
    n -= n > 0 && root[n - 1] == '/'; /* "/" -> "" */
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* ---- files beneath a folder (what a server serves) ---- */

int os_open_folder(const char *path)
{
    return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int os_open_beneath(int dir, const char *rel)
{
    char path[OS_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s", rel) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int at = dir, fd = -1;
    char *save = NULL;
    char *part = strtok_r(path, "/", &save);
    errno = EINVAL; /* "": the folder itself */
    while (part) {
        char *next = strtok_r(NULL, "/", &save);
        /* O_NONBLOCK: a FIFO opens at once (and is then refused), it cannot hang */
        int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (next ? O_DIRECTORY : O_NONBLOCK);
        fd = openat(at, part, flags);
        int e = errno;
        if (at != dir) {
            close(at);
        }
        errno = e;
        if (fd < 0 || !next) {
            break;
        }
        at = fd;
        fd = -1;
        part = next;
    }
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EINVAL;
        fd = -1;
    }
    return fd;
}

/* ---- reading and writing ---- */

int os_open_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    return fd;
}

/* A local socket, written to as its client. */
static int connect_socket(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (fd >= 0 && connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
    }
    return fd;
}

int os_open_stream(const char *path, os_kind kind)
{
    return kind == OS_SOCKET ? connect_socket(path) : open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
}

os_ssize os_read(int fd, void *buf, size_t len)
{
    return read(fd, buf, len);
}

os_ssize os_write(int fd, const void *buf, size_t len)
{
    return write(fd, buf, len);
}

os_ssize os_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    return pread(fd, buf, len, (off_t)offset);
}

os_ssize os_pwrite(int fd, const void *buf, size_t len, uint64_t offset)
{
    return pwrite(fd, buf, len, (off_t)offset);
}

int os_rewind(int fd)
{
    return lseek(fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

int os_close(int fd)
{
    return close(fd);
}

bool os_isatty(int fd)
{
    return isatty(fd) == 1;
}

void os_read_ahead(int fd)
{
#ifdef OS_LINUX
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#else
    (void)fd;
#endif
}

/* ---- files written whole, then moved into place ---- */

void os_dirname(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    while (slash && slash > path && slash[1] == '\0') { /* "dir/" names dir */
        const char *p = slash - 1;
        while (p > path && *p != '/') {
            p--;
        }
        slash = *p == '/' ? p : NULL;
    }
    if (!slash) {
        snprintf(out, size, ".");
    } else if (slash == path) {
        snprintf(out, size, "/");
    } else {
        snprintf(out, size, "%.*s", (int)(slash - path), path);
    }
}

void os_basename(const char *path, char *out, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') {
        len--;
    }
    size_t start = len;
    while (start > 0 && path[start - 1] != '/') {
        start--;
    }
    snprintf(out, size, "%.*s", (int)(len - start), path + start);
}

static mode_t process_umask = 022;

int os_temp_create(const char *target, char *path, size_t size)
{
    path[0] = '\0';
#ifdef OS_LINUX
    char dir[OS_PATH_MAX];
    os_dirname(target, dir, sizeof(dir));
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) {
        return fd;
    }
    /* a filesystem without O_TMPFILE: a named file, as elsewhere */
#endif
    for (int tries = 0; tries < 100; tries++) {
        if (os_sibling_name(target, path, size) != 0) {
            return -1;
        }
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd >= 0 || errno != EEXIST) {
            if (fd < 0) {
                path[0] = '\0';
            }
            return fd;
        }
    }
    path[0] = '\0';
    errno = EEXIST;
    return -1;
}

int os_temp_name(int fd, const char *target, char *path, size_t size)
{
#ifdef OS_LINUX
    for (int tries = 0; tries < 100; tries++) {
        if (os_sibling_name(target, path, size) != 0) {
            return -1;
        }
        /* linkat from the descriptor needs CAP_DAC_READ_SEARCH; through /proc it does not */
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0 ||
            linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) {
            return 0;
        }
        if (errno != EEXIST) {
            break;
        }
    }
    path[0] = '\0';
    return -1;
#else
    (void)fd, (void)target, (void)path, (void)size;
    errno = ENOSYS; /* every temporary file has a name from the start */
    return -1;
#endif
}

int os_temp_finish(int fd, unsigned mode, bool private_file)
{
    mode_t m = private_file ? 0600 : (mode_t)mode & ~process_umask;
    int rc = fchmod(fd, m);
    int e = errno;
    /* close() reports deferred write errors (NFS, quota) */
    if (close(fd) != 0 && rc == 0) {
        return -1;
    }
    errno = e;
    return rc;
}

int os_replace(const char *from, const char *to)
{
    return rename(from, to);
}

bool os_replace_refused(const char *path)
{
    (void)path;
    return false;
}

int os_move_new(const char *from, const char *to)
{
#ifdef OS_LINUX
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) { /* else a filesystem without it: link, unlink */
        return -1;
    }
#endif
    if (link(from, to) != 0) {
        return -1;
    }
    unlink(from);
    return 0;
}

int os_hardlink(const char *from, const char *to)
{
    return link(from, to);
}

int os_unlink(const char *path)
{
    return unlink(path);
}

int os_mkdir(const char *path, unsigned mode)
{
    return mkdir(path, (mode_t)mode);
}

int os_spool_create(void)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[OS_PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/esp_enc_img.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmpl);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        unlink(tmpl); /* anonymous from here on: nothing to clean up */
    }
    return fd;
}

/* ---- the process ---- */

/*
 * A standard descriptor that is closed (a daemon's, `cmd >&- 2>&-`) is held by a descriptor that
 * is as useless as a closed one: otherwise the next file opened would take its number, and a
 * warning for stderr or an answer for stdout would be written into an output. /dev/null opened
 * the other way round fails every read or write with EBADF, as the closed descriptor did; where
 * there is no /dev/null, the end of a pipe that nothing is at: stdin reads its end, stdout and
 * stderr fail with EPIPE.
 */
static void hold_closed_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            continue;
        }
        int held = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_NOCTTY);
        if (held < 0) {
            int ends[2];
            if (pipe(ends) != 0) {
                _exit(3); /* no descriptor at all: nothing could be done safely */
            }
            held = ends[fd == 0 ? 0 : 1];
            close(ends[fd == 0 ? 1 : 0]);
        }
        if (held != fd) { /* the lowest free number: fd itself, unless a pipe's other end is */
            if (dup2(held, fd) != fd) {
                _exit(3);
            }
            close(held);
        }
    }
}

void os_init(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    hold_closed_std_fds();
    process_umask = umask(0);
    umask(process_umask);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout pipe: EPIPE from write(), reported */
    signal(SIGXFSZ, SIG_IGN); /* past ulimit -f: write() fails with EFBIG */
}

static void (*stop_cleanup)(void);

static void on_stop_signal(int sig)
{
    if (stop_cleanup) {
        stop_cleanup();
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void os_on_stop(void (*cleanup)(void))
{
    stop_cleanup = cleanup;
    struct sigaction sa, was;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /*
     * Every other signal that ends a process, unless it is ignored already (as SIGQUIT is in a
     * shell's background job): only SIGKILL is left, which leaves a named temporary file where
     * the file being written has a name (docs/SECURITY.md).
     */
    static const int more[] = {SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU};
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        if (sigaction(more[i], NULL, &was) == 0 && was.sa_handler != SIG_IGN) {
            sigaction(more[i], &sa, NULL);
        }
    }
}

static void (*interrupt_handler)(int sig);

static void on_interrupt(int sig)
{
    /* a second one ends the process at once, as os_on_stop ends it: named temporary files go */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    interrupt_handler(sig);
}

void os_on_interrupt(void (*handler)(int sig))
{
    interrupt_handler = handler;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt; /* no SA_RESTART: a blocked poll returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

const char *os_signal_name(int sig)
{
    return strsignal(sig);
}

void os_end_as(int sig)
{
    fflush(NULL); /* what was printed (a --json answer) is out before the signal ends it */
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig); /* a signal that did not end it (blocked): the status it would have given */
}

const char *os_getenv(const char *name)
{
    return getenv(name);
}

int os_random(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        size_t chunk = n < 256 ? n : 256; /* getentropy's limit */
#ifdef OS_LINUX
        if (getrandom(p, chunk, 0) != (ssize_t)chunk) {
            return -1;
        }
#else
        if (getentropy(p, chunk) != 0) {
            return -1;
        }
#endif
        p += chunk;
        n -= chunk;
    }
    return 0;
}

int os_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

double os_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void os_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
