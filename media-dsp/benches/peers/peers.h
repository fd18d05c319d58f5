/* Side-by-side peer harness: runs spandsp / speexdsp kernels on the exact signals that
 * `dsp bench --signals DIR` measured, and prints the same JSON line shape:
 *   {"kernel":"...","implementation":"...","ns_per_sample":N,"channels_per_core":N,"quality":{...}}
 * Each kernel lives in its own file and registers in main.c. */
#ifndef PEERS_H
#define PEERS_H
#include <stddef.h>
#include <stdint.h>

/* Reads DIR/NAME.raw (s16le) into a malloc'd buffer; returns the sample count or exits(2). */
size_t peer_read_signal(const char *dir, const char *name, int16_t **out);
/* Thread CPU time in nanoseconds. */
double peer_now_ns(void);
/* Prints one result line; quality_json is "" or a JSON object body like "\"digits\":160". */
void peer_print(const char *kernel, const char *impl, double ns_per_sample, const char *quality_json);
/* Median of n doubles (sorts in place). */
double peer_median(double *v, int n);
/* Smallest of n doubles. */
double peer_min(const double *v, int n);
/* Timed runs per measurement for kernels reported as the fastest run (G.711, PLC). */
#define PEER_RUNS 11

/* Kernel entry points: each prints its result lines and returns 0, or non-zero on error. */
int peer_g711(const char *dir);
int peer_dtmf(const char *dir);
int peer_echo(const char *dir);
int peer_plc(const char *dir);
#endif
