/*
 * nids_peer.c - the libnids peer for `statewall replay` (scripts/bench).
 *
 *   nids_peer CAPTURE [MAX_STREAMS]
 *
 * Runs libnids offline over CAPTURE with TCP stream tracking and nothing
 * else: no payload collection, no checksum verification, no port-scan
 * detection.  libnids frees a stream at establishment unless a callback asks
 * for something, so the callback registers interest in urgent data only
 * (collect_urg), which keeps every stream tracked through its close without
 * buffering any payload.  MAX_STREAMS sizes libnids' stream table (default
 * 2 M; libnids keeps at most 3/4 of it open at once).
 *
 * Prints the streams established, closed, reset and timed out, and the
 * packets read.  Built only when libnids is found (bench/CMakeLists.txt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nids.h>
#include <pcap.h>

static unsigned long long n_est, n_close, n_reset, n_timeout, n_data, n_pkts;

static void on_tcp(struct tcp_stream *s, void **param)
{
	(void)param;
	switch (s->nids_state) {
	case NIDS_JUST_EST:
		n_est++;
		s->client.collect_urg++;
		s->server.collect_urg++;
		break;
	case NIDS_DATA:
		n_data++;
		break;
	case NIDS_CLOSE:
		n_close++;
		break;
	case NIDS_RESET:
		n_reset++;
		break;
	case NIDS_TIMED_OUT:
		n_timeout++;
		break;
	default:
		break;
	}
}

/* Counts every IP packet libnids accepted (after its own sanity checks). */
static void on_ip(void *data, int len)
{
	(void)data;
	(void)len;
	n_pkts++;
}

static void quiet_syslog(int type, int err, void *iph, void *data)
{
	(void)type;
	(void)err;
	(void)iph;
	(void)data;
}

int main(int argc, char **argv)
{
	static struct nids_chksum_ctl nochk = {0, 0, NIDS_DONT_CHKSUM, 0};
	long streams = 2000000;

	if (argc < 2 || argc > 3) {
		fputs("usage: nids_peer CAPTURE [MAX_STREAMS]\n", stderr);
		return 2;
	}
	if (argc > 2)
		streams = strtol(argv[2], NULL, 10);
	if (streams < 16)
		streams = 16;
	nids_params.filename = argv[1];
	nids_params.device = NULL;
	nids_params.n_tcp_streams = (int)streams;
	nids_params.scan_num_hosts = 0; /* no port-scan detection */
	nids_params.syslog = quiet_syslog;
	nids_params.pcap_filter = NULL;
	nids_params.tcp_workarounds = 0;
	nids_register_chksum_ctl(&nochk, 1);
	if (!nids_init()) {
		fprintf(stderr, "nids_peer: %s\n", nids_errbuf);
		return 1;
	}
	nids_register_ip((void *)on_ip);
	nids_register_tcp((void *)on_tcp);
	nids_run();
	printf("nids_peer: %llu ip packets, %llu streams established, %llu closed, %llu reset, "
	       "%llu timed out\n",
	       n_pkts, n_est, n_close, n_reset, n_timeout);
	nids_exit();
	return 0;
}
