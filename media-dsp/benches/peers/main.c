/* Peer harness entry: `peers DIR [kernel...]`; default runs every kernel. See peers.h. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "peers.h"

size_t peer_read_signal(const char *dir, const char *name, int16_t **out)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.raw", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "peers: %s: cannot open (run `dsp bench --signals %s` first)\n", path, dir); exit(2); }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t) len + 2);
    if (!*out || fread(*out, 1, (size_t) len, f) != (size_t) len) { fprintf(stderr, "peers: %s: read failed\n", path); exit(2); }
    fclose(f);
    return (size_t) len / 2;
}

double peer_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

double peer_median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof(double), cmp_double);
    return v[n / 2];
}

double peer_min(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] < m) m = v[i];
    return m;
}

void peer_print(const char *kernel, const char *impl, double ns, const char *quality)
{
    printf("{\"kernel\":\"%s\",\"implementation\":\"%s\",\"ns_per_sample\":%.4f,\"channels_per_core\":%.1f",
           kernel, impl, ns, 1e9 / (ns * 8000.0));
    if (quality && quality[0])
        printf(",\"quality\":{%s}", quality);
    printf("}\n");
    fflush(stdout);
}

struct kernel { const char *name; int (*run)(const char *dir); };
static const struct kernel kernels[] = {
    { "g711", peer_g711 },
    { "dtmf", peer_dtmf },
    { "echo", peer_echo },
    { "plc", peer_plc },
};

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: peers DIR [g711|dtmf|echo|plc ...]\n"); return 2; }
    int rc = 0;
    for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
        int wanted = argc == 2;
        for (int i = 2; i < argc; i++)
            wanted |= strcmp(argv[i], kernels[k].name) == 0;
        if (wanted)
            rc |= kernels[k].run(argv[1]);
    }
    return rc;
}
