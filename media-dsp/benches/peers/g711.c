/* spandsp 0.0.6 G.711 on the signal `dsp bench` wrote to DIR/g711.raw, and its packet-loss
 * concealment (G.711 Appendix I style) on DIR/plc.raw. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spandsp.h>
#include "peers.h"

int peer_g711(const char *dir)
{
    int16_t *pcm;
    size_t n = peer_read_signal(dir, "g711", &pcm);
    uint8_t *codes = malloc(n);
    int16_t *back = malloc(n * sizeof(int16_t));
    volatile unsigned sink = 0;
    static const char *names[2][2] = { { "g711_alaw_encode", "g711_alaw_decode" }, { "g711_ulaw_encode", "g711_ulaw_decode" } };
    for (int law = 0; law < 2; law++) {
        double enc[PEER_RUNS], dec[PEER_RUNS];
        for (int r = 0; r <= PEER_RUNS; r++) {
            double t0 = peer_now_ns();
            if (law == 0) for (size_t i = 0; i < n; i++) codes[i] = linear_to_alaw(pcm[i]);
            else for (size_t i = 0; i < n; i++) codes[i] = linear_to_ulaw(pcm[i]);
            double t1 = peer_now_ns();
            if (law == 0) for (size_t i = 0; i < n; i++) back[i] = alaw_to_linear(codes[i]);
            else for (size_t i = 0; i < n; i++) back[i] = ulaw_to_linear(codes[i]);
            double t2 = peer_now_ns();
            sink += codes[n / 2] + (unsigned) back[n / 3];
            if (r > 0) { enc[r - 1] = (t1 - t0) / n; dec[r - 1] = (t2 - t1) / n; }
        }
        peer_print(names[law][0], "spandsp-0.0.6", peer_min(enc, PEER_RUNS), "");
        peer_print(names[law][1], "spandsp-0.0.6", peer_min(dec, PEER_RUNS), "");
    }
    free(pcm); free(codes); free(back);
    return sink == 0xffffffffu;
}

/* spandsp 0.0.6 packet-loss concealment (its take on G.711 Appendix I) on DIR/plc.raw, with
 * the loss pattern and SNR of `dsp bench plc`: 10 and 20 ms frames, every tenth frame lost,
 * SNR over the lost frames against the truth. */
int peer_plc(const char *dir)
{
    int16_t *truth;
    size_t n = peer_read_signal(dir, "plc", &truth);
    int16_t *y = malloc(n * sizeof(int16_t));
    if (!y) return 1;
    static const struct { int frame; const char *name; } cfg[2] = {
        { 80, "plc_10ms_10pct" }, { 160, "plc_20ms_10pct" } };
    for (int c = 0; c < 2; c++) {
        int frame = cfg[c].frame;
        size_t frames = n / (size_t) frame;
        double t[PEER_RUNS];
        for (int r = 0; r <= PEER_RUNS; r++) {
            memcpy(y, truth, n * sizeof(int16_t));
            plc_state_t *s = plc_init(NULL);
            if (!s) return 1;
            double t0 = peer_now_ns();
            for (size_t i = 0; i < frames; i++) {
                if (i % 10 == 9) plc_fillin(s, y + i * frame, frame);
                else plc_rx(s, y + i * frame, frame);
            }
            double t1 = peer_now_ns();
            plc_free(s);
            if (r > 0) t[r - 1] = (t1 - t0) / (double) (frames * frame);
        }
        double sig = 0, err = 0;
        for (size_t i = 0; i < frames; i++) {
            if (i % 10 != 9) continue;
            for (int k = 0; k < frame; k++) {
                double a = truth[i * frame + k], b = y[i * frame + k];
                sig += a * a;
                err += (a - b) * (a - b);
            }
        }
        char q[64];
        snprintf(q, sizeof(q), "\"snr_db\":%.2f", 10.0 * log10(sig / (err > 1.0 ? err : 1.0)));
        peer_print(cfg[c].name, "spandsp-0.0.6", peer_min(t, PEER_RUNS), q);
    }
    free(truth); free(y);
    return 0;
}
