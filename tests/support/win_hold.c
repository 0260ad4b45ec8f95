/*
 * win_hold FILE SECONDS: open FILE as an editor or an antivirus does, sharing nothing but
 * reading, and keep it open for SECONDS; prints "held" once it is. The Windows tests' other
 * program that has an output open (test_windows.sh).
 */
#include <windows.h>

#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3) {
        return 2;
    }
    HANDLE h = CreateFileW(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        printf("error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    Sleep((DWORD)_wtoi(argv[2]) * 1000);
    CloseHandle(h);
    return 0;
}
