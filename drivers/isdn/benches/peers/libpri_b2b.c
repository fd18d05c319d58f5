/* libpri_b2b: Q.931 call setups per second through two libpri 1.6 instances back to back
 * in memory (PRI_NETWORK and PRI_CPE, EuroISDN E1), the peer figure next to the isdn
 * crate's own back-to-back pair (examples/call_setup_rate.rs, same call flow).
 *
 * Usage: libpri_b2b [CALLS] [RUNS]   (defaults 100000 and 5)
 * Prints one JSON line: {"implementation":"libpri ...","calls":N,"best_seconds":...,
 * "calls_per_s":...,"us_per_call":...}; time is this thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), best of RUNS.
 *
 * I/O: pri_new_cb() with callbacks over in-memory frame queues, one per direction; the
 * write callback appends the frame to the other instance's queue (FCS bytes as libpri hands
 * them over), the read callback pops one. pri_check_event() is called while a queue holds
 * frames. libpri's timers run on the wall clock (pri_schedule_run when due); the link is
 * brought up once before the measured loop.
 *
 * Call flow, as the Rust side: CPE pri_setup (channel 1 exclusive, "1234", en bloc); NT on
 * RING: pri_proceeding, pri_acknowledge (ALERTING), pri_answer; CPE on ANSWER: pri_hangup
 * cause 16 (DISCONNECT); NT on HANGUP_REQ: pri_hangup (RELEASE); the call ends when the
 * CPE's RELEASE COMPLETE has been processed by the NT (HANGUP_ACK on both sides).
 */
#include <libpri.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define QLEN 64
#define FMAX 512

struct queue {
	unsigned char buf[QLEN][FMAX];
	int len[QLEN];
	int head, count;
};

struct end {
	struct pri *pri;
	struct queue in;
	struct end *peer;
};

static struct end nt, te;
static unsigned long overflow;

static int io_read(struct pri *pri, void *buf, int buflen)
{
	struct end *e = pri_get_userdata(pri);
	if (!e->in.count)
		return 0;
	int n = e->in.len[e->in.head];
	if (n > buflen)
		n = buflen;
	memcpy(buf, e->in.buf[e->in.head], n);
	e->in.head = (e->in.head + 1) % QLEN;
	e->in.count--;
	return n;
}

static int io_write(struct pri *pri, void *buf, int buflen)
{
	struct end *e = pri_get_userdata(pri);
	struct queue *q = &e->peer->in;
	if (q->count == QLEN || buflen > FMAX) {
		overflow++;
		return buflen;
	}
	int tail = (q->head + q->count) % QLEN;
	memcpy(q->buf[tail], buf, buflen);
	q->len[tail] = buflen;
	q->count++;
	return buflen;
}

static int link_up_nt, link_up_te, te_answered, nt_done, te_done;
static q931_call *te_call;

static void nt_event(pri_event *e)
{
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		link_up_nt = 1;
		break;
	case PRI_EVENT_RING:
		pri_proceeding(nt.pri, e->ring.call, e->ring.channel, 0);
		pri_acknowledge(nt.pri, e->ring.call, e->ring.channel, 0);
		pri_answer(nt.pri, e->ring.call, e->ring.channel, 0);
		break;
	case PRI_EVENT_HANGUP_REQ:
		pri_hangup(nt.pri, e->hangup.call, e->hangup.cause);
		break;
	case PRI_EVENT_HANGUP:
		pri_hangup(nt.pri, e->hangup.call, e->hangup.cause);
		nt_done = 1;
		break;
	case PRI_EVENT_HANGUP_ACK:
		nt_done = 1;
		break;
	default:
		break;
	}
}

static void te_event(pri_event *e)
{
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		link_up_te = 1;
		break;
	case PRI_EVENT_ANSWER:
		te_answered = 1;
		pri_hangup(te.pri, e->answer.call, PRI_CAUSE_NORMAL_CLEARING);
		break;
	case PRI_EVENT_HANGUP:
		pri_hangup(te.pri, e->hangup.call, e->hangup.cause);
		te_done = 1;
		break;
	case PRI_EVENT_HANGUP_ACK:
		te_done = 1;
		break;
	default:
		break;
	}
}

static void run_timers(struct end *e, void (*handle)(pri_event *))
{
	struct timeval *next = pri_schedule_next(e->pri), now;
	if (!next)
		return;
	gettimeofday(&now, NULL);
	if (timercmp(next, &now, <=)) {
		pri_event *ev = pri_schedule_run(e->pri);
		if (ev)
			handle(ev);
	}
}

/* Delivers queued frames both ways until both queues are empty. */
static void exchange(void)
{
	while (nt.in.count || te.in.count) {
		while (nt.in.count) {
			pri_event *ev = pri_check_event(nt.pri);
			if (ev)
				nt_event(ev);
		}
		while (te.in.count) {
			pri_event *ev = pri_check_event(te.pri);
			if (ev)
				te_event(ev);
		}
	}
}

static int one_call(void)
{
	te_answered = nt_done = te_done = 0;
	struct pri_sr *sr = pri_sr_new();
	te_call = pri_new_call(te.pri);
	pri_sr_set_channel(sr, 1, 1, 0);
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, PRI_LAYER_1_ALAW);
	pri_sr_set_called(sr, "1234", PRI_UNKNOWN, 1);
	if (pri_setup(te.pri, te_call, sr)) {
		pri_sr_free(sr);
		return -1;
	}
	pri_sr_free(sr);
	exchange();
	run_timers(&nt, nt_event);
	run_timers(&te, te_event);
	exchange();
	return te_answered && nt_done && te_done ? 0 : -1;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void quiet(struct pri *pri, char *s)
{
	(void)pri;
	(void)s;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (calls <= 0 || runs <= 0) {
		fprintf(stderr, "usage: %s [CALLS] [RUNS]\n", argv[0]);
		return 2;
	}
	pri_set_message(quiet);
	pri_set_error(quiet);
	nt.peer = &te;
	te.peer = &nt;
	nt.pri = pri_new_cb(-1, PRI_NETWORK, PRI_SWITCH_EUROISDN_E1, io_read, io_write, &nt);
	te.pri = pri_new_cb(-1, PRI_CPE, PRI_SWITCH_EUROISDN_E1, io_read, io_write, &te);
	if (!nt.pri || !te.pri) {
		fprintf(stderr, "libpri_b2b: pri_new_cb failed\n");
		return 1;
	}
	/* Bring the data link up: libpri starts establishment from its timers at creation. */
	for (int i = 0; i < 2000 && !(link_up_nt && link_up_te); i++) {
		run_timers(&nt, nt_event);
		run_timers(&te, te_event);
		exchange();
		if (!(link_up_nt && link_up_te)) {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
	}
	if (!(link_up_nt && link_up_te)) {
		fprintf(stderr, "libpri_b2b: the data link did not come up\n");
		return 1;
	}
	if (one_call()) {
		fprintf(stderr, "libpri_b2b: a call did not complete (answered=%d nt_done=%d te_done=%d)\n",
			te_answered, nt_done, te_done);
		return 1;
	}
	double best = 1e30;
	for (int r = 0; r < runs; r++) {
		double t0 = cpu_now();
		for (long i = 0; i < calls; i++) {
			if (one_call()) {
				fprintf(stderr, "libpri_b2b: call %ld of run %d did not complete\n", i, r);
				return 1;
			}
		}
		double t = cpu_now() - t0;
		if (t < best)
			best = t;
	}
	if (overflow) {
		fprintf(stderr, "libpri_b2b: %lu frames lost to a full queue\n", overflow);
		return 1;
	}
	printf("{\"implementation\":\"libpri %s\",\"calls\":%ld,\"best_seconds\":%.6f,"
	       "\"calls_per_s\":%.0f,\"us_per_call\":%.3f}\n",
	       pri_get_version(), calls, best, calls / best, best / calls * 1e6);
	return 0;
}
