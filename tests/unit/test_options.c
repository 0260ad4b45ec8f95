/* The one command-line parser of the programs (programs/common/options.c). */
#include "check.h"

#include <stddef.h>

#include "options.h"

typedef struct {
    bool verbose, force;
    const char *out, *format;
    long long jobs;
} values;

enum { FORCE = 1, OUT = 2, JOBS = 4, FORMAT = 8 };

static const option_spec specs[] = {
    {"verbose", 'v', OPTION_FLAG, offsetof(values, verbose), 0, 0, 0},
    {"force", 'f', OPTION_FLAG, offsetof(values, force), 0, 0, FORCE},
    {"output", 'o', OPTION_TEXT, offsetof(values, out), 0, 0, OUT},
    {"jobs", 'j', OPTION_NUMBER, offsetof(values, jobs), 1, 256, JOBS},
    {"format", 0, OPTION_TEXT, offsetof(values, format), 0, 0, FORMAT},
    {NULL, 0, OPTION_FLAG, 0, 0, 0, 0},
};

/* Parse a NULL-terminated command line (its first word is the program). */
static options_result parse(unsigned allowed, values *v, options_outcome *out, char **argv)
{
    int argc = 0;
    while (argv[argc]) {
        argc++;
    }
    *v = (values){.jobs = 0};
    return options_parse(argc, argv, specs, allowed, v, out);
}

int main(void)
{
    values v;
    options_outcome out;
    char *a1[] = {"cmd", "in", "-f", "--output", "o.bin", "key", "-vj", "8", NULL};
    CHECK(parse(FORCE | OUT | JOBS, &v, &out, a1) == OPTIONS_RUN);
    CHECK(v.force && v.verbose && v.jobs == 8 && v.out && strcmp(v.out, "o.bin") == 0);
    CHECK(out.npos == 2 && strcmp(out.pos[0], "in") == 0 && strcmp(out.pos[1], "key") == 0);

    char *a2[] = {"cmd", "--jobs=0", NULL};
    CHECK(parse(JOBS, &v, &out, a2) == OPTIONS_USAGE);
    CHECK(strcmp(out.why, "option '--jobs' takes a number from 1 to 256") == 0);
    char *a3[] = {"cmd", "-j", "12x", NULL};
    CHECK(parse(JOBS, &v, &out, a3) == OPTIONS_USAGE);
    char *a4[] = {"cmd", "-o", "x", NULL};
    CHECK(parse(FORCE, &v, &out, a4) == OPTIONS_USAGE);
    CHECK(strcmp(out.why, "option '--output' does not apply to this command") == 0);
    char *a5[] = {"cmd", "--bogus", NULL};
    CHECK(parse(FORCE, &v, &out, a5) == OPTIONS_USAGE);
    CHECK(strcmp(out.why, "unknown option '--bogus'") == 0);
    char *a6[] = {"cmd", "--output", NULL};
    CHECK(parse(OUT, &v, &out, a6) == OPTIONS_USAGE);
    CHECK(strcmp(out.why, "option '--output' needs a value") == 0);
    char *a7[] = {"cmd", "x", "--help", "--bogus", NULL};
    CHECK(parse(0, &v, &out, a7) == OPTIONS_HELP);
    char *a8[] = {"cmd", "--", "-f", NULL};
    CHECK(parse(FORCE, &v, &out, a8) == OPTIONS_RUN);
    CHECK(!v.force && out.npos == 1 && strcmp(out.pos[0], "-f") == 0);

    /* a beginning of several options the command takes is ambiguous, and says so */
    char *b1[] = {"cmd", "--fo", "der", NULL};
    CHECK(parse(FORCE | FORMAT, &v, &out, b1) == OPTIONS_USAGE);
    CHECK(strcmp(out.why, "option '--fo' is ambiguous: '--force' or '--format'") == 0);
    /* ... but only those it takes count: for a command without --format, --fo is --force */
    char *b2[] = {"cmd", "--fo", "in", NULL};
    CHECK(parse(FORCE, &v, &out, b2) == OPTIONS_RUN);
    CHECK(v.force && out.npos == 1);
    char *b3[] = {"cmd", "--form=der", NULL};
    CHECK(parse(FORMAT | OUT, &v, &out, b3) == OPTIONS_RUN);
    CHECK(v.format && strcmp(v.format, "der") == 0);
    /* the beginning of an option it does not take alone: that option, which does not apply */
    char *b4[] = {"cmd", "--form", "der", NULL};
    CHECK(parse(FORCE, &v, &out, b4) == OPTIONS_USAGE);
    CHECK(strcmp(out.why, "option '--format' does not apply to this command") == 0);
    /* --help by its beginning too, as any option */
    char *b5[] = {"cmd", "--he", NULL};
    CHECK(parse(0, &v, &out, b5) == OPTIONS_HELP);
    return check_summary();
}
