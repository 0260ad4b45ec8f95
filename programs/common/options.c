#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTIONS 64

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

static const option_spec help_spec = {"help", 'h', OPTION_FLAG, 0, 0, 0, 0};

static bool takes(const option_spec *s, unsigned allowed)
{
    return !s->group || (allowed & s->group);
}

/*
 * The spec of a long option spelled name (len characters, without "--"): exact, else the only
 * option the command takes that it begins ("--verb" for "--verbose"; --help is one), else the
 * only one of all it begins (which then does not apply). NULL: unknown, or the beginning of
 * several the command takes (why says which).
 */
static const option_spec *long_spec(const option_spec *specs, unsigned allowed, const char *name,
                                    size_t len, options_outcome *out)
{
    const option_spec *taken[MAX_OPTIONS + 1], *any = NULL;
    size_t ntaken = 0, nany = 0;
    for (const option_spec *s = specs;; s++) {
        if (!s->name) {
            s = &help_spec; /* the last candidate */
        }
        if (len > 0 && strncmp(s->name, name, len) == 0) {
            if (s->name[len] == '\0') {
                return s;
            }
            any = s;
            nany++;
            if (takes(s, allowed) && ntaken < MAX_OPTIONS + 1) {
                taken[ntaken++] = s;
            }
        }
        if (s == &help_spec) {
            break;
        }
    }
    if (ntaken == 1 || (ntaken == 0 && nany == 1)) {
        return ntaken ? taken[0] : any;
    }
    if (ntaken > 1) {
        int n = snprintf(out->why, sizeof(out->why),
                         "option '--%.*s' is ambiguous: ", (int)(len < 60 ? len : 60), name);
        for (size_t i = 0; i < ntaken && n > 0 && (size_t)n < sizeof(out->why); i++) {
            n += snprintf(out->why + n, sizeof(out->why) - (size_t)n, "%s'--%s'",
                          i == 0            ? ""
                          : i + 1 == ntaken ? " or "
                                            : ", ",
                          taken[i]->name);
        }
    }
    return NULL;
}

static const option_spec *short_spec(const option_spec *specs, char letter)
{
    for (const option_spec *s = specs; s->name; s++) {
        if (s->letter && s->letter == letter) {
            return s;
        }
    }
    return NULL;
}

static options_result usage(options_outcome *out, const char *what, const char *given)
{
    snprintf(out->why, sizeof(out->why), "option '%.60s' %s", given, what);
    return OPTIONS_USAGE;
}

/* One option and its value (NULL for a flag): checked against the command, then recorded. */
static options_result take(const option_spec *s, const char *value, unsigned allowed, void *values,
                           options_outcome *out)
{
    if (s->group && !(allowed & s->group)) {
        snprintf(out->why, sizeof(out->why), "option '--%s' does not apply to this command",
                 s->name);
        return OPTIONS_USAGE;
    }
    if (s->kind == OPTION_NUMBER && !set_number(s, value, values)) {
        snprintf(out->why, sizeof(out->why), "option '--%s' takes a number from %lld to %lld",
                 s->name, s->min, s->max);
        return OPTIONS_USAGE;
    }
    if (s->kind == OPTION_LIST && !add_to_list(s, value, values)) {
        snprintf(out->why, sizeof(out->why), "option '--%s' is given at most %lld times", s->name,
                 s->max);
        return OPTIONS_USAGE;
    }
    if (s->kind == OPTION_FLAG || s->kind == OPTION_TEXT) {
        set_value(s, value, values);
    }
    return OPTIONS_RUN;
}

/*
 * argv[*i], an option word: "--name", "--name=value", "-abc" (letters, the last one may take the
 * rest or the next word as its value). *i moves past what it used.
 */
static options_result parse_word(int argc, char **argv, int *i, const option_spec *specs,
                                 unsigned allowed, void *values, options_outcome *out)
{
    const char *word = argv[*i];
    if (word[1] == '-') { /* --name[=value] */
        const char *name = word + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const option_spec *s = long_spec(specs, allowed, name, len, out);
        if (s == &help_spec) {
            return OPTIONS_HELP;
        }
        if (!s && out->why[0]) { /* ambiguous */
            return OPTIONS_USAGE;
        }
        if (!s) {
            char hint[80];
            suggest_option(word, specs, allowed, hint, sizeof(hint));
            snprintf(out->why, sizeof(out->why), "unknown option '%.60s'%s", word, hint);
            return OPTIONS_USAGE;
        }
        const char *value = NULL;
        if (s->kind == OPTION_FLAG && eq) {
            return usage(out, "takes no value", word);
        }
        if (s->kind != OPTION_FLAG) {
            value = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
            if (!value) {
                return usage(out, "needs a value", word);
            }
        }
        return take(s, value, allowed, values, out);
    }
    for (const char *c = word + 1; *c; c++) { /* -abc, -j8, -j 8 */
        if (*c == 'h') {
            return OPTIONS_HELP;
        }
        const option_spec *s = short_spec(specs, *c);
        if (!s) {
            snprintf(out->why, sizeof(out->why), "unknown option '-%c'", *c);
            return OPTIONS_USAGE;
        }
        const char *value = NULL;
        if (s->kind != OPTION_FLAG) {
            value = c[1] ? c + 1 : *i + 1 < argc ? argv[++*i] : NULL;
            if (!value) {
                return usage(out, "needs a value", word);
            }
        }
        options_result r = take(s, value, allowed, values, out);
        if (r != OPTIONS_RUN || value) {
            return r;
        }
    }
    return OPTIONS_RUN;
}

options_result options_parse(int argc, char **argv, const option_spec *specs, unsigned allowed,
                             void *values, options_outcome *out)
{
    memset(out, 0, sizeof(*out));
    /* the positional arguments, in order, are moved after the options */
    char **pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof(char *));
    if (!pos) {
        snprintf(out->why, sizeof(out->why), "out of memory");
        return OPTIONS_USAGE;
    }
    int npos = 0, nopt = 1;
    options_result r = OPTIONS_RUN;
    for (int i = 1; i < argc && r == OPTIONS_RUN; i++) {
        const char *word = argv[i];
        if (strcmp(word, "--") == 0) { /* the rest is positional */
            while (++i < argc) {
                pos[npos++] = argv[i];
            }
            break;
        }
        if (word[0] != '-' || word[1] == '\0') { /* "-" is stdin or stdout */
            pos[npos++] = argv[i];
            continue;
        }
        int first = i;
        r = parse_word(argc, argv, &i, specs, allowed, values, out);
        for (int k = first; k <= i; k++) { /* the option and its value, in order */
            argv[nopt++] = argv[k];
        }
    }
    if (r == OPTIONS_RUN) {
        memcpy(argv + nopt, pos, (size_t)npos * sizeof(char *));
        out->npos = npos;
        out->pos = argv + nopt;
    }
    free(pos);
    return r;
}
