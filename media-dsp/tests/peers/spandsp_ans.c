/* spandsp 0.0.6 modem connect tones (V.25 ANS / V.8 ANSam / T.30 CNG) for tests/ans_peer_spandsp.rs.
 *   spandsp_ans tx TYPE SAMPLES   writes SAMPLES of modem_connect_tones_tx(TYPE) as s16le to stdout
 *   spandsp_ans rx TYPE           reads s16le from stdin into modem_connect_tones_rx(TYPE) and prints
 *                                 "tone CODE AT_SAMPLE" for each report, then "final CODE".
 * TYPE is a MODEM_CONNECT_TONES_* value (1 CNG, 2 ANS, 3 ANS_PR, 4 ANSAM, 5 ANSAM_PR). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spandsp.h>

static long pos;

static void report(void *user_data, int code, int level, int delay)
{
    (void) user_data;
    (void) level;
    (void) delay;
    printf("tone %d %ld\n", code, pos);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int type = atoi(argv[2]);
    if (strcmp(argv[1], "tx") == 0 && argc == 4) {
        long n = atol(argv[3]);
        modem_connect_tones_tx_state_t *s = modem_connect_tones_tx_init(NULL, type);
        int16_t buf[160];
        while (n > 0) {
            int len = n < 160 ? (int) n : 160;
            int got = modem_connect_tones_tx(s, buf, len);
            if (got < len)
                memset(buf + got, 0, (len - got) * sizeof(int16_t));
            fwrite(buf, sizeof(int16_t), len, stdout);
            n -= len;
        }
        return 0;
    }
    if (strcmp(argv[1], "rx") == 0) {
        modem_connect_tones_rx_state_t *s = modem_connect_tones_rx_init(NULL, type, report, NULL);
        int16_t buf[8];
        size_t got;
        while ((got = fread(buf, sizeof(int16_t), 8, stdin)) > 0) {
            modem_connect_tones_rx(s, buf, (int) got);
            pos += (long) got;
        }
        printf("final %d\n", modem_connect_tones_rx_get(s));
        return 0;
    }
    return 2;
}
