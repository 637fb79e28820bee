/* tern pub's message, bounded by what one PUBLISH can carry: a regular file is judged by its
 * size before a byte is read; a pipe or a device is read up to one byte past the limit. */
#define _POSIX_C_SOURCE 200809L
#include "pub_message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tern/codec.h"

size_t pub_payload_limit(const tool_options *o)
{
    size_t overhead = 2 + strlen(o->topics[0]) + (o->qos ? 2u : 0u);
    size_t props = 0;
    if (o->version == 5 && tern_props_size(o->has_publish_props ? &o->publish_props.props : NULL, TERN_PUBLISH,
                                           &props) != TERN_OK)
        props = 0; /* a bad property is refused when the packet is encoded */
    overhead += props;
    return overhead < TERN_VARINT_MAX ? TERN_VARINT_MAX - overhead : 0;
}

/* Read f to its end, but at most limit + 1 bytes: *len > limit says there was more. */
static uint8_t *read_bounded(FILE *f, size_t limit, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || n > limit) break;
        size_t bigger_cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
        uint8_t *bigger = realloc(buf, bigger_cap);
        if (!bigger) free(buf);
        buf = bigger;
        cap = bigger_cap;
    }
    *len = n;
    return buf && ferror(f) ? (free(buf), NULL) : buf;
}

/* A regular file's size says at once whether it fits (from where reading starts: a script may
 * have read the head of its standard input); other files are read to find out. */
static int too_large(FILE *f, size_t limit)
{
    struct stat st;
    off_t at = ftello(f);
    return fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size - (at > 0 ? at : 0) > (off_t)limit;
}

static int load_from(FILE *f, const char *what, size_t limit, uint8_t **data, size_t *len)
{
    if (!too_large(f, limit)) *data = read_bounded(f, limit, len);
    if (*data && *len <= limit) return 0;
    if (*data || too_large(f, limit)) fprintf(stderr, "tern: %s larger than %zu bytes\n", what, limit);
    else fprintf(stderr, "tern: cannot read the message\n");
    free(*data);
    *data = NULL;
    return -1;
}

int pub_load_message(const tool_options *o, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    size_t limit = pub_payload_limit(o);
    if (o->source == MSG_FILE) {
        FILE *f = fopen(o->message, "rb");
        if (!f) {
            fprintf(stderr, "tern: cannot open '%s'\n", o->message);
            return -1;
        }
        int rc = load_from(f, "message file", limit, data, len);
        fclose(f);
        return rc;
    }
    if (o->source == MSG_STDIN_ALL) return load_from(stdin, "standard input", limit, data, len);
    if (o->source == MSG_ARG) {
        *len = strlen(o->message);
        *data = (uint8_t *)strdup(o->message);
    } else {
        *data = malloc(1); /* -n and -l: an empty start */
    }
    if (!*data) fprintf(stderr, "tern: cannot read the message\n");
    return *data ? 0 : -1;
}
