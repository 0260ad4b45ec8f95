/*
 * The operating system under the programs: files by UTF-8 path, the process, the console. One
 * header, two implementations: os_posix.c (Linux, macOS, the BSDs; with EEI_PORTABLE_POSIX, on
 * Linux too, only what they all have) and os_windows.c (the wide-character API underneath).
 * Files are C runtime descriptors on both (on Windows opened in binary mode); failures return -1
 * with errno set, so messages are strerror(errno) everywhere.
 */
#ifndef EEI_OS_H
#define EEI_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <basetsd.h>
typedef SSIZE_T os_ssize;
#define OS_PATH_MAX 4096 /* UTF-8 bytes; Windows' own limit is 32767 UTF-16 units with \\?\ */
#else
#include <limits.h>
#include <sys/types.h>
typedef ssize_t os_ssize;
#define OS_PATH_MAX PATH_MAX
#endif

/* ---- what a path names ---- */

typedef enum {
    OS_MISSING,   /* nothing there (stat failed with ENOENT or ENOTDIR) */
    OS_FILE,      /* a regular file */
    OS_DIRECTORY, /* a folder */
    OS_DEVICE,    /* a character or block device, a console, NUL */
    OS_FIFO,      /* a FIFO or pipe */
    OS_SOCKET,    /* a local socket */
} os_kind;

typedef struct {
    os_kind kind;
    uint64_t size;     /* of a regular file */
    uint64_t dev, ino; /* one file, whatever its name (a volume and a file index on Windows) */
    unsigned mode;     /* permission bits (0777 style; on Windows 0600 for a file of its owner's) */
} os_info;

/* Links followed. 0, or -1 with errno (ENOENT: info->kind is OS_MISSING). */
int os_stat(const char *path, os_info *info);
int os_fstat(int fd, os_info *info);
/* The path itself is a symbolic link. */
bool os_is_link(const char *path);
/* What the link at path points to, as written in it (NUL-terminated): its length, or -1. */
os_ssize os_readlink(const char *path, char *out, size_t size);
/* The absolute path of an existing file, every link resolved. 0, or -1 with errno. */
int os_realpath(const char *path, char *out, size_t size);
/* The two paths are the same file (both exist). */
bool os_same_file(const char *a, const char *b);
/* A name the system keeps for a device in every folder (Windows: CON, NUL, AUX, COM1...). */
bool os_reserved_name(const char *path);
/* A stream of a file (Windows: "NAME:STREAM", "NAME::$DATA"), not a file. False on POSIX. */
bool os_stream_name(const char *path);
/* The folder of path ("." for a bare name), and its last component, both into out. */
void os_dirname(const char *path, char *out, size_t size);
void os_basename(const char *path, char *out, size_t size);
/* A separator of path components: '/', and on Windows '\\' too. */
bool os_is_separator(char c);
/*
 * The absolute path that path names, or will name once created, resolved as the system resolves
 * it when the path is used: on POSIX one component at a time from the left, a link replaced by
 * its target where it stands ("link/.." is the parent of the link's target); on Windows '..' as
 * written first, then the links of the part that exists. What does not exist yet is taken as
 * written. 0, or -1 (too long, a loop of links, no current folder).
 */
int os_resolve(const char *path, char *out, size_t size);
/*
 * On the way to what path names (os_resolve's walk), a symbolic link that Linux would not follow
 * with fs.protected_symlinks on: in a folder that is sticky and anyone may write to (a /tmp),
 * owned neither by the user running this nor by the folder's owner. True, with the link's path in
 * link; false on Windows (no such links there).
 */
bool os_untrusted_link(const char *path, char *link, size_t size);
/*
 * path is root or lies beneath it, both as os_realpath or os_resolve give them: whole components
 * compared (on Windows without regard to case, '/' and '\\' alike, with or without \\?\); a
 * root of "/" (on Windows a drive's "C:\") holds every path on it.
 */
bool os_path_within(const char *root, const char *path);

/* ---- files beneath a folder (what a server serves) ---- */

/* A folder, held open for os_open_beneath (it may move: what is opened beneath it follows). */
int os_open_folder(const char *path);
/*
 * The regular file at rel beneath the folder dir ('/' between components; no "." or ".."), for
 * reading. Each component is opened from the one before it, no link followed (on Windows, no
 * link, junction or mount point): a folder on the way swapped for a link cannot lead out. It
 * never waits (a FIFO is refused at once). Windows also refuses a name it would not take as
 * written (CON, NUL.txt, "file:stream", a trailing dot or space), and a file whose final path
 * does not lie beneath the folder's. Its descriptor, or -1 with errno.
 */
int os_open_beneath(int dir, const char *rel);

/* ---- reading and writing ---- */

/* An existing file for reading. A directory is refused (EISDIR). */
int os_open_read(const char *path);
/* An existing device, FIFO or (POSIX) local socket to write into, never truncated or replaced. */
int os_open_stream(const char *path, os_kind kind);
os_ssize os_read(int fd, void *buf, size_t len);
os_ssize os_write(int fd, const void *buf, size_t len);
/* At offset, the descriptor's own position unmoved. */
os_ssize os_pread(int fd, void *buf, size_t len, uint64_t offset);
os_ssize os_pwrite(int fd, const void *buf, size_t len, uint64_t offset);
int os_rewind(int fd);
int os_close(int fd);
bool os_isatty(int fd);
/* Tell the system the file is read from start to end (a hint; nothing when there is none). */
void os_read_ahead(int fd);

/* ---- files written whole, then moved into place ---- */

/*
 * A new file in the folder of target, readable by its owner only, for the output to be written
 * to: its descriptor, or -1 with errno. On Linux it has no name (O_TMPFILE) and *path is ""
 * until os_temp_name; elsewhere it is named (a hidden ".BASE.XXXXXX" beside target) in path.
 */
int os_temp_create(const char *target, char *path, size_t size);
/* Give the unnamed file fd a free ".BASE.XXXXXX" name beside target (in path). */
int os_temp_name(int fd, const char *target, char *path, size_t size);
/*
 * The file complete: its data on its way to the disk, its permissions set (private: readable
 * by its owner only; else mode less the umask on POSIX, the folder's inherited rights on
 * Windows), closed. -1 with errno, the descriptor closed all the same.
 */
int os_temp_finish(int fd, unsigned mode, bool private_file);
/*
 * A name beside target for a file that stands in for it a while (a temporary file, a backup):
 * ".NAME.xxxxxx" in target's folder, six random letters and digits (one case: Windows' names
 * are caseless). Of a NAME over 200 bytes only its beginning, cut where a UTF-8 character starts,
 * so the name fits wherever NAME does (255 bytes; 255 UTF-16 units). -1 (errno) when path is too
 * small or the system gives no random bytes.
 */
int os_sibling_name(const char *target, char *path, size_t size);
/* Move from over to (an existing to is replaced, in one step). */
int os_replace(const char *from, const char *to);
/*
 * The system refuses to replace the file at path whoever asks: on Windows a read-only file
 * (os_replace fails with EACCES, as Windows' own programs do). Never on POSIX, where a file's
 * mode is no bar to replacing it.
 */
bool os_replace_refused(const char *path);
/* Move from to to, which must not exist (EEXIST if it does). */
int os_move_new(const char *from, const char *to);
/* A second name for the file at from (a hard link). */
int os_hardlink(const char *from, const char *to);
int os_unlink(const char *path);
int os_mkdir(const char *path, unsigned mode);
/* An anonymous file for a writer that seeks (removed when closed): its descriptor, or -1. */
int os_spool_create(void);

#ifdef _WIN32
/*
 * The security descriptor of a private file: a protected DACL that grants the user running this
 * alone ("D:P(A;;FA;;;<SID>)"); NULL when it cannot be made. LocalFree it.
 */
void *os_private_descriptor(void);
#endif

/* ---- the process ---- */

/*
 * Once, first thing in main: on Windows, argv becomes the command line in UTF-8, stdin and
 * stdout binary, the console UTF-8. A closed pipe (SIGPIPE) and a file size limit (SIGXFSZ) are
 * write errors from here on, not deaths.
 */
void os_init(int *argc, char ***argv);
/*
 * Run cleanup when the process is asked to stop (SIGINT, SIGTERM, SIGHUP; Windows: Ctrl-C,
 * Ctrl-Break, the console closed), then end as that request ends it. cleanup must only unlink.
 */
void os_on_stop(void (*cleanup)(void));
/*
 * Work that stops between steps: the first request to stop calls handler with its signal
 * (SIGINT, SIGTERM, SIGHUP; on Windows SIGINT for Ctrl-C, SIGBREAK... for the others), which
 * only sets a flag; a second request ends the process at once. Not restarted: a blocked wait
 * returns (on POSIX, with EINTR).
 */
void os_on_interrupt(void (*handler)(int sig));
/* A few words for a stop request's signal ("Interrupt", "Terminated", "Hangup"). */
const char *os_signal_name(int sig);
/* End the process as the stop request sig ends it: its status is 128 + sig for the shell. */
void os_end_as(int sig);
/* An environment variable, in UTF-8; NULL when unset. */
const char *os_getenv(const char *name);
/* n random bytes from the system. 0, or -1. */
int os_random(void *buf, size_t n);
/* How many processors run this process's threads. */
int os_cpu_count(void);
/* Seconds since some fixed point, for durations. */
double os_now(void);
void os_sleep_ms(unsigned ms);

#endif
