/* speexdsp's echo canceller on raw s16le files, for tests/lec_vs_speexdsp.rs:
 *   echo_speex FAR.raw NEAR.raw OUT.raw
 * Frame 160 (20 ms), tail 1024 taps (128 ms): the configuration specs/dsp.md measured.
 * Samples past the last whole frame are copied through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <speex/speex_echo.h>

static short *slurp(const char *path, long *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    short *buf = malloc((size_t) len + 2);
    if (fread(buf, 1, (size_t) len, f) != (size_t) len) { perror(path); exit(2); }
    fclose(f);
    *n = len / 2;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: echo_speex FAR NEAR OUT\n"); return 2; }
    long n, m;
    short *far = slurp(argv[1], &n), *near = slurp(argv[2], &m);
    if (n != m) { fprintf(stderr, "lengths differ\n"); return 2; }
    short *out = malloc((size_t) n * 2 + 2);
    memcpy(out, near, (size_t) n * 2);
    SpeexEchoState *st = speex_echo_state_init(160, 1024);
    int rate = 8000;
    speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
    for (long i = 0; i + 160 <= n; i += 160)
        speex_echo_cancellation(st, near + i, far + i, out + i);
    speex_echo_state_destroy(st);
    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(out, 2, (size_t) n, f) != (size_t) n) { perror(argv[3]); return 2; }
    fclose(f);
    return 0;
}
