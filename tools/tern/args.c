/* The table-driven parser (args.h): getopt_long does the scanning, the table the rest. */
#define _GNU_SOURCE /* getopt_long */
#include "args.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ARGS_MAX 128
#define LONG_ONLY_BASE 256 /* getopt_long's return value for long-only row i: base + i */

int tool_parse_number(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

const char *tool_arg_name(const tool_arg *arg, char *buf, size_t cap)
{
    if (arg->short_name && arg->long_name) snprintf(buf, cap, "-%c/--%s", arg->short_name, arg->long_name);
    else if (arg->short_name) snprintf(buf, cap, "-%c", arg->short_name);
    else snprintf(buf, cap, "--%s", arg->long_name);
    return buf;
}

static int bad_value(const tool_arg *arg, const char *value, char *err, size_t cap)
{
    char name[64];
    snprintf(err, cap, "invalid value '%s' for %s", value, tool_arg_name(arg, name, sizeof name));
    return -1;
}

int tool_arg_string(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                    char *err, size_t cap)
{
    (void)rest, (void)err, (void)cap;
    memcpy((char *)opts + arg->field, &value, sizeof value);
    return 0;
}

int tool_arg_true(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                  char *err, size_t cap)
{
    (void)value, (void)rest, (void)err, (void)cap;
    int one = 1;
    memcpy((char *)opts + arg->field, &one, sizeof one);
    return 0;
}

int tool_arg_int(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                 char *err, size_t cap)
{
    (void)rest;
    long n;
    if (tool_parse_number(value, arg->min, arg->max, &n) || n < INT_MIN || n > INT_MAX)
        return bad_value(arg, value, err, cap);
    int v = (int)n;
    memcpy((char *)opts + arg->field, &v, sizeof v);
    return 0;
}

int tool_arg_long(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                  char *err, size_t cap)
{
    (void)rest;
    long n;
    if (tool_parse_number(value, arg->min, arg->max, &n)) return bad_value(arg, value, err, cap);
    memcpy((char *)opts + arg->field, &n, sizeof n);
    return 0;
}

const char *tool_args_take(tool_args_rest *rest)
{
    if (*rest->next >= rest->argc) return NULL;
    return rest->argv[(*rest->next)++];
}

static int takes(const tool_arg *arg, unsigned mode) { return (arg->modes >> mode) & 1u; }

/* Row i of the tables, counted across them. */
static const tool_arg *row_at(const tool_arg_table *tables, size_t n, size_t i, const tool_arg_table **in)
{
    for (size_t t = 0; t < n; t++) {
        if (i < tables[t].count) {
            *in = &tables[t];
            return &tables[t].rows[i];
        }
        i -= tables[t].count;
    }
    return NULL;
}

/* getopt_long's tables for the rows each table's mode takes. */
static void build(const tool_arg_table *tables, size_t n, char *shorts, struct option *longs)
{
    size_t s = 0, l = 0;
    const tool_arg_table *in;
    shorts[s++] = '-'; /* operands in order, as option 1 */
    shorts[s++] = ':'; /* a missing value is ':' */
    const tool_arg *a;
    for (size_t i = 0; i < ARGS_MAX && (a = row_at(tables, n, i, &in)) != NULL; i++) {
        if (!takes(a, in->mode)) continue;
        if (a->short_name) {
            shorts[s++] = a->short_name;
            if (a->value) shorts[s++] = ':';
        }
        if (a->long_name)
            longs[l++] = (struct option){a->long_name, a->value ? required_argument : no_argument,
                                         NULL, LONG_ONLY_BASE + (int)i};
    }
    longs[l++] = (struct option){"help", no_argument, NULL, LONG_ONLY_BASE + ARGS_MAX};
    longs[l] = (struct option){NULL, 0, NULL, 0};
    shorts[s] = 0;
}

/* The row getopt_long returned: its index for a long name, its letter for a short one. */
static const tool_arg *row_for(const tool_arg_table *tables, size_t n, int got, const tool_arg_table **in)
{
    if (got >= LONG_ONLY_BASE) return row_at(tables, n, (size_t)(got - LONG_ONLY_BASE), in);
    const tool_arg *a;
    for (size_t i = 0; (a = row_at(tables, n, i, in)) != NULL; i++)
        if (a->short_name == got && takes(a, (*in)->mode)) return a;
    return NULL;
}

static int unknown(int got, char **argv, char *err, size_t cap)
{
    const char *word = argv[optind - 1];
    if (optopt && optopt < LONG_ONLY_BASE && word[0] == '-' && word[1] != '-')
        snprintf(err, cap, got == '?' ? "unknown option: -%c" : "option -%c needs a value", optopt);
    else snprintf(err, cap, got == '?' ? "unknown option: %s" : "option %s needs a value", word);
    return -1;
}

int tool_args_parse_tables(const tool_arg_table *tables, size_t n, int argc, char **argv,
                           int (*on_operand)(void *opts, const char *word, char *err, size_t cap),
                           void *operand_opts, char *err, size_t cap)
{
    static char shorts[2 * ARGS_MAX + 3];
    static struct option longs[ARGS_MAX + 2];
    build(tables, n, shorts, longs);
    optind = 0; /* glibc: start afresh */
    opterr = 0;
    for (;;) {
        int got = getopt_long(argc, argv, shorts, longs, NULL);
        if (got == -1) return 0;
        if (got == LONG_ONLY_BASE + ARGS_MAX) return 1;
        if (got == 1) {
            if (!on_operand) return snprintf(err, cap, "unexpected argument '%s'", optarg), -1;
            if (on_operand(operand_opts, optarg, err, cap)) return -1;
            continue;
        }
        if (got == '?' || got == ':') return unknown(got, argv, err, cap);
        const tool_arg_table *in = NULL;
        const tool_arg *a = row_for(tables, n, got, &in);
        tool_args_rest rest = {argc, argv, &optind};
        if (!a || a->apply(in->opts, a, a->value ? optarg : NULL, &rest, err, cap)) return -1;
    }
}

int tool_args_parse(const tool_arg *table, size_t count, unsigned mode, void *opts, int argc,
                    char **argv, int (*on_operand)(void *opts, const char *word, char *err, size_t cap),
                    char *err, size_t cap)
{
    tool_arg_table one = {table, count, mode, opts};
    return tool_args_parse_tables(&one, 1, argc, argv, on_operand, opts, err, cap);
}

void tool_args_help(FILE *f, const tool_arg *table, size_t count, unsigned mode)
{
    for (size_t i = 0; i < count; i++) {
        const tool_arg *a = &table[i];
        if (!takes(a, mode)) continue;
        char left[64];
        int n = snprintf(left, sizeof left, "  %s%s%s%s%s%s", a->short_name ? "-" : "",
                         a->short_name ? (char[]){a->short_name, 0} : "",
                         a->short_name && a->long_name ? ", " : "", a->long_name ? "--" : "",
                         a->long_name ? a->long_name : "", a->value ? " " : "");
        if (a->value && n > 0 && (size_t)n < sizeof left) snprintf(left + n, sizeof left - (size_t)n, "%s", a->value);
        fprintf(f, "%-34s %s\n", left, a->help);
    }
}
