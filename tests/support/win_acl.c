/*
 * win_acl FILE...: what Windows says of who may open each file, one line each: "private" when
 * its DACL is protected (nothing inherited) and grants the user running this alone; "inherited"
 * when it has inherited entries; else "other". Then its DACL in SDDL. Under Wine, which keeps no
 * DACL on files, one line "wine: ...". The Windows tests' stand-in
 * for POSIX's mode bits (test_keygen.sh, test_special_files.sh).
 */
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>

static PSID current_user(void)
{
    static union {
        TOKEN_USER user;
        BYTE room[256];
    } u;
    HANDLE token;
    DWORD len;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) ||
        !GetTokenInformation(token, TokenUser, &u, sizeof(u), &len)) {
        return NULL;
    }
    CloseHandle(token);
    return u.user.User.Sid;
}

int wmain(int argc, wchar_t **argv)
{
    if (GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version")) {
        printf("wine: it keeps no DACL on files\n");
        return 0;
    }
    PSID me = current_user();
    int rc = me ? 0 : 2;
    for (int i = 1; me && i < argc; i++) {
        PACL dacl = NULL;
        PSECURITY_DESCRIPTOR sd = NULL;
        DWORD e = GetNamedSecurityInfoW(argv[i], SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                        NULL, &dacl, NULL, &sd);
        if (e != ERROR_SUCCESS) {
            printf("error %lu\n", (unsigned long)e);
            rc = 1;
            continue;
        }
        SECURITY_DESCRIPTOR_CONTROL control = 0;
        DWORD revision;
        GetSecurityDescriptorControl(sd, &control, &revision);
        ACL_SIZE_INFORMATION info = {0};
        if (dacl) {
            GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation);
        }
        BOOL only_me = dacl != NULL && info.AceCount > 0, inherited = FALSE;
        for (DWORD a = 0; dacl && a < info.AceCount; a++) {
            ACE_HEADER *ace;
            GetAce(dacl, a, (void **)&ace);
            inherited |= (ace->AceFlags & INHERITED_ACE) != 0;
            only_me &= ace->AceType == ACCESS_ALLOWED_ACE_TYPE &&
                       EqualSid(&((ACCESS_ALLOWED_ACE *)ace)->SidStart, me);
        }
        wchar_t *sddl = NULL;
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &sddl, NULL);
        const char *verdict = (control & SE_DACL_PROTECTED) && only_me ? "private"
                              : inherited                              ? "inherited"
                                                                       : "other";
        printf("%s %ls\n", verdict, sddl ? sddl : L"?");
        LocalFree(sddl);
        LocalFree(sd);
    }
    return rc;
}
