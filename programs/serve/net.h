/*
 * The sockets under the server: one header, two implementations. net_posix.c (Linux, macOS, the
 * BSDs; Linux's own calls unless EEI_PORTABLE_POSIX) and net_windows.c (Winsock 2). getaddrinfo,
 * getnameinfo, getsockname, inet_pton and the sockaddr types are the same on both and used as
 * they are. Every socket made here is non-blocking and not inherited by child processes.
 */
#ifndef EEI_NET_H
#define EEI_NET_H

#include <stddef.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SOCKET net_socket;
#define NET_NONE INVALID_SOCKET
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
typedef int net_socket;
#define NET_NONE (-1)
#endif

enum { NET_READ = 1, NET_WRITE = 2 };

/* Once, before any other call (Windows: WSAStartup). 0, or -1. */
int net_start(void);
void net_end(void);

/* A socket listening at addr (IPv6 takes IPv4 too, where the system allows it), or NET_NONE. */
net_socket net_listen(const struct sockaddr *addr, socklen_t len);
/* A connection waiting on listener, and its peer's address; NET_NONE when there is none. */
net_socket net_accept(net_socket listener, struct sockaddr_storage *peer);
/*
 * Wait at most ms for the socket to be ready for events (NET_READ, NET_WRITE; a closed or failed
 * connection is ready: the next call says what happened). 1 ready; 0 not yet (the time passed, or
 * a signal came); -1 the socket itself is unusable.
 */
int net_wait(net_socket s, int events, int ms);
/*
 * Bytes the socket holds that the peer has not acknowledged yet; -1 where the system cannot tell
 * (only Linux can: SIOCOUTQ).
 */
long net_unacknowledged(net_socket s);
/* No more reading or writing: a thread waiting on s sees the end (on Windows at its next call). */
void net_shutdown(net_socket s);
void net_close(net_socket s);
/* The last net_ failure of this thread, in words. */
const char *net_error(void);
/* Why getaddrinfo failed (code: what it returned), in words. */
const char *net_address_error(int code);

#endif
