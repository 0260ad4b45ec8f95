/*
 * net.h on Windows: Winsock 2. A socket is a handle (closesocket, not close), made non-blocking by
 * ioctlsocket and waited on by WSAPoll. The listening port is the server's alone
 * (SO_EXCLUSIVEADDRUSE: Windows' SO_REUSEADDR would let another program bind it too). Windows
 * does not say how much of what a socket took the peer has acknowledged.
 */
#include "net.h"

#include <stdio.h>
#include <string.h>

int net_start(void)
{
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0 ? 0 : -1;
}

void net_end(void)
{
    WSACleanup();
}

/* Non-blocking, and not inherited by a program this one starts. */
static int nonblocking_private(SOCKET s)
{
    u_long on = 1;
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0); /* a layered provider may refuse */
    return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : -1;
}

net_socket net_listen(const struct sockaddr *addr, socklen_t len)
{
    SOCKET s = socket(addr->sa_family, SOCK_STREAM, IPPROTO_TCP);
    BOOL one = TRUE;
    DWORD zero = 0;
    if (s != INVALID_SOCKET && addr->sa_family == AF_INET6) { /* Windows' default is IPv6 only */
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&zero, sizeof(zero));
    }
    if (s == INVALID_SOCKET || nonblocking_private(s) != 0 ||
        setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof(one)) != 0 ||
        bind(s, addr, len) != 0 || listen(s, 128) != 0) {
        int e = WSAGetLastError();
        if (s != INVALID_SOCKET) {
            closesocket(s);
        }
        WSASetLastError(e);
        return NET_NONE;
    }
    return s;
}

net_socket net_accept(net_socket listener, struct sockaddr_storage *peer)
{
    int len = sizeof(*peer);
    SOCKET s = accept(listener, (struct sockaddr *)peer, &len);
    if (s != INVALID_SOCKET && nonblocking_private(s) != 0) {
        closesocket(s);
        s = INVALID_SOCKET;
    }
    return s;
}

int net_wait(net_socket s, int events, int ms)
{
    SHORT want = (SHORT)((events & NET_READ ? POLLIN : 0) | (events & NET_WRITE ? POLLOUT : 0));
    WSAPOLLFD p = {.fd = s, .events = want};
    int r = WSAPoll(&p, 1, ms);
    return r < 0 ? -1 : r == 0 ? 0 : p.revents & POLLNVAL ? -1 : 1;
}

long net_unacknowledged(net_socket s)
{
    (void)s;
    return -1;
}

void net_shutdown(net_socket s)
{
    shutdown(s, SD_BOTH);
}

void net_close(net_socket s)
{
    closesocket(s);
}

/* The system's words for a Winsock error, in UTF-8 (kept until this thread's next call). */
static const char *message(int code)
{
    static __thread char text[256];
    wchar_t w[256];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             (DWORD)code, 0, w, sizeof(w) / sizeof(w[0]), NULL);
    while (n > 0 && (w[n - 1] == L'\r' || w[n - 1] == L'\n' || w[n - 1] == L'.')) {
        w[--n] = L'\0';
    }
    if (n == 0 || WideCharToMultiByte(CP_UTF8, 0, w, -1, text, sizeof(text), NULL, NULL) == 0) {
        snprintf(text, sizeof(text), "socket error %d", code);
    }
    return text;
}

const char *net_error(void)
{
    return message(WSAGetLastError());
}

const char *net_address_error(int code)
{
    return message(code); /* getaddrinfo's EAI_ codes are Winsock errors */
}
