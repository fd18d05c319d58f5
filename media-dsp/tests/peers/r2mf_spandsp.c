/* spandsp 0.0.6 MFC/R2 tone generator and detector (bell_r2_mf.h) for tests/r2mf_*.rs and
 * benches/r2mf.rs.
 *   r2mf_spandsp tx fwd|bwd SEQ       SEQ is "C:MS,C:MS,..." with C a spandsp code
 *                                     (1-9, 0, B-F) or '-' for silence; s16le to stdout
 *   r2mf_spandsp rx fwd|bwd           s16le from stdin (fed in 8-sample chunks); one line per
 *                                     change: "SAMPLE CODE" (CODE '-' when the tone ends)
 *   r2mf_spandsp bench fwd|bwd FILE RUNS
 *                                     times r2_mf_rx over FILE (s16le) in 8-sample chunks;
 *                                     prints "NS_PER_SAMPLE STARTS" (median of RUNS, wall
 *                                     clock, as the Rust side of benches/r2mf.rs) */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <spandsp.h>

struct rx_log { long sample; long starts; int print; };

static void on_tone(void *user, int code, int level, int delay)
{
    struct rx_log *log = user;
    (void) level;
    (void) delay;
    if (code)
        log->starts++;
    if (log->print)
        printf("%ld %c\n", log->sample, code ? code : '-');
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int fwd = strcmp(argv[2], "fwd") == 0;
    if (strcmp(argv[1], "tx") == 0 && argc == 4) {
        r2_mf_tx_state_t *tx = r2_mf_tx_init(NULL, fwd);
        char *seq = strdup(argv[3]);
        int16_t buf[8];
        for (char *tok = strtok(seq, ","); tok; tok = strtok(NULL, ",")) {
            char code = tok[0];
            long ms = atol(tok + 2);
            r2_mf_tx_put(tx, code == '-' ? 0 : code);
            for (long i = 0; i < ms; i++) {
                int got = r2_mf_tx(tx, buf, 8);
                if (got < 8)
                    memset(buf + got, 0, (8 - got) * sizeof(int16_t));
                fwrite(buf, sizeof(int16_t), 8, stdout);
            }
        }
        r2_mf_tx_free(tx);
        free(seq);
        return 0;
    }
    if (strcmp(argv[1], "rx") == 0) {
        struct rx_log log = { 0, 0, 1 };
        r2_mf_rx_state_t *rx = r2_mf_rx_init(NULL, fwd, on_tone, &log);
        int16_t buf[8];
        size_t n;
        while ((n = fread(buf, sizeof(int16_t), 8, stdin)) > 0) {
            log.sample += (long) n;
            r2_mf_rx(rx, buf, (int) n);
        }
        r2_mf_rx_free(rx);
        return 0;
    }
    if (strcmp(argv[1], "bench") == 0 && argc == 5) {
        FILE *f = fopen(argv[3], "rb");
        if (!f)
            return 2;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        int16_t *pcm = malloc((size_t) len + 16);
        if (!pcm || fread(pcm, 1, (size_t) len, f) != (size_t) len)
            return 2;
        fclose(f);
        long n = len / 2;
        int runs = atoi(argv[4]);
        if (runs < 1 || runs > 1000)
            return 2;
        double *ns = malloc(sizeof(double) * (size_t) runs);
        struct rx_log log = { 0, 0, 0 };
        for (int r = 0; r < runs; r++) {
            log.starts = 0;
            double t0 = now_ns();
            r2_mf_rx_state_t *rx = r2_mf_rx_init(NULL, fwd, on_tone, &log);
            for (long i = 0; i < n; i += 8)
                r2_mf_rx(rx, pcm + i, n - i < 8 ? (int) (n - i) : 8);
            r2_mf_rx_free(rx);
            ns[r] = (now_ns() - t0) / (double) n;
        }
        qsort(ns, (size_t) runs, sizeof(double), cmp_double);
        printf("%.4f %ld\n", ns[runs / 2], log.starts);
        free(ns);
        free(pcm);
        return 0;
    }
    return 2;
}
