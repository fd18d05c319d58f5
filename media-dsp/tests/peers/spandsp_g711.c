/* Dumps spandsp's G.711 conversions for every input, one line each, for tests/peer_spandsp.rs.
 * Lines: "E x alaw ulaw" for x in -32768..32767, "D code alaw_lin ulaw_lin", "T code a2u u2a". */
#include <stdint.h>
#include <stdio.h>
#include <spandsp.h>

int main(void)
{
    for (int x = -32768; x <= 32767; x++)
        printf("E %d %u %u\n", x, linear_to_alaw((int16_t) x), linear_to_ulaw((int16_t) x));
    for (int c = 0; c < 256; c++)
        printf("D %d %d %d\n", c, alaw_to_linear((uint8_t) c), ulaw_to_linear((uint8_t) c));
    for (int c = 0; c < 256; c++)
        printf("T %d %u %u\n", c, alaw_to_ulaw((uint8_t) c), ulaw_to_alaw((uint8_t) c));
    return 0;
}
