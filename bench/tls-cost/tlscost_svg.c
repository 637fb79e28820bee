/* tls-cost's chart: hand-written SVG, one horizontal bar per mode in each panel:
 * bytes to CONNACK (sent and received stacked), time to CONNACK (through the delaying proxy
 * when there was one), and round trips. */
#include <stdio.h>
#include <string.h>

#include "tlscost.h"

#define W 960
#define LABEL_W 230
#define BAR_W 560
#define ROW_H 22
#define PANEL_GAP 56

typedef double (*metric)(const tc_result *r, int part);

static double bytes(const tc_result *r, int part)
{
    return (double)(part == 0 ? r->s.sent : part == 1 ? r->s.received : 0);
}

static double time_ms(const tc_result *r, int part)
{
    double ms = r->ms_delayed >= 0 ? r->ms_delayed : r->s.ms;
    return part == 0 ? ms : 0;
}

static double trips(const tc_result *r, int part) { return part == 0 ? r->s.round_trips : 0; }

static const char *colors[2] = {"#3b6ea5", "#e08a2e"};

static double panel_max(const tc_result *r, int n, metric f)
{
    double max = 0;
    for (int i = 0; i < n; i++)
        if (r[i].ran && f(&r[i], 0) + f(&r[i], 1) > max) max = f(&r[i], 0) + f(&r[i], 1);
    return max > 0 ? max : 1;
}

/* One panel from y; returns the y below it. */
static int panel(FILE *f, int y, const char *title, const char *unit, const tc_result *r, int n,
                 metric m, int decimals)
{
    double max = panel_max(r, n, m);
    fprintf(f, "<text x=\"10\" y=\"%d\" class=\"t\">%s</text>\n", y, title);
    y += 12;
    for (int i = 0; i < n; i++) {
        if (!r[i].ran) continue;
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"l\">%s</text>\n", LABEL_W - 8, y + 15, r[i].mode->label);
        double x = LABEL_W, total = 0;
        for (int part = 0; part < 2; part++) {
            double v = m(&r[i], part), w = v / max * BAR_W;
            total += v;
            if (w > 0)
                fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                        x, y + 3, w, ROW_H - 6, colors[part]);
            x += w;
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"v\">%.*f %s</text>\n", x + 6, y + 15, decimals, total, unit);
        y += ROW_H;
    }
    return y + PANEL_GAP - 20;
}

/* The broker, in small print under the title (escaped for XML). */
static void broker_line(FILE *f, const char *s)
{
    fprintf(f, "<text x=\"10\" y=\"38\" class=\"n\">broker: ");
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else fputc(*s, f);
    }
    fprintf(f, "</text>\n");
}

static int rows(const tc_result *r, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++) k += r[i].ran;
    return k;
}

static void legend(FILE *f, int y)
{
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"%d\" class=\"v\">sent by the client</text>\n",
            LABEL_W, y - 10, colors[0], LABEL_W + 16, y);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"%d\" class=\"v\">received</text>\n",
            LABEL_W + 150, y - 10, colors[1], LABEL_W + 166, y);
}

int tc_write_svg(const tc_options *o, const tc_result *r, int n)
{
    FILE *f = fopen(o->svg, "w");
    if (!f) {
        fprintf(stderr, "tls-cost: cannot write %s\n", o->svg);
        return -1;
    }
    int h = 60 + 3 * (rows(r, n) * ROW_H + PANEL_GAP) + 40;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n", W, h, W, h);
    fprintf(f, "<style>.t{font-size:15px;font-weight:bold}.l{font-size:13px;text-anchor:end}"
               ".v{font-size:12px}.n{font-size:11px;fill:#555}</style>\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" class=\"t\">What TLS costs: tern (wolfSSL), MQTT %s, "
               "medians of %d connections per mode</text>\n", o->version == 5 ? "5" : "3.1.1", o->repeat);
    broker_line(f, o->broker[0] ? o->broker : o->host);
    int y = 56;
    y = panel(f, y, "Bytes to CONNACK", "B", r, n, bytes, 0);
    legend(f, y - 22);
    y += 12;
    char title[128];
    if (o->delay_ms)
        snprintf(title, sizeof title, "Time to CONNACK, %d ms added each way (round trip %d ms)",
                 o->delay_ms, 2 * o->delay_ms);
    else
        snprintf(title, sizeof title, "Time to CONNACK on loopback (no added delay)");
    y = panel(f, y, title, "ms", r, n, time_ms, 1);
    y = panel(f, y, "Round trips to CONNACK (after TCP's handshake)", "", r, n, trips, 0);
    fprintf(f, "<text x=\"10\" y=\"%d\" class=\"n\">made by: tls-cost%s</text>\n", y - 10,
            o->delay_ms ? " --delay-ms (see the JSON)" : "");
    fprintf(f, "</svg>\n");
    return fclose(f);
}
