/* spandsp 0.0.6 cadenced tone generator (tone_gen) for tests/tones_peer_spandsp.rs.
 *   spandsp_tone F1 L1 F2 L2 D1 D2 D3 D4 REPEAT SAMPLES
 * writes SAMPLES of the tone as s16le to stdout (Hz, dBm0, ms as in tone_gen_descriptor_init;
 * F2 = 0 for a single frequency; D1 on, D2 off, D3 on, D4 off; REPEAT 1 to loop). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spandsp.h>

int main(int argc, char **argv)
{
    if (argc != 11)
        return 2;
    int v[9];
    for (int i = 0; i < 9; i++)
        v[i] = atoi(argv[i + 1]);
    long n = atol(argv[10]);
    tone_gen_descriptor_t *desc =
        tone_gen_descriptor_init(NULL, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    tone_gen_state_t *s = tone_gen_init(NULL, desc);
    int16_t buf[160];
    while (n > 0) {
        int len = n < 160 ? (int) n : 160;
        int got = tone_gen(s, buf, len);
        if (got < len)
            memset(buf + got, 0, (len - got) * sizeof(int16_t));
        fwrite(buf, sizeof(int16_t), len, stdout);
        n -= len;
    }
    return 0;
}
