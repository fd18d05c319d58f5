/* Caller-ID peer for the interop tests: spandsp 0.0.6 adsi_tx / adsi_rx.
 *
 *   cid_spandsp tx class|clip HEX   writes raw s16le to stdout: the message HEX (type,
 *                                   length, body; spandsp adds the checksum) sent with
 *                                   spandsp's own preamble, 100 ms of silence either side.
 *   cid_spandsp rx class|clip       reads raw s16le from stdin and prints each message
 *                                   spandsp accepts as one line of hex.
 *   cid_spandsp tx clip-dtmf DIGITS DTMF CLIP: the digit string (e.g. A12345678C) as tones.
 *   cid_spandsp rx clip-dtmf        prints each DTMF CLIP string received, as text.
 * CLASS is Bell 202 (Bellcore), CLIP is V.23 (ETSI), CLIP-DTMF is EN 300 659-1 Annex B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

static int standard_of(const char *s)
{
    if (strcmp(s, "class") == 0)
        return ADSI_STANDARD_CLASS;
    if (strcmp(s, "clip") == 0)
        return ADSI_STANDARD_CLIP;
    if (strcmp(s, "clip-dtmf") == 0)
        return ADSI_STANDARD_CLIP_DTMF;
    fprintf(stderr, "unknown standard %s\n", s);
    exit(2);
}

static int text_output = 0;

static void put_msg(void *user_data, const uint8_t *msg, int len)
{
    (void) user_data;
    if (len < 0)
        return;
    for (int i = 0;  i < len;  i++)
        printf(text_output ? "%c" : "%02x", msg[i]);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char *argv[])
{
    int16_t amp[160];
    if (argc >= 4 && strcmp(argv[1], "tx") == 0)
    {
        uint8_t msg[300];
        int len = 0;
        const char *hex = argv[3];
        if (standard_of(argv[2]) == ADSI_STANDARD_CLIP_DTMF)
        {
            len = (int) strlen(hex);
            if (len > 256)
                len = 256;
            memcpy(msg, hex, len);
            hex = "";
        }
        while (hex[0] && hex[1] && len < 256)
        {
            unsigned int b;
            sscanf(hex, "%2x", &b);
            msg[len++] = (uint8_t) b;
            hex += 2;
        }
        adsi_tx_state_t *tx = adsi_tx_init(NULL, standard_of(argv[2]));
        memset(amp, 0, sizeof(amp));
        for (int i = 0;  i < 5;  i++)
            fwrite(amp, sizeof(int16_t), 160, stdout);
        if (adsi_tx_put_message(tx, msg, len) != len)
        {
            fprintf(stderr, "adsi_tx_put_message refused the message\n");
            return 1;
        }
        int n;
        while ((n = adsi_tx(tx, amp, 160)) > 0)
            fwrite(amp, sizeof(int16_t), n, stdout);
        memset(amp, 0, sizeof(amp));
        for (int i = 0;  i < 5;  i++)
            fwrite(amp, sizeof(int16_t), 160, stdout);
        adsi_tx_free(tx);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "rx") == 0)
    {
        text_output = (standard_of(argv[2]) == ADSI_STANDARD_CLIP_DTMF);
        adsi_rx_state_t *rx = adsi_rx_init(NULL, standard_of(argv[2]), put_msg, NULL);
        size_t n;
        while ((n = fread(amp, sizeof(int16_t), 160, stdin)) > 0)
            adsi_rx(rx, amp, (int) n);
        memset(amp, 0, sizeof(amp));
        for (int i = 0;  i < 10;  i++)
            adsi_rx(rx, amp, 160);
        adsi_rx_free(rx);
        return 0;
    }
    fprintf(stderr, "usage: cid_spandsp tx class|clip HEX | tx clip-dtmf DIGITS | rx class|clip|clip-dtmf\n");
    return 2;
}
