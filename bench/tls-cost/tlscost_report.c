/* tls-cost's table on the terminal and its JSON. */
#include <stdio.h>
#include <string.h>

#include "tlscost.h"

static void cell_ms(FILE *f, double ms)
{
    if (ms < 0) fprintf(f, " %9s", "-");
    else fprintf(f, " %9.2f", ms);
}

static void header(FILE *f, const tc_options *o)
{
    char delayed[24];
    snprintf(delayed, sizeof delayed, "ms@%dms", o->delay_ms);
    fprintf(f, "%-28s %-7s %-5s %-9s %6s %6s %3s %9s %9s %7s %8s %8s %8s %6s\n", "mode", "TLS", "cert",
            "group", "out B", "in B", "RTs", "ms", o->delay_ms ? delayed : "ms@delay", "CPU ms",
            "M instr", "heap KiB", "conn KiB", "B/PUB");
}

static void row(FILE *f, const tc_result *r)
{
    const tc_sample *s = &r->s;
    fprintf(f, "%-28s %-7s %-5s %-9s %6llu %6llu %3u", r->mode->label,
            s->version[0] == 'T' ? s->version + 3 : s->version, s->cert, s->group,
            (unsigned long long)s->sent, (unsigned long long)s->received, s->round_trips);
    cell_ms(f, s->ms);
    cell_ms(f, r->ms_delayed);
    fprintf(f, " %7.2f", s->cpu_ms);
    if (r->instructions < 0) fprintf(f, " %8s", "-");
    else fprintf(f, " %8.2f", r->instructions / 1e6);
    fprintf(f, " %8.1f %8.1f %6.1f\n", (double)s->heap_peak / 1024.0, (double)s->heap_conn / 1024.0,
            s->overhead);
}

void tc_print_table(const tc_options *o, const tc_result *r, int n)
{
    FILE *f = o->json && !strcmp(o->json, "-") ? stderr : stdout;
    fprintf(f, "tls-cost: MQTT %s to %s%s%s; medians of %d connection(s) per mode; "
               "PUBLISH payload %d bytes\n", o->version == 5 ? "5" : "3.1.1", o->host,
            o->broker[0] ? ", " : "", o->broker, o->repeat, o->payload_size);
    header(f, o);
    for (int i = 0; i < n; i++)
        if (r[i].ran) row(f, &r[i]);
    fprintf(f, "out/in B: TCP payload bytes up to CONNACK. RTs: round trips (receives after a send; "
               "TCP's own handshake not included; counted through the proxy when there is one).\nms: open to CONNACK; ms@delay: the same through "
               "a proxy adding the delay each way. CPU ms, M instr (callgrind): client only, open to "
               "CONNACK.\nheap: wolfSSL's live heap at its peak (context, CA, Debian's FP_ECC cache included); "
               "conn: of which added by this connection.\nB/PUB: "
               "TLS bytes on the wire per QoS 0 PUBLISH beyond its MQTT bytes.\n");
}

static void json_str(FILE *f, const char *key, const char *v, const char *sep)
{
    fprintf(f, "\"%s\": \"", key);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') fputc('\\', f);
        if ((unsigned char)*v >= 0x20) fputc(*v, f);
    }
    fprintf(f, "\"%s", sep);
}

static void json_num(FILE *f, const char *key, double v, const char *sep)
{
    if (v < 0) fprintf(f, "\"%s\": null%s", key, sep);
    else fprintf(f, "\"%s\": %.3f%s", key, v, sep);
}

static void json_mode(FILE *f, const tc_result *r, const char *sep)
{
    const tc_sample *s = &r->s;
    fprintf(f, "    {");
    json_str(f, "id", r->mode->id, ", ");
    json_str(f, "label", r->mode->label, ", ");
    json_str(f, "tls_version", s->version, ", ");
    json_str(f, "cipher", s->cipher, ", ");
    json_str(f, "group", s->group, ", ");
    json_str(f, "cert", s->cert, ",\n     ");
    fprintf(f, "\"resumed\": %s, \"bytes_sent\": %llu, \"bytes_received\": %llu, \"round_trips\": %u, ",
            s->resumed ? "true" : "false", (unsigned long long)s->sent,
            (unsigned long long)s->received, s->round_trips);
    json_str(f, "round_trips_counted", r->trips_delayed ? "through the delaying proxy" : "on the direct connection", ",\n     ");
    json_num(f, "ms_to_connack", s->ms, ", ");
    json_num(f, "ms_to_connack_delayed", r->ms_delayed, ", ");
    json_num(f, "cpu_ms", s->cpu_ms, ", ");
    json_num(f, "instructions", r->instructions, ",\n     ");
    fprintf(f, "\"heap_peak_bytes\": %llu, \"heap_connection_bytes\": %llu, ",
            (unsigned long long)s->heap_peak, (unsigned long long)s->heap_conn);
    json_num(f, "record_overhead_per_publish", s->overhead < 0 && s->overhead > -1e-9 ? 0 : s->overhead, "");
    fprintf(f, "}%s\n", sep);
}

int tc_write_json(const tc_options *o, const tc_result *r, int n)
{
    FILE *f = strcmp(o->json, "-") ? fopen(o->json, "w") : stdout;
    if (!f) {
        fprintf(stderr, "tls-cost: cannot write %s\n", o->json);
        return -1;
    }
    fprintf(f, "{\n  \"tool\": \"tls-cost\", \"mqtt_version\": \"%s\", ", o->version == 5 ? "5" : "3.1.1");
    json_str(f, "host", o->host, ", ");
    json_str(f, "broker", o->broker, ",\n  ");
    fprintf(f, "\"repeat\": %d, \"payload_size\": %d, \"publishes\": %d, \"delay_ms\": %d,\n  ",
            o->repeat, o->payload_size, o->publishes, o->delay_ms);
    json_str(f, "heap_method", "wolfSSL_SetAllocators counting wrappers: heap_peak = live wolfSSL bytes at the peak from transport open to CONNACK, counted from before tern_tls_init; heap_connection = peak minus live bytes just before open", ",\n  ");
    json_str(f, "instructions_method", "valgrind --tool=callgrind --toggle-collect=tc_measured_connect (open to CONNACK)", ",\n  ");
    fprintf(f, "\"modes\": [\n");
    int last = -1;
    for (int i = 0; i < n; i++)
        if (r[i].ran) last = i;
    for (int i = 0; i < n; i++)
        if (r[i].ran) json_mode(f, &r[i], i == last ? "" : ",");
    fprintf(f, "  ]\n}\n");
    return f == stdout ? 0 : fclose(f);
}
