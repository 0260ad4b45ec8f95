/*
 * net.h on POSIX systems. Linux makes a connection's socket non-blocking and close-on-exec in
 * the accept4 call itself and can tell how much of what a socket took the peer has acknowledged
 * (SIOCOUTQ); with EEI_PORTABLE_POSIX (macOS, the BSDs) accept is followed by fcntl, and how much
 * is unacknowledged is unknown. A peer gone while a reply is written is a write error (EPIPE), not
 * a death: os_init ignores SIGPIPE.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__) && !defined(EEI_PORTABLE_POSIX)
#define NET_LINUX 1
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

int net_start(void)
{
    return 0;
}

void net_end(void)
{
    /* nothing to let go of */
}

/* Non-blocking, and closed in a program this one starts. */
static int nonblocking_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
                   fcntl(fd, F_SETFD, FD_CLOEXEC) == 0
               ? 0
               : -1;
}

net_socket net_listen(const struct sockaddr *addr, socklen_t len)
{
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);
    int one = 1, zero = 0;
    if (fd >= 0 && addr->sa_family == AF_INET6) { /* as Linux's default; OpenBSD has no such */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    }
    if (fd < 0 || nonblocking_cloexec(fd) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, addr, len) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        errno = e;
        return NET_NONE;
    }
    return fd;
}

net_socket net_accept(net_socket listener, struct sockaddr_storage *peer)
{
    socklen_t len = sizeof(*peer);
#ifdef NET_LINUX
    return accept4(listener, (struct sockaddr *)peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
#else
    int fd = accept(listener, (struct sockaddr *)peer, &len);
    if (fd >= 0 && nonblocking_cloexec(fd) != 0) {
        close(fd);
        fd = NET_NONE;
    }
    return fd;
#endif
}

int net_wait(net_socket s, int events, int ms)
{
    short want = (short)((events & NET_READ ? POLLIN : 0) | (events & NET_WRITE ? POLLOUT : 0));
    struct pollfd p = {.fd = s, .events = want};
    int r = poll(&p, 1, ms);
    if (r < 0) {
        return errno == EINTR ? 0 : -1;
    }
    return r == 0 ? 0 : p.revents & POLLNVAL ? -1 : 1;
}

long net_unacknowledged(net_socket s)
{
#ifdef NET_LINUX
    int n;
    return ioctl(s, SIOCOUTQ, &n) == 0 ? n : -1;
#else
    (void)s;
    return -1;
#endif
}

void net_shutdown(net_socket s)
{
    shutdown(s, SHUT_RDWR);
}

void net_close(net_socket s)
{
    close(s);
}

const char *net_error(void)
{
    return strerror(errno);
}

const char *net_address_error(int code)
{
    return gai_strerror(code);
}
