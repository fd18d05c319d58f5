/* speexdsp speex_echo_cancellation (frame 160, tail 1024) and spandsp echo_can_update
 * (1024 taps) on DIR/echo_far.raw + DIR/echo_near.raw, the signals `dsp bench` measured.
 * Quality figures are computed exactly as media-dsp's cmd_echo::erle_figures does. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <speex/speex_echo.h>
#include <spandsp.h>
#include "peers.h"

#define WIN 1000

static double erle(const int16_t *near, const int16_t *out, size_t a, size_t b)
{
    double pn = 0, po = 0;
    for (size_t i = a; i < b; i++) {
        pn += (double) near[i] * near[i];
        po += (double) out[i] * out[i];
    }
    return 10.0 * log10(pn / (po < 1.0 ? 1.0 : po));
}

static void quality(const int16_t *near, const int16_t *out, size_t len, char *buf, size_t cap)
{
    size_t n = len / WIN * WIN;
    double t20 = NAN;
    for (size_t w = n / WIN; w-- > 0;) {
        if (erle(near, out, w * WIN, (w + 1) * WIN) < 20.0) { t20 = (w + 1) * (double) WIN / 8000.0; break; }
        t20 = w * (double) WIN / 8000.0;
    }
    snprintf(buf, cap, "\"erle_db_at_1s\":%.1f,\"erle_db_steady\":%.1f,\"t_20db_s\":%.3f",
             erle(near, out, 7000, 8000), erle(near, out, n - 16000, n), t20);
}

int peer_echo(const char *dir)
{
    int16_t *far, *near;
    size_t n = peer_read_signal(dir, "echo_far", &far);
    size_t m = peer_read_signal(dir, "echo_near", &near);
    if (n != m) { fprintf(stderr, "peers: echo: far %zu and near %zu samples differ\n", n, m); return 1; }
    n = n / 160 * 160;
    int16_t *out = malloc(n * sizeof(int16_t));
    char q[256], qq[300];
    double t[5];

    /* speexdsp: frame 160 (20 ms), tail 1024 taps. */
    for (int r = 0; r < 6; r++) {
        SpeexEchoState *st = speex_echo_state_init(160, 1024);
        int rate = 8000;
        speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
        double t0 = peer_now_ns();
        for (size_t i = 0; i < n; i += 160)
            speex_echo_cancellation(st, near + i, far + i, out + i);
        double t1 = peer_now_ns();
        speex_echo_state_destroy(st);
        if (r > 0) t[r - 1] = (t1 - t0) / n;
    }
    quality(near, out, n, q, sizeof(q));
    snprintf(qq, sizeof(qq), "%s,\"block_ms\":20", q);
    peer_print("echo_128ms", "speexdsp-1.2.1", peer_median(t, 5), qq);

    /* spandsp: 1024 taps, adaption with its TX/RX high-pass filters (without them it does
     * not converge on this signal), no NLP/CNG, like the others. Its per-sample debug printf
     * goes to stdout, so stdout is pointed at /dev/null while it runs. */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    for (int r = 0; r < 6; r++) {
        dup2(devnull, STDOUT_FILENO);
        echo_can_state_t *ec = echo_can_init(1024, ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_TX_HPF | ECHO_CAN_USE_RX_HPF);
        double t0 = peer_now_ns();
        for (size_t i = 0; i < n; i++)
            out[i] = echo_can_update(ec, far[i], near[i]);
        double t1 = peer_now_ns();
        echo_can_free(ec);
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        if (r > 0) t[r - 1] = (t1 - t0) / n;
    }
    close(devnull);
    close(saved);
    quality(near, out, n, q, sizeof(q));
    snprintf(qq, sizeof(qq), "%s,\"block_ms\":0.125", q);
    peer_print("echo_128ms", "spandsp-0.0.6", peer_median(t, 5), qq);
    free(far); free(near); free(out);
    return 0;
}
