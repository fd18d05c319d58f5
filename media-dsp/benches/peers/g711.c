/* spandsp 0.0.6 G.711 on the signal `dsp bench` wrote to DIR/g711.raw. */
#include <stdlib.h>
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
        double enc[5], dec[5];
        for (int r = 0; r < 6; r++) {
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
        peer_print(names[law][0], "spandsp-0.0.6", peer_median(enc, 5), "");
        peer_print(names[law][1], "spandsp-0.0.6", peer_median(dec, 5), "");
    }
    free(pcm); free(codes); free(back);
    return sink == 0xffffffffu;
}
