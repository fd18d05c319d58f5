/* pri_peer: runs libpri (Debian libpri-dev 1.6) on one end of a D-channel socket, for the
 * isdn crate's Q.921 interop tests.
 *
 * Usage: pri_peer FD nt|te [debug] [euroisdn|qsig]
 *   FD      an inherited SOCK_SEQPACKET socket: one packet per LAPD frame, address, control,
 *           information, then the 2-byte FCS-16 (CRC-16/X.25, low byte first), exactly as a
 *           DAHDI hardware-HDLC channel delivers it.
 *   nt|te   libpri's role: PRI_NETWORK or PRI_CPE.
 *   debug   Q.921/Q.931 dumps on stderr.
 *   euroisdn|qsig  switch type PRI_SWITCH_EUROISDN_E1 (the default) or PRI_SWITCH_QSIG
 *           (ECMA-143 basic call; nt is PINX side A, te side B).
 *
 * The write callback plays the HDLC controller: libpri hands over frame + 2 spare bytes, we
 * fill in the FCS. Received packets with a bad FCS are dropped (and counted on stderr), as
 * the hardware would; libpri itself drops the last 2 bytes.
 *
 * stdout: one line per libpri event ("EVENT DCHAN_UP" style, from pri_event2str, plus a few
 * fields), "READY" at start. stdin, one command a line:
 *   reset                  pri_reset: RESTART for B-channel 1
 *   call DIGITS CHANNEL    pri_setup of a speech call to DIGITS, CHANNEL exclusive, en bloc
 *                          (EuroISDN without overlap dialling: Sending Complete included)
 *   overlap                pri_set_overlapdial(1): incoming SETUPs without Sending Complete
 *                          get pri_need_more_info (SETUP ACKNOWLEDGE) instead of an answer;
 *                          calls placed afterwards go without Sending Complete
 *   callov DIGITS CHANNEL  overlap + pri_setup with complete = 0 (overlap sending)
 *   info DIGITS            pri_information, one INFORMATION per digit, on the current call
 *   answer                 pri_proceeding + pri_answer on the current call
 *   alertpi                pri_acknowledge with in-band info (ALERTING + progress indicator)
 *   progress [CAUSE]       pri_progress (in-band available), or pri_progress_with_cause
 *   notify INFO            pri_notify with notification description INFO (decimal)
 *   hangup                 pri_hangup of the current call, cause 16
 *   quit
 * Glare: as NT, a RING for the channel of the call we are placing is refused with cause 44
 * (printed " glare"); as CPE the network's call is taken (the NT's SETUP wins).
 * Call handling for the call tests: an incoming call (PRI_EVENT_RING) is answered at once
 * (pri_proceeding then pri_answer) unless overlap is on and the SETUP lacked Sending
 * Complete; digits completed by INFORMATION with Sending Complete are answered the same way.
 * A DISCONNECT (PRI_EVENT_HANGUP_REQ) or RELEASE (PRI_EVENT_HANGUP) is answered with
 * pri_hangup, as chan_dahdi does. Exits when the socket or stdin closes.
 */
#include <errno.h>
#include <libpri.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static unsigned long bad_fcs;

static unsigned short fcs16(const unsigned char *p, int len)
{
	unsigned short crc = 0xffff;
	while (len-- > 0) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x8408 : crc >> 1;
	}
	return crc ^ 0xffff;
}

static int io_read(struct pri *pri, void *buf, int buflen)
{
	int fd = pri_fd(pri);
	{
		ssize_t n = recv(fd, buf, buflen, 0);
		if (n <= 0) {
			/* The test closed its end: stop. */
			fprintf(stderr, "pri_peer: socket closed (%zd)\n", n);
			exit(0);
		}
		if (n < 4 || fcs16(buf, n - 2) != (((unsigned char *)buf)[n - 2] | ((unsigned char *)buf)[n - 1] << 8)) {
			bad_fcs++;
			fprintf(stderr, "pri_peer: bad FCS dropped (%lu)\n", bad_fcs);
			/* 0 = nothing read: libpri 1.6 passes a negative length straight on to
			 * q921_receive() and would parse the buffer anyway. */
			return 0;
		}
		return (int)n;
	}
}

static int io_write(struct pri *pri, void *buf, int buflen)
{
	unsigned char *p = buf;
	if (buflen < 2)
		return -1;
	unsigned short fcs = fcs16(p, buflen - 2);
	p[buflen - 2] = fcs & 0xff;
	p[buflen - 1] = fcs >> 8;
	return (int)send(pri_fd(pri), buf, buflen, 0);
}

static void on_message(struct pri *pri, char *s)
{
	(void)pri;
	fprintf(stderr, "libpri: %s", s);
}

/* The call of the call tests (one at a time), and its encoded channel. */
static q931_call *cur;
static int cur_chan;
static int cur_out; /* cur is a call we placed */
static int overlap;
static int node;

static void answer(struct pri *pri)
{
	if (!cur)
		return;
	pri_proceeding(pri, cur, cur_chan, 0);
	pri_answer(pri, cur, cur_chan, 0);
}

static void print_event(struct pri *pri, pri_event *e)
{
	printf("EVENT %s", pri_event2str(e->e));
	switch (e->e) {
	case PRI_EVENT_RING:
		printf(" channel=%d called=%s complete=%d", e->ring.channel & 0xff, e->ring.callednum,
		       e->ring.complete);
		if (node == PRI_NETWORK && cur && cur_out && (cur_chan & 0xff) == (e->ring.channel & 0xff)) {
			/* Glare on the NT: our own SETUP holds the channel; refuse the user's call
			 * as chan_dahdi does when it cannot renegotiate (cause 44). */
			printf(" glare");
			pri_hangup(pri, e->ring.call, PRI_CAUSE_REQUESTED_CHAN_UNAVAIL);
			break;
		}
		cur = e->ring.call;
		cur_chan = e->ring.channel;
		cur_out = 0;
		if (overlap && !e->ring.complete)
			pri_need_more_info(pri, cur, cur_chan, 0);
		else
			answer(pri);
		break;
	case PRI_EVENT_INFO_RECEIVED:
		printf(" called=%s complete=%d", e->ring.callednum, e->ring.complete);
		if (e->ring.complete && e->ring.call == cur)
			answer(pri);
		break;
	case PRI_EVENT_SETUP_ACK:
		printf(" channel=%d", e->setup_ack.channel & 0xff);
		break;
	case PRI_EVENT_PROCEEDING:
	case PRI_EVENT_PROGRESS:
		printf(" progressmask=%d cause=%d", e->proceeding.progressmask, e->proceeding.cause);
		break;
	case PRI_EVENT_NOTIFY:
		printf(" info=%d", e->notify.info);
		break;
	case PRI_EVENT_KEYPAD_DIGIT:
		printf(" digits=%s", e->digit.digits);
		break;
	case PRI_EVENT_FACILITY:
		printf(" subcmds=%d", e->facility.subcmds ? e->facility.subcmds->counter_subcmd : -1);
		break;
	case PRI_EVENT_ANSWER:
		printf(" channel=%d", e->answer.channel & 0xff);
		break;
	case PRI_EVENT_HANGUP_REQ:
		printf(" cause=%d", e->hangup.cause);
		pri_hangup(pri, e->hangup.call, e->hangup.cause);
		break;
	case PRI_EVENT_HANGUP:
		printf(" cause=%d", e->hangup.cause);
		pri_hangup(pri, e->hangup.call, e->hangup.cause);
		if (e->hangup.call == cur)
			cur = NULL;
		break;
	case PRI_EVENT_HANGUP_ACK:
		printf(" cause=%d", e->hangup.cause);
		if (e->hangup.call == cur)
			cur = NULL;
		break;
	case PRI_EVENT_RESTART:
		printf(" channel=%d", e->restart.channel);
		break;
	case PRI_EVENT_RESTART_ACK:
		printf(" channel=%d", e->restartack.channel);
		break;
	default:
		break;
	}
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FD nt|te [debug] [euroisdn|qsig]\n", argv[0]);
		return 2;
	}
	int fd = atoi(argv[1]);
	node = strcmp(argv[2], "nt") == 0 ? PRI_NETWORK : PRI_CPE;
	int debug = 0, switchtype = PRI_SWITCH_EUROISDN_E1;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0)
			debug = 1;
		else if (strcmp(argv[i], "qsig") == 0)
			switchtype = PRI_SWITCH_QSIG;
		else if (strcmp(argv[i], "euroisdn") == 0)
			switchtype = PRI_SWITCH_EUROISDN_E1;
		else {
			fprintf(stderr, "pri_peer: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	pri_set_message(on_message);
	pri_set_error(on_message);
	struct pri *pri = pri_new_cb(fd, node, switchtype, io_read, io_write, NULL);
	if (!pri) {
		fprintf(stderr, "pri_new_cb failed\n");
		return 1;
	}
	if (debug)
		pri_set_debug(pri, PRI_DEBUG_Q921_STATE | PRI_DEBUG_Q921_DUMP | PRI_DEBUG_Q931_DUMP);
	printf("READY %s\n", pri_switch2str(switchtype));
	fflush(stdout);
	char line[128];
	size_t used = 0;
	for (;;) {
		fd_set rfds;
		FD_ZERO(&rfds);
		FD_SET(fd, &rfds);
		FD_SET(0, &rfds);
		struct timeval *next = pri_schedule_next(pri), tv;
		if (next) {
			struct timeval now;
			gettimeofday(&now, NULL);
			long us = (next->tv_sec - now.tv_sec) * 1000000L + (next->tv_usec - now.tv_usec);
			if (us < 0)
				us = 0;
			tv.tv_sec = us / 1000000L;
			tv.tv_usec = us % 1000000L;
		}
		int r = select(fd + 1, &rfds, NULL, NULL, next ? &tv : NULL);
		pri_event *e = NULL;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("select");
			return 1;
		}
		if (r == 0) {
			e = pri_schedule_run(pri);
		} else if (FD_ISSET(fd, &rfds)) {
			e = pri_check_event(pri);
		}
		if (e)
			print_event(pri, e);
		if (r > 0 && FD_ISSET(0, &rfds)) {
			ssize_t n = read(0, line + used, sizeof(line) - 1 - used);
			if (n <= 0)
				return 0;
			used += (size_t)n;
			line[used] = 0;
			char *nl;
			while ((nl = strchr(line, '\n'))) {
				*nl = 0;
				if (strcmp(line, "reset") == 0)
					fprintf(stderr, "pri_peer: pri_reset(1) -> %d\n", pri_reset(pri, 1));
				else if (strncmp(line, "call ", 5) == 0 || strncmp(line, "callov ", 7) == 0) {
					char digits[64];
					int ch = 1;
					int ov = line[4] == 'o';
					if (ov) {
						overlap = 1;
						pri_set_overlapdial(pri, 1);
					}
					if (sscanf(line + (ov ? 7 : 5), "%63s %d", digits, &ch) >= 1) {
						struct pri_sr *sr = pri_sr_new();
						cur = pri_new_call(pri);
						cur_chan = ch;
						cur_out = 1;
						pri_sr_set_channel(sr, ch, 1, 0);
						pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, PRI_LAYER_1_ALAW);
						pri_sr_set_called(sr, digits, PRI_UNKNOWN, !ov);
						fprintf(stderr, "pri_peer: pri_setup -> %d\n", pri_setup(pri, cur, sr));
						pri_sr_free(sr);
					}
				} else if (strcmp(line, "overlap") == 0) {
					overlap = 1;
					pri_set_overlapdial(pri, 1);
				} else if (strncmp(line, "info ", 5) == 0) {
					for (const char *d = line + 5; cur && *d; d++)
						fprintf(stderr, "pri_peer: pri_information(%c) -> %d\n", *d,
							pri_information(pri, cur, *d));
				} else if (strcmp(line, "alertpi") == 0) {
					if (cur)
						fprintf(stderr, "pri_peer: pri_acknowledge -> %d\n",
							pri_acknowledge(pri, cur, cur_chan, 1));
				} else if (strcmp(line, "answer") == 0) {
					answer(pri);
				} else if (strncmp(line, "progress", 8) == 0) {
					int cause = 0;
					if (cur && sscanf(line + 8, "%d", &cause) == 1)
						fprintf(stderr, "pri_peer: pri_progress_with_cause -> %d\n",
							pri_progress_with_cause(pri, cur, cur_chan, 1, cause));
					else if (cur)
						fprintf(stderr, "pri_peer: pri_progress -> %d\n",
							pri_progress(pri, cur, cur_chan, 1));
				} else if (strncmp(line, "notify ", 7) == 0) {
					if (cur)
						fprintf(stderr, "pri_peer: pri_notify -> %d\n",
							pri_notify(pri, cur, cur_chan, atoi(line + 7)));
				} else if (strcmp(line, "hangup") == 0) {
					if (cur)
						fprintf(stderr, "pri_peer: pri_hangup -> %d\n", pri_hangup(pri, cur, 16));
				} else if (strcmp(line, "quit") == 0)
					return 0;
				size_t rest = used - (size_t)(nl + 1 - line);
				memmove(line, nl + 1, rest);
				used = rest;
				line[used] = 0;
			}
			if (used >= sizeof(line) - 1)
				used = 0;
		}
	}
}
