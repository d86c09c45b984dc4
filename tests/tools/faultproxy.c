/*
 * faultproxy.c - a fault-injecting TCP proxy for the integration tests.
 *
 * It listens on 127.0.0.1 only and forwards every accepted connection to
 * --to 127.0.0.1:PORT, passing the bytes through untouched: TLS stays end
 * to end, so a station verifies the server's certificate through it. On
 * the way it delays, throttles, stalls, resets, truncates or half-closes
 * the link, or drops whole connections, as its options say; random faults
 * are reproducible from --seed.
 *
 *   faultproxy --to 127.0.0.1:PORT [--port P] [--port-file FILE]
 *              [--log FILE] [fault options]
 *
 * Offsets count the bytes forwarded in one direction of one connection:
 * "up" is client to server, "down" server to client. A fault "after N
 * bytes" fires when byte N+1 is about to be forwarded, so a connection
 * that moves N bytes or fewer that way is not touched. When several
 * faults are planned for one direction, the one with the smallest offset
 * wins. --dir (default both) says where --reset-after and --stall-after
 * apply; --truncate-after and --half-close-after act downstream;
 * --random-reset picks an offset in [0, MAX) for each connection, and a
 * direction unless --dir names one; --faulty-conns N keeps --reset-after,
 * --random-reset and --stall-after to the first N connections (a long
 * transfer over a link that breaks a few times; with --stall-after 0
 * --dir up, a server that accepts the first N connections and never
 * answers their handshakes); --stall-for 0 (the default) stalls until the
 * connection ends.
 *
 * Invariants:
 *  1. One thread, one ppoll() loop; nothing blocks (sockets are
 *     non-blocking, the upstream connect too).
 *  2. Each direction of each connection buffers at most BUF_SIZE bytes in
 *     at most MAX_CHUNKS chunks; reading from its source stops while
 *     either is full. At most MAX_LIVE connections are open at once; more
 *     wait in the listen backlog.
 *  3. A byte leaves in the order it came, never before its chunk's due
 *     time (--latency) or the direction's rate allows (--rate).
 *  4. Every accepted connection yields exactly one log line, written when
 *     it ends (or when SIGTERM/SIGINT stops the proxy):
 *       conn=3 up=517 down=4031 fault=reset dir=down at=2210 faults=1
 *       stalls=0 end=reset ms=12 plan=down@2210
 *     "fault" is the fault at an offset that fired (reset, truncate,
 *     half-close), or drop, or none; "faults" counts every fault
 *     injected, stalls included; "end" says how the connection ended;
 *     "plan" is where --random-reset meant to cut it.
 *
 * Extending: a new fault is (1) a field in struct config, with its option
 * in longopts[] and parse_args(); (2) a per-connection plan made in
 * conn_plan() (random choices drawn there from the seeded generator, a
 * fixed number of draws per connection, so that runs stay reproducible);
 * (3) its action in fire() (for faults at a byte offset: plan_cut() sets
 * the offset and the pump stops there) or in pump_flow() for faults that
 * shape the flow instead; (4) its name in fault_names[] for the log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define BUF_SIZE (64u * 1024)
#define MAX_CHUNKS 256
#define MAX_LIVE 64
#define NEVER INT64_MAX

enum fault { F_NONE, F_RESET, F_TRUNCATE, F_HALF_CLOSE, F_DROP };
static const char *const fault_names[] = { "none", "reset", "truncate",
	"half-close", "drop" };

enum { UP = 0, DOWN = 1 };         /* flows: client to server, back */
enum { CLIENT = 0, SERVER = 1 };   /* the two sockets of a connection */
static const char *const dir_names[] = { "up", "down" };
#define DIR_UP 1
#define DIR_DOWN 2
#define DIR_BOTH 3

struct config {
	unsigned to_port;
	unsigned port;               /* 0: any free port */
	const char *port_file;
	const char *log_path;
	int64_t latency_us;
	int64_t rate;                /* bytes/s per direction; 0: unlimited */
	int64_t stall_after;         /* -1: no stall */
	int64_t stall_for_us;        /* 0: until the connection ends */
	int64_t reset_after;         /* -1: no reset */
	int dirs;                    /* DIR_*: where --reset/--stall apply */
	int64_t random_reset;        /* 0: off; else offsets in [0, MAX) */
	long faulty_conns;           /* 0: every connection; else the first N
	                                (resets and stalls) */
	uint64_t seed;
	int64_t truncate_after;      /* -1: off */
	int64_t half_close_after;    /* -1: off */
	long drop_every;             /* 0: off */
	long max_conns;              /* 0: unlimited */
};

struct chunk {
	size_t len;
	int64_t due;                 /* monotonic µs */
};

/* One direction of a connection: bytes read from src, waiting for dst. */
struct flow {
	unsigned char *buf;          /* owned, BUF_SIZE bytes */
	size_t start, end;           /* pending bytes: buf[start..end) */
	struct chunk q[MAX_CHUNKS];  /* ring of pending chunks */
	unsigned qhead, qn;
	int src_eof;                 /* the source sent FIN */
	int dst_shut;                /* FIN (or half-close) passed on */
	int discard;                 /* destination is gone: drop input */
	int want_out;                /* the last send would block */
	uint64_t fwd;                /* bytes forwarded */
	int64_t next_send;           /* --rate: not before this time */
	int64_t stall_at;            /* -1: none planned */
	int64_t stall_end;           /* 0: not stalled (yet) */
	enum fault cut;              /* fault at byte offset cut_at */
	uint64_t cut_at;
};

struct conn {
	int fd[2];                   /* [CLIENT] accepted, [SERVER] ours */
	int connecting;
	struct flow f[2];            /* [UP] client to server, [DOWN] back */
	long id;
	int64_t t0;
	enum fault fault;            /* the fault that ended it */
	int fault_dir;
	uint64_t fault_at;
	int faults, stalls;
	int hup[2];                  /* POLLHUP seen while not reading */
	char plan[48];
	const char *end;             /* set when it is over */
};

struct proxy {
	struct config cfg;
	int lfd;                     /* listening socket, -1 once closed */
	struct conn *live[MAX_LIVE];
	size_t nlive;
	long accepted;
	uint64_t rng;
	FILE *log;                   /* owned, or NULL */
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	stopping = sig;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* splitmix64: small, good enough, and the same everywhere. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "faultproxy: error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: faultproxy --to 127.0.0.1:PORT [--port P] [--port-file FILE] [--log FILE]\n"
	    "         [--latency MS] [--rate BYTES_PER_SEC]\n"
	    "         [--stall-after N [--stall-for MS]] [--reset-after N] [--dir up|down|both]\n"
	    "         [--random-reset MAX [--seed S]] [--faulty-conns N] [--truncate-after N]\n"
	    "         [--half-close-after N] [--drop-every K] [--max-conns N]\n");
	exit(2);
}

/* A decimal number in [0, max], or exit with a usage error. */
static int64_t
number(const char *opt, const char *s, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "faultproxy: error: invalid value for --%s: '%s'\n",
		    opt, s);
		usage();
	}
	return v;
}

static const struct option longopts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "port", required_argument, NULL, 'p' },
	{ "port-file", required_argument, NULL, 'P' },
	{ "log", required_argument, NULL, 'l' },
	{ "latency", required_argument, NULL, 'L' },
	{ "rate", required_argument, NULL, 'r' },
	{ "stall-after", required_argument, NULL, 's' },
	{ "stall-for", required_argument, NULL, 'S' },
	{ "reset-after", required_argument, NULL, 'R' },
	{ "dir", required_argument, NULL, 'd' },
	{ "random-reset", required_argument, NULL, 'x' },
	{ "seed", required_argument, NULL, 'z' },
	{ "faulty-conns", required_argument, NULL, 'F' },
	{ "truncate-after", required_argument, NULL, 'T' },
	{ "half-close-after", required_argument, NULL, 'H' },
	{ "drop-every", required_argument, NULL, 'D' },
	{ "max-conns", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_args(int argc, char **argv, struct config *c)
{
	const int64_t big = INT64_MAX / 2000000;
	int ch;

	memset(c, 0, sizeof *c);
	c->stall_after = c->reset_after = -1;
	c->truncate_after = c->half_close_after = -1;
	c->dirs = DIR_BOTH;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *name = NULL;
		int i;

		for (i = 0; longopts[i].name != NULL; i++)
			if (longopts[i].val == ch)
				name = longopts[i].name;
		switch (ch) {
		case 't':
			/* Loopback only, by design: never another address. */
			if (strncmp(optarg, "127.0.0.1:", 10) != 0)
				die("--to must be 127.0.0.1:PORT, not '%s'", optarg);
			c->to_port = (unsigned)number(name, optarg + 10, 65535);
			break;
		case 'p':
			c->port = (unsigned)number(name, optarg, 65535);
			break;
		case 'P':
			c->port_file = optarg;
			break;
		case 'l':
			c->log_path = optarg;
			break;
		case 'L':
			c->latency_us = number(name, optarg, big) * 1000;
			break;
		case 'r':
			c->rate = number(name, optarg, big);
			break;
		case 's':
			c->stall_after = number(name, optarg, big);
			break;
		case 'S':
			c->stall_for_us = number(name, optarg, big) * 1000;
			break;
		case 'R':
			c->reset_after = number(name, optarg, big);
			break;
		case 'd':
			if (strcmp(optarg, "up") == 0)
				c->dirs = DIR_UP;
			else if (strcmp(optarg, "down") == 0)
				c->dirs = DIR_DOWN;
			else if (strcmp(optarg, "both") == 0)
				c->dirs = DIR_BOTH;
			else
				die("--dir must be up, down or both, not '%s'", optarg);
			break;
		case 'x':
			c->random_reset = number(name, optarg, big);
			break;
		case 'z':
			c->seed = (uint64_t)number(name, optarg, INT64_MAX);
			break;
		case 'F':
			c->faulty_conns = (long)number(name, optarg, 1L << 30);
			break;
		case 'T':
			c->truncate_after = number(name, optarg, big);
			break;
		case 'H':
			c->half_close_after = number(name, optarg, big);
			break;
		case 'D':
			c->drop_every = (long)number(name, optarg, 1L << 30);
			break;
		case 'm':
			c->max_conns = (long)number(name, optarg, 1L << 30);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || c->to_port == 0)
		usage();
}

/* Closes fd so that the peer gets a RST, not a FIN. */
static void
close_reset(int fd)
{
	struct linger lg = { 1, 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

static int
listen_loopback(unsigned port, unsigned *bound)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	/* Restarted on the same port while old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
}

/* Writes the port to path through a temporary file and rename(). */
static int
write_port_file(const char *path, unsigned port)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int rc = -1;

	if (f != NULL) {
		fprintf(f, "%u\n", port);
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Plans fault kind at byte offset at in one direction, unless one with a
 * smaller offset is planned there already. */
static void
plan_cut(struct flow *f, enum fault kind, uint64_t at)
{
	if (f->cut == F_NONE || at < f->cut_at) {
		f->cut = kind;
		f->cut_at = at;
	}
}

/* The faults this connection will meet (draws from the seeded generator
 * in a fixed order, whatever happens to the connection later). */
static void
conn_plan(struct proxy *p, struct conn *c)
{
	const struct config *cfg = &p->cfg;
	int spared = cfg->faulty_conns > 0 && c->id > cfg->faulty_conns;
	int d;

	for (d = UP; d <= DOWN; d++) {
		int on = (cfg->dirs & (d == UP ? DIR_UP : DIR_DOWN)) != 0;
		c->f[d].stall_at = on && !spared ? cfg->stall_after : -1;
		if (on && cfg->reset_after >= 0 && !spared)
			plan_cut(&c->f[d], F_RESET, (uint64_t)cfg->reset_after);
	}
	if (cfg->truncate_after >= 0)
		plan_cut(&c->f[DOWN], F_TRUNCATE, (uint64_t)cfg->truncate_after);
	if (cfg->half_close_after >= 0)
		plan_cut(&c->f[DOWN], F_HALF_CLOSE,
		    (uint64_t)cfg->half_close_after);
	if (cfg->random_reset > 0) {
		uint64_t r1 = rng_next(&p->rng), r2 = rng_next(&p->rng);
		uint64_t at = r2 % (uint64_t)cfg->random_reset;
		/* Drawn all the same, so that the plan of connection N does
		 * not depend on how many were spared. */
		if (spared)
			return;
		d = cfg->dirs == DIR_UP ? UP : cfg->dirs == DIR_DOWN ? DOWN :
		    (int)(r1 & 1);
		plan_cut(&c->f[d], F_RESET, at);
		snprintf(c->plan, sizeof c->plan, "%s@%" PRIu64, dir_names[d], at);
	}
}

static void
log_conn(struct proxy *p, const struct conn *c)
{
	if (p->log == NULL)
		return;
	fprintf(p->log, "conn=%ld up=%" PRIu64 " down=%" PRIu64 " fault=%s",
	    c->id, c->f[UP].fwd, c->f[DOWN].fwd, fault_names[c->fault]);
	if (c->fault != F_NONE && c->fault != F_DROP)
		fprintf(p->log, " dir=%s at=%" PRIu64, dir_names[c->fault_dir],
		    c->fault_at);
	fprintf(p->log, " faults=%d stalls=%d end=%s ms=%lld", c->faults,
	    c->stalls, c->end, (long long)((now_us() - c->t0) / 1000));
	if (c->plan[0] != '\0')
		fprintf(p->log, " plan=%s", c->plan);
	fputc('\n', p->log);
	fflush(p->log);
}

/* Ends c: both sockets closed, with a RST when reset is set. */
static void
conn_end(struct conn *c, const char *why, int reset)
{
	int i;

	if (c->end != NULL)
		return;
	c->end = why;
	for (i = 0; i < 2; i++) {
		if (reset)
			close_reset(c->fd[i]);
		else if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
}

/* The fault planned in direction d fires now. */
static void
fire(struct conn *c, int d)
{
	struct flow *f = &c->f[d];

	c->fault = f->cut;
	c->fault_dir = d;
	c->fault_at = f->fwd;
	c->faults++;
	switch (f->cut) {
	case F_RESET:
		conn_end(c, "reset", 1);
		break;
	case F_TRUNCATE:
		conn_end(c, "truncate", 0);
		break;
	case F_HALF_CLOSE:
		/* FIN toward the client; what the server still sends is lost,
		 * the other direction goes on. */
		shutdown(c->fd[CLIENT], SHUT_WR);
		f->dst_shut = f->discard = 1;
		f->start = f->end = 0;
		f->qn = 0;
		f->cut = F_NONE;
		break;
	case F_NONE:
	case F_DROP:
		break;
	}
}

/* Forwards what direction d may send now. Returns the time it wants to
 * run again (NEVER if only new input or writability can help). */
static int64_t
pump_flow(const struct config *cfg, struct conn *c, int d, int64_t now)
{
	struct flow *f = &c->f[d];
	int dst = c->fd[d == UP ? SERVER : CLIENT];

	f->want_out = 0;
	while (c->end == NULL && f->qn > 0) {
		struct chunk *ch = &f->q[f->qhead];
		size_t cap = 0;
		unsigned i;
		ssize_t n;
		size_t sent;

		if (f->discard) {
			f->start = f->end = 0;
			f->qn = 0;
			break;
		}
		if (ch->due > now)
			return ch->due;
		if (f->cut != F_NONE && f->fwd >= f->cut_at) {
			fire(c, d);
			continue;
		}
		if (f->stall_at >= 0 && f->stall_end == 0 &&
		    f->fwd >= (uint64_t)f->stall_at) {
			f->stall_end = cfg->stall_for_us > 0 ?
			    now + cfg->stall_for_us : NEVER;
			c->stalls++;
			c->faults++;
		}
		if (f->stall_end != 0 && now < f->stall_end)
			return f->stall_end;
		if (cfg->rate > 0 && now < f->next_send)
			return f->next_send;
		for (i = 0; i < f->qn; i++) {
			const struct chunk *k = &f->q[(f->qhead + i) % MAX_CHUNKS];
			if (k->due > now)
				break;
			cap += k->len;
		}
		if (f->cut != F_NONE && cap > f->cut_at - f->fwd)
			cap = (size_t)(f->cut_at - f->fwd);
		if (f->stall_at >= 0 && f->stall_end == 0 &&
		    cap > (uint64_t)f->stall_at - f->fwd)
			cap = (size_t)((uint64_t)f->stall_at - f->fwd);
		if (cfg->rate > 0) {
			/* 20 ms worth at a time, at least one byte. */
			size_t slice = (size_t)(cfg->rate / 50);
			if (cap > (slice > 0 ? slice : 1))
				cap = slice > 0 ? slice : 1;
		}
		n = send(dst, f->buf + f->start, cap, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				f->want_out = 1;
				return NEVER;
			}
			if (errno == EINTR)
				continue;
			conn_end(c, "write-error", 1);
			return NEVER;
		}
		sent = (size_t)n;
		f->start += sent;
		f->fwd += sent;
		while (sent > 0) {
			struct chunk *k = &f->q[f->qhead];
			size_t take = sent < k->len ? sent : k->len;
			k->len -= take;
			sent -= take;
			if (k->len == 0) {
				f->qhead = (f->qhead + 1) % MAX_CHUNKS;
				f->qn--;
			}
		}
		if (f->qn == 0)
			f->start = f->end = 0;
		if (cfg->rate > 0)
			f->next_send = now + (int64_t)n * 1000000 / cfg->rate;
	}
	if (c->end == NULL && f->qn == 0 && f->src_eof && !f->dst_shut) {
		shutdown(dst, SHUT_WR);
		f->dst_shut = 1;
	}
	return NEVER;
}

static int
can_read(const struct flow *f)
{
	return !f->src_eof && (f->discard ||
	    (f->qn < MAX_CHUNKS && (f->end < BUF_SIZE || f->start > 0)));
}

/* Reads what the source of direction d has for us. */
static void
read_flow(const struct config *cfg, struct conn *c, int d, int64_t now)
{
	struct flow *f = &c->f[d];
	int src = c->fd[d == UP ? CLIENT : SERVER];
	static unsigned char sink[BUF_SIZE];
	ssize_t n;

	if (!can_read(f))
		return;
	if (f->discard) {
		n = recv(src, sink, sizeof sink, MSG_DONTWAIT);
	} else {
		if (f->end == BUF_SIZE) {
			memmove(f->buf, f->buf + f->start, f->end - f->start);
			f->end -= f->start;
			f->start = 0;
		}
		n = recv(src, f->buf + f->end, BUF_SIZE - f->end, MSG_DONTWAIT);
	}
	if (n > 0 && !f->discard) {
		struct chunk *k = &f->q[(f->qhead + f->qn) % MAX_CHUNKS];
		k->len = (size_t)n;
		k->due = now + cfg->latency_us;
		f->qn++;
		f->end += (size_t)n;
	} else if (n == 0) {
		f->src_eof = 1;
	} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		/* The peer reset (or worse): pass the reset on. */
		conn_end(c, d == UP ? "client-reset" : "server-reset", 1);
	}
}

/* Forwards both directions and notices the end. Returns the time it
 * wants to run again. */
static int64_t
pump(const struct config *cfg, struct conn *c, int64_t now)
{
	int64_t wake = NEVER, t;
	int d;

	if (c->end != NULL || c->connecting)
		return NEVER;
	for (d = UP; d <= DOWN; d++) {
		t = pump_flow(cfg, c, d, now);
		if (t < wake)
			wake = t;
	}
	if (c->end != NULL)
		return NEVER;
	if (c->f[UP].src_eof && c->f[DOWN].src_eof) {
		if (c->f[UP].dst_shut && c->f[DOWN].dst_shut &&
		    c->f[UP].qn == 0 && c->f[DOWN].qn == 0)
			conn_end(c, "eof", 0);
		else if ((c->f[UP].qn > 0 && c->f[UP].stall_end == NEVER) ||
		    (c->f[DOWN].qn > 0 && c->f[DOWN].stall_end == NEVER))
			/* Both ends are done and one side stalls for ever. */
			conn_end(c, "stalled", 1);
	}
	return wake;
}

static struct conn *
conn_new(long id, int client)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->id = id;
	c->t0 = now_us();
	c->fd[CLIENT] = client;
	c->fd[SERVER] = -1;
	c->f[UP].buf = xmalloc(BUF_SIZE);
	c->f[DOWN].buf = xmalloc(BUF_SIZE);
	return c;
}

static void
conn_free(struct conn *c)
{
	free(c->f[UP].buf);
	free(c->f[DOWN].buf);
	free(c);
}

/* Starts the upstream connection of c (non-blocking). */
static void
conn_connect(const struct config *cfg, struct conn *c)
{
	struct sockaddr_in sin;
	int one = 1;

	setsockopt(c->fd[CLIENT], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd[SERVER] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd[SERVER] < 0) {
		conn_end(c, "no-socket", 1);
		return;
	}
	setsockopt(c->fd[SERVER], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->to_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd[SERVER], (struct sockaddr *)&sin, sizeof sin) == 0)
		return;
	if (errno == EINPROGRESS)
		c->connecting = 1;
	else
		conn_end(c, "upstream-refused", 1);
}

static void
accept_all(struct proxy *p)
{
	const struct config *cfg = &p->cfg;

	while (p->lfd >= 0 && p->nlive < MAX_LIVE) {
		int fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			break;
		c = conn_new(++p->accepted, fd);
		if (cfg->drop_every > 0 && p->accepted % cfg->drop_every == 0) {
			c->fault = F_DROP;
			c->faults = 1;
			conn_end(c, "drop", 0);
		} else {
			conn_plan(p, c);
			conn_connect(cfg, c);
		}
		p->live[p->nlive++] = c;
		if (cfg->max_conns > 0 && p->accepted >= cfg->max_conns) {
			close(p->lfd);
			p->lfd = -1;
		}
	}
}

/* Logs and frees the connections that are over. */
static void
reap(struct proxy *p)
{
	size_t i = 0;

	while (i < p->nlive) {
		struct conn *c = p->live[i];
		if (c->end == NULL) {
			i++;
			continue;
		}
		log_conn(p, c);
		conn_free(c);
		p->live[i] = p->live[--p->nlive];
	}
}

static void
add_pfd(struct pollfd *pfd, size_t *n, int fd, short events)
{
	pfd[*n].fd = events != 0 ? fd : -1;
	pfd[*n].events = events;
	pfd[*n].revents = 0;
	(*n)++;
}

/*
 * Polls socket i (CLIENT or SERVER) of c: for input when its flow may
 * read, for output when a send toward it would block, and for nothing
 * but errors otherwise, so that a peer resetting a stalled or drained
 * connection is noticed. A socket that said POLLHUP while we were not
 * reading is left out until there is something to poll for: POLLHUP
 * cannot be masked and would wake us for ever.
 */
static void
watch(struct pollfd *pfd, size_t *n, const struct conn *c, int i)
{
	const struct flow *src = &c->f[i == CLIENT ? UP : DOWN];
	const struct flow *dst = &c->f[i == CLIENT ? DOWN : UP];
	short ev = (short)((can_read(src) ? POLLIN : 0) |
	    (dst->want_out ? POLLOUT : 0));

	pfd[*n].fd = ev != 0 || !(c->hup[i] || (src->src_eof && dst->dst_shut)) ?
	    c->fd[i] : -1;
	pfd[*n].events = ev;
	pfd[*n].revents = 0;
	(*n)++;
}

/* Acts on what poll() said about socket i (CLIENT or SERVER) of c. */
static void
ready(const struct config *cfg, struct conn *c, int i,
    const struct pollfd *pf, int64_t now)
{
	if (pf->events & POLLIN) {
		if (pf->revents & (POLLIN | POLLHUP | POLLERR))
			read_flow(cfg, c, i == CLIENT ? UP : DOWN, now);
	} else if (pf->revents & POLLERR) {
		conn_end(c, i == CLIENT ? "client-reset" : "server-reset", 1);
	} else if (pf->revents & POLLHUP) {
		/* Shut both ways (our FIN out, theirs in) with input unread:
		 * not an error, and read in its turn. */
		c->hup[i] = 1;
	}
}

static void
run(struct proxy *p, const sigset_t *waitmask)
{
	struct pollfd pfd[1 + 2 * MAX_LIVE];

	while (!stopping) {
		int64_t now = now_us(), wake = NEVER, t;
		struct timespec ts, *tsp = NULL;
		size_t i, n = 0;

		for (i = 0; i < p->nlive; i++) {
			t = pump(&p->cfg, p->live[i], now);
			if (t < wake)
				wake = t;
		}
		reap(p);
		if (p->lfd < 0 && p->nlive == 0)
			break; /* --max-conns reached, all done */
		add_pfd(pfd, &n, p->lfd, p->lfd >= 0 && p->nlive < MAX_LIVE ?
		    POLLIN : 0);
		for (i = 0; i < p->nlive; i++) {
			struct conn *c = p->live[i];
			if (c->connecting) {
				add_pfd(pfd, &n, -1, 0);
				add_pfd(pfd, &n, c->fd[SERVER], POLLOUT);
				continue;
			}
			watch(pfd, &n, c, CLIENT);
			watch(pfd, &n, c, SERVER);
		}
		if (wake != NEVER) {
			int64_t dt = wake > now ? wake - now : 0;
			ts.tv_sec = (time_t)(dt / 1000000);
			ts.tv_nsec = (long)(dt % 1000000) * 1000;
			tsp = &ts;
		}
		if (ppoll(pfd, n, tsp, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			perror("faultproxy: error: poll");
			break;
		}
		now = now_us();
		for (i = 0; i < p->nlive; i++) {
			struct conn *c = p->live[i];
			const struct pollfd *a = &pfd[1 + 2 * i], *b = a + 1;
			if (c->connecting) {
				int e = 0;
				socklen_t el = sizeof e;
				if (b->revents == 0)
					continue;
				getsockopt(c->fd[SERVER], SOL_SOCKET, SO_ERROR, &e,
				    &el);
				c->connecting = 0;
				if (e != 0)
					conn_end(c, "upstream-refused", 1);
				continue;
			}
			if (c->end == NULL)
				ready(&p->cfg, c, CLIENT, a, now);
			if (c->end == NULL)
				ready(&p->cfg, c, SERVER, b, now);
		}
		if (pfd[0].revents & POLLIN)
			accept_all(p);
	}
}

int
main(int argc, char **argv)
{
	struct proxy p;
	struct sigaction sa;
	sigset_t block, waitmask;
	unsigned port = 0;
	size_t i;

	memset(&p, 0, sizeof p);
	parse_args(argc, argv, &p.cfg);
	p.rng = p.cfg.seed;
	/* The stop signals are blocked except inside ppoll(), so that one
	 * arriving between two checks is never lost. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	if (p.cfg.log_path != NULL) {
		p.log = fopen(p.cfg.log_path, "a");
		if (p.log == NULL)
			die("cannot open log '%s'", p.cfg.log_path);
	}
	p.lfd = listen_loopback(p.cfg.port, &port);
	if (p.lfd < 0) {
		fprintf(stderr, "faultproxy: error: cannot listen on 127.0.0.1:%u: %s\n",
		    p.cfg.port, strerror(errno));
		return 1;
	}
	if (p.cfg.port_file != NULL && write_port_file(p.cfg.port_file, port) != 0) {
		fprintf(stderr, "faultproxy: error: cannot write '%s': %s\n",
		    p.cfg.port_file, strerror(errno));
		return 1;
	}
	run(&p, &waitmask);
	for (i = 0; i < p.nlive; i++)
		conn_end(p.live[i], "signal", 0);
	reap(&p);
	if (p.lfd >= 0)
		close(p.lfd);
	if (p.log != NULL)
		fclose(p.log);
	return 0;
}
