/*
 * The files the library opens by path (key files): UTF-8 paths on
 * every system (on Windows through the wide-character API), binary, not inherited.
 */
#ifndef EEI_ENGINE_FILE_H
#define EEI_ENGINE_FILE_H

#include <stddef.h>

/* A descriptor for reading, or -1 with errno (EISDIR for a folder). */
int eei_file_open_read(const char *path);
/* Up to len bytes: how many, 0 at the end, or -1 with errno (EINTR is retried). */
long eei_file_read(int fd, void *buf, size_t len);
void eei_file_close(int fd);

#endif
