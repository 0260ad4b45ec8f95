/*
 * Command lines: one table-driven parser for every program of the project (the CLI and its
 * serve command, the firmware simulator). Options may come before, between or after the
 * positional arguments; "--" ends them.
 */
#ifndef EEI_OPTIONS_H
#define EEI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    OPTION_FLAG,   /* a bool, set to true */
    OPTION_TEXT,   /* a const char *, the argument itself */
    OPTION_NUMBER, /* a long long from min to max, decimal */
    OPTION_LIST,   /* an option_list: the arguments of each time it is given, at most max */
} option_kind;

#define OPTION_LIST_MAX 4
typedef struct {
    int n;
    const char *v[OPTION_LIST_MAX];
} option_list;

typedef struct {
    const char *name; /* --name */
    char letter;      /* -l, or 0 */
    option_kind kind;
    size_t offset;      /* of the value in the caller's struct of values */
    long long min, max; /* OPTION_NUMBER's range; OPTION_LIST: how many at most */
    unsigned group;     /* the caller's bit for "takes this option"; 0: always taken */
} option_spec;

typedef enum {
    OPTIONS_RUN,   /* parsed: run with the values and the positional arguments */
    OPTIONS_HELP,  /* -h or --help was given */
    OPTIONS_USAGE, /* a wrong command line: why says what, in a sentence */
} options_result;

typedef struct {
    int npos;   /* positional arguments left */
    char **pos; /* ... in order */
    char why[160];
} options_outcome;

/*
 * Parse argv[1..argc) against specs (ended by an entry without a name) into values. allowed
 * holds the groups the program takes: an option of another group is "does not apply".
 */
options_result options_parse(int argc, char **argv, const option_spec *specs, unsigned allowed,
                             void *values, options_outcome *out);

/*
 * The candidate nearest to word, when it is near enough to be a typo of it: at most two edits
 * (a letter added, dropped or changed, or two neighbours swapped), and fewer than half its
 * letters. NULL otherwise.
 */
const char *options_closest(const char *word, size_t word_len, const char *const *candidates,
                            size_t n);

#endif
