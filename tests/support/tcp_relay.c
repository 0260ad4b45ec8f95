/*
 * A TCP relay on loopback for the emulator test: a link that goes down in the middle of a
 * download, between the device and `esp_enc_img serve`.
 *
 *   tcp_relay LISTEN_PORT TARGET_PORT [DROP_AFTER DROPS]
 *
 * Forwards each connection to 127.0.0.1:TARGET_PORT, both ways. The first DROPS connections are
 * cut (both sides closed) once DROP_AFTER bytes have come from the target. Prints "relaying" once
 * listening; runs until killed. A child process per connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int loopback(int port, bool listening)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (fd < 0 ||
        (listening && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
                       bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0)) ||
        (!listening && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Copy both ways until either side closes, or until drop_after bytes came from the target. */
static void relay(int client, int target, long long drop_after)
{
    char buf[16384];
    long long from_target = 0;
    struct pollfd p[2] = {{.fd = client, .events = POLLIN}, {.fd = target, .events = POLLIN}};
    while (poll(p, 2, -1) > 0) {
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            ssize_t n = read(p[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                return;
            }
            if (i == 1 && drop_after > 0 && from_target + n >= drop_after) {
                n = (ssize_t)(drop_after - from_target); /* up to the cut, then nothing */
                if (n > 0 && write(client, buf, (size_t)n) != n) {
                    return;
                }
                return;
            }
            from_target += i == 1 ? n : 0;
            if (write(p[1 - i].fd, buf, (size_t)n) != n) {
                return;
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: tcp_relay LISTEN_PORT TARGET_PORT [DROP_AFTER DROPS]\n");
        return 2;
    }
    int target_port = atoi(argv[2]);
    long long drop_after = argc == 5 ? atoll(argv[3]) : 0;
    int drops = argc == 5 ? atoi(argv[4]) : 0;
    int lfd = loopback(atoi(argv[1]), true);
    if (lfd < 0) {
        perror("tcp_relay: listen");
        return 3;
    }
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    printf("relaying %s -> %s\n", argv[1], argv[2]);
    fflush(stdout);
    for (;;) {
        int client = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 3;
        }
        long long cut = drops > 0 ? drop_after : 0;
        drops -= drops > 0;
        if (fork() == 0) {
            close(lfd);
            int target = loopback(target_port, false);
            if (target >= 0) {
                relay(client, target, cut);
            }
            _exit(0);
        }
        close(client);
    }
}
