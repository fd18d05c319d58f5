/* spandsp 0.0.6 dtmf_rx on the signal `dsp bench` wrote to DIR/dtmf.raw: digits in keypad
 * order, 50 ms on / 50 ms off, one per 800 samples (see cmd_dtmf::bench_signal). Measured in
 * 160-sample blocks ("dtmf_rx") and in DAHDI-style 8-sample blocks ("dtmf_rx_block8"), like
 * our side; quality counts the digits spandsp reports against the digits sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spandsp.h>
#include "peers.h"

static const char keypad[] = "123A456B789C*0#D";

static void on_digits(void *user, const char *digits, int len)
{
    char *out = user;
    size_t have = strlen(out);
    for (int i = 0; i < len && have < 1u << 20; i++)
        out[have++] = digits[i];
    out[have] = '\0';
}

int peer_dtmf(const char *dir)
{
    int16_t *pcm;
    size_t n = peer_read_signal(dir, "dtmf", &pcm);
    size_t expected = n / 800;
    char *got = malloc((1u << 20) + 1);
    static const struct { const char *kernel; size_t block; } runs[] = {
        { "dtmf_rx", 160 }, { "dtmf_rx_block8", 8 },
    };
    for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
        double ns[11];
        for (int r = 0; r < 12; r++) {
            got[0] = '\0';
            double t0 = peer_now_ns();
            dtmf_rx_state_t *rx = dtmf_rx_init(NULL, on_digits, got);
            for (size_t i = 0; i < n; i += runs[k].block) {
                size_t len = n - i < runs[k].block ? n - i : runs[k].block;
                dtmf_rx(rx, pcm + i, (int) len);
            }
            dtmf_rx_free(rx);
            double t1 = peer_now_ns();
            if (r > 0)
                ns[r - 1] = (t1 - t0) / (double) n;
        }
        size_t detected = strlen(got), in_place = 0;
        for (size_t i = 0; i < detected && i < expected; i++)
            in_place += got[i] == keypad[i % 16];
        char quality[256];
        snprintf(quality, sizeof(quality),
                 "\"block\":%zu,\"digits_expected\":%zu,\"digits_detected\":%zu,\"digits_in_place\":%zu",
                 runs[k].block, expected, detected, in_place);
        peer_print(runs[k].kernel, "spandsp-0.0.6", peer_median(ns, 11), quality);
    }
    free(got);
    free(pcm);
    return 0;
}
