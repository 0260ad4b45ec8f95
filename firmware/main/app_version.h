/*
 * The order of app versions (the app descriptor's version, up to 32 characters), by which the
 * firmware refuses a downgrade. A semantic version (SemVer 2.0.0: MAJOR.MINOR.PATCH, an
 * optional -pre.release and +build, optionally after a "v") is ordered by SemVer precedence:
 * 1.0.0-rc.1 < 1.0.0 < 1.0.1 < 1.10.0, and the build part does not count. Any other string has
 * no order: a device running a semantic version takes only a greater semantic version; a device
 * running anything else takes any other version.
 */
#pragma once

#include <stdbool.h>

/* Whether s (at most 32 characters are read) is a semantic version. */
bool app_version_is_semver(const char *s);

/*
 * Compare two semantic versions: false when either is not one; else true, with *order < 0,
 * 0 or > 0 as a precedes, equals or follows b.
 */
bool app_version_compare(const char *a, const char *b, int *order);

typedef enum {
    APP_VERSION_NEWER,     /* install it */
    APP_VERSION_SAME,      /* the version that runs (the same string, or the same precedence) */
    APP_VERSION_OLDER,     /* a downgrade */
    APP_VERSION_UNORDERED, /* the device runs a semantic version and the image does not */
    APP_VERSION_OTHER,     /* the device runs no semantic version: any other string is taken */
} app_version_verdict_t;

/* What a new version is to the running one, by the rule above. */
app_version_verdict_t app_version_judge(const char *running, const char *candidate);
