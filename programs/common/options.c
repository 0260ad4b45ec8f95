#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTIONS 64

/* The spec for a getopt result: long options are numbered from 256 by their index. */
static const option_spec *spec_for(const option_spec *specs, int c)
{
    for (const option_spec *s = specs; s->name; s++) {
        if (c == 256 + (int)(s - specs) || (s->letter && c == s->letter)) {
            return s;
        }
    }
    return NULL;
}

static bool set_number(const option_spec *s, const char *text, void *values)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < s->min || v > s->max) {
        return false;
    }
    memcpy((char *)values + s->offset, &v, sizeof(v));
    return true;
}

/* One more value of a list option; false when it already holds all it may. */
static bool add_to_list(const option_spec *s, const char *arg, void *values)
{
    option_list *list = (option_list *)((char *)values + s->offset);
    if (list->n >= s->max || list->n >= OPTION_LIST_MAX) {
        return false;
    }
    list->v[list->n++] = arg;
    return true;
}

static void set_value(const option_spec *s, const char *arg, void *values)
{
    char *at = (char *)values + s->offset;
    if (s->kind == OPTION_FLAG) {
        bool yes = true;
        memcpy(at, &yes, sizeof(yes));
    } else {
        memcpy(at, &arg, sizeof(arg));
    }
}

#define WORD_MAX 48

/* Edits from a to b: insertions, deletions, substitutions and swaps of neighbours. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[WORD_MAX + 1][WORD_MAX + 1];
    for (size_t i = 0; i <= la; i++) {
        for (size_t j = 0; j <= lb; j++) {
            if (i == 0 || j == 0) {
                d[i][j] = i + j;
                continue;
            }
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            best = d[i - 1][j] + 1 < best ? d[i - 1][j] + 1 : best;
            best = d[i][j - 1] + 1 < best ? d[i][j - 1] + 1 : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *options_closest(const char *word, size_t word_len, const char *const *candidates,
                            size_t n)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < n && word_len <= WORD_MAX; i++) {
        size_t len = strlen(candidates[i]);
        size_t dist = len <= WORD_MAX ? edit_distance(word, word_len, candidates[i], len) : 3;
        if (dist < best_d && 2 * dist < word_len) {
            best = candidates[i];
            best_d = dist;
        }
    }
    return best;
}

/* ", did you mean '--NAME'?" for an unknown long option near one the command takes, or "". */
static void suggest_option(const char *given, const option_spec *specs, unsigned allowed, char *out,
                           size_t cap)
{
    const char *names[MAX_OPTIONS + 1];
    size_t n = 0;
    out[0] = '\0';
    if (strncmp(given, "--", 2) != 0) {
        return;
    }
    for (const option_spec *s = specs; s->name && n < MAX_OPTIONS; s++) {
        if (!s->group || (allowed & s->group)) {
            names[n++] = s->name;
        }
    }
    names[n++] = "help";
    const char *word = given + 2;
    const char *best = options_closest(word, strcspn(word, "="), names, n);
    if (best) {
        snprintf(out, cap, " (did you mean '--%s'?)", best);
    }
}

options_result options_parse(int argc, char **argv, const option_spec *specs, unsigned allowed,
                             void *values, options_outcome *out)
{
    struct option longs[MAX_OPTIONS + 2];
    char shorts[2 * MAX_OPTIONS + 3] = ":h";
    size_t n = 0, ns = strlen(shorts);
    for (const option_spec *s = specs; s->name && n < MAX_OPTIONS; s++, n++) {
        bool arg = s->kind != OPTION_FLAG;
        longs[n] =
            (struct option){s->name, arg ? required_argument : no_argument, NULL, 256 + (int)n};
        if (s->letter) {
            shorts[ns++] = s->letter;
        }
        if (s->letter && arg) {
            shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    longs[n++] = (struct option){"help", no_argument, NULL, 'h'};
    longs[n] = (struct option){NULL, 0, NULL, 0};

    memset(out, 0, sizeof(*out));
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1;) {
        const char *given = argv[optind - 1]; /* the option, or its value after "-p VALUE" */
        if (c == 'h') {
            return OPTIONS_HELP;
        }
        const option_spec *s = spec_for(specs, c);
        if (c == ':') {
            snprintf(out->why, sizeof(out->why), "option '%s' needs a value", given);
            return OPTIONS_USAGE;
        }
        if (!s) {
            char hint[80];
            suggest_option(given, specs, allowed, hint, sizeof(hint));
            snprintf(out->why, sizeof(out->why), "unknown option '%.60s'%s", given, hint);
            return OPTIONS_USAGE;
        }
        if (s->group && !(allowed & s->group)) {
            snprintf(out->why, sizeof(out->why), "option '--%s' does not apply to this command",
                     s->name);
            return OPTIONS_USAGE;
        }
        if (s->kind == OPTION_NUMBER && !set_number(s, optarg, values)) {
            snprintf(out->why, sizeof(out->why), "option '--%s' takes a number from %lld to %lld",
                     s->name, s->min, s->max);
            return OPTIONS_USAGE;
        }
        if (s->kind == OPTION_LIST && !add_to_list(s, optarg, values)) {
            snprintf(out->why, sizeof(out->why), "option '--%s' is given at most %lld times",
                     s->name, s->max);
            return OPTIONS_USAGE;
        }
        if (s->kind == OPTION_FLAG || s->kind == OPTION_TEXT) {
            set_value(s, optarg, values);
        }
    }
    out->npos = argc - optind;
    out->pos = argv + optind;
    return OPTIONS_RUN;
}
