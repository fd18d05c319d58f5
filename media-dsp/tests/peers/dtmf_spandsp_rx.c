/* Runs spandsp 0.0.6 dtmf_rx (default settings) over raw s16le 8 kHz files, in 160-sample
 * blocks, for tests/dtmf_*.rs. For each file prints one line per digit,
 *   "<file-index> <digit> <start-sample> <end-sample>"
 * using the realtime callback (start and end as spandsp reports them, i.e. delayed by its
 * block and persistence), then "<file-index> total <n>" with the number of digits. (With a
 * realtime callback set, spandsp 0.0.6 reports digits only through it.)
 * Usage: dtmf_spandsp_rx FILE.raw... */
#include <stdio.h>
#include <stdlib.h>
#include <spandsp.h>

struct ctx { int file; long pos; int digit; long start; long total; };

static void on_tone(void *user, int code, int level, int delay)
{
    struct ctx *c = user;
    (void) level; (void) delay;
    if (code) {
        c->total++;
        c->digit = code;
        c->start = c->pos;
    } else if (c->digit) {
        printf("%d %c %ld %ld\n", c->file, c->digit, c->start, c->pos);
        c->digit = 0;
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { fprintf(stderr, "%s: cannot open\n", argv[i]); return 2; }
        struct ctx c = { i - 1, 0, 0, 0, 0 };
        dtmf_rx_state_t *rx = dtmf_rx_init(NULL, NULL, NULL);
        dtmf_rx_set_realtime_callback(rx, on_tone, &c);
        int16_t buf[160];
        size_t n;
        while ((n = fread(buf, sizeof(int16_t), 160, f)) > 0) {
            dtmf_rx(rx, buf, (int) n);
            c.pos += (long) n;
        }
        if (c.digit)
            printf("%d %c %ld %ld\n", c.file, c.digit, c.start, c.pos);
        printf("%d total %ld\n", c.file, c.total);
        dtmf_rx_free(rx);
        fclose(f);
    }
    return 0;
}
