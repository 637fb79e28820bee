/* A table-driven command-line parser on getopt_long, for every tern subcommand: each flag is
 * one row (short and long name, value, which subcommands take it, what it sets, its help
 * line), so parsing, the single-flag lookup and --help come from the same table. */
#ifndef TERN_TOOL_ARGS_H
#define TERN_TOOL_ARGS_H

#include <stddef.h>
#include <stdio.h>

typedef struct tool_arg tool_arg;

/* The words after a flag's value, for flags that take more than one (-D CMD NAME VALUE). */
typedef struct {
    int argc;
    char **argv;
    int *next;      /* index of the next unread word; advanced by tool_args_take */
} tool_args_rest;

/* What a row does with its value (NULL for a flag without one). 0 on success; -1 with a
 * one-line message in err. The message must not repeat a secret value. */
typedef int (*tool_arg_apply)(void *opts, const tool_arg *arg, const char *value,
                              tool_args_rest *rest, char *err, size_t cap);

struct tool_arg {
    char short_name;        /* 0: long only */
    const char *long_name;  /* without "--"; NULL: short only */
    const char *value;      /* the value's name in --help ("PORT"); NULL: takes no value */
    unsigned modes;         /* bit (1u << mode) for each subcommand that takes it */
    tool_arg_apply apply;
    size_t field;           /* for the generic appliers: offsetof the field they set */
    long min, max;          /* tool_arg_int / tool_arg_long: the accepted range */
    const char *help;       /* one line */
};

/* Generic appliers: a const char * field, an int field set to 1, an int or long field parsed
 * as a decimal number within [min, max]. */
int tool_arg_string(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                    char *err, size_t cap);
int tool_arg_true(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                  char *err, size_t cap);
int tool_arg_int(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                 char *err, size_t cap);
int tool_arg_long(void *opts, const tool_arg *arg, const char *value, tool_args_rest *rest,
                  char *err, size_t cap);

/* Parse a decimal number within [min, max]; 0 or -1. */
int tool_parse_number(const char *s, long min, long max, long *out);

/* The next word for a multi-word flag, or NULL when there is none. */
const char *tool_args_take(tool_args_rest *rest);

/* "-p/--port" as the user may have typed it, for messages. */
const char *tool_arg_name(const tool_arg *arg, char *buf, size_t cap);

/* One table of rows, the subcommand (mode) whose rows are used, and what they set. */
typedef struct {
    const tool_arg *rows;
    size_t count;
    unsigned mode;
    void *opts;
} tool_arg_table;

/* Parse argv[1..argc) (argv[0] is the command's name) with getopt_long against the rows of
 * several tables at once (a subcommand's own flags and the shared connection flags: each
 * flag is parsed by its one row). Words that are not flags go to on_operand with
 * operand_opts (NULL: they are an error). Returns 0; 1 for --help; -1 with a one-line
 * message in err. At most 128 rows in all. */
int tool_args_parse_tables(const tool_arg_table *tables, size_t n, int argc, char **argv,
                           int (*on_operand)(void *opts, const char *word, char *err, size_t cap),
                           void *operand_opts, char *err, size_t cap);

/* The same with one table. */
int tool_args_parse(const tool_arg *table, size_t count, unsigned mode, void *opts, int argc,
                    char **argv, int (*on_operand)(void *opts, const char *word, char *err, size_t cap),
                    char *err, size_t cap);

/* Every row `mode` takes, one per line: "  -p, --port PORT   help". */
void tool_args_help(FILE *f, const tool_arg *table, size_t count, unsigned mode);

#endif
