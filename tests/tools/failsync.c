/*
 * failsync.c - an LD_PRELOAD shim that makes fsync(), fdatasync() and,
 * when asked, write()/pwrite() fail, or kills the process at one of them,
 * for the integration tests (t0011-fsync-faults.sh, t0010-crash.sh). Built
 * as a shared object, never linked into a program:
 *
 *   LD_PRELOAD=build/tests/tools/failsync.so FAILSYNC_NTH=2 liandong ...
 *
 * It acts only on calls whose file descriptor names a file whose path
 * contains FAILSYNC_MATCH (every call when unset or empty; sockets and
 * pipes never match a non-empty FAILSYNC_MATCH). Such calls are counted
 * from 1 in each process, and call n fails when
 *
 *   FAILSYNC_NTH=N      n == N (comma-separated list allowed: 2,5)
 *   FAILSYNC_FROM=N     n >= N (a disk that stays broken)
 *   FAILSYNC_PERMILLE=P with probability P/1000, drawn from FAILSYNC_SEED
 *                       (default 1) and n, so a run is reproducible
 *
 * FAILSYNC_ARMED=FILE: no call fails while FILE does not exist (calls
 * are counted and logged all the same), so that a test can let a server
 * start, then arm the faults for what it serves (t0011-fsync-faults.sh).
 *
 * FAILSYNC_OPS says which calls count: "sync" (the default: fsync and
 * fdatasync), "write" (write, pwrite, pwrite64) or "all". A failing call
 * does nothing and returns -1 with errno FAILSYNC_ERRNO: EIO (the
 * default), ENOSPC or EDQUOT.
 *
 * FAILSYNC_ACTION=kill (t0010-crash.sh) turns the chosen calls into a
 * crash instead: the process sends itself SIGKILL in place of the call,
 * which is never made, so a test can stop a program exactly before its
 * Nth write or sync. The log line (result=kill) is written first.
 *
 * FAILSYNC_LOG=FILE appends one line per counted call, written with one
 * write(2) on an O_APPEND descriptor, so processes and threads can share
 * the file:
 *
 *   pid=4242 n=3 op=fdatasync path=/tmp/x/lyx01.db-wal result=fail errno=EIO
 *
 * (result=ok for a call passed on, result=kill for the call a process
 * died at). A directory's path is logged as is: fdatasync of a directory
 * is SQLite syncing the one that holds a file it has just created.
 *
 * Invariants:
 *  1. Nothing here allocates or calls into the sanitizers; the real
 *     functions are found with dlsym(RTLD_NEXT), so under ASan the calls
 *     reach ASan's interceptors and then libc (run with
 *     ASAN_OPTIONS=verify_asan_link_order=0).
 *  2. A call that does not count, or counts and does not fail, is passed
 *     to the real function unchanged, errno included.
 *  3. The shim's own log writes go through the real write(), never
 *     through the shim.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define OP_SYNC 1
#define OP_WRITE 2

typedef int sync_fn(int);
typedef ssize_t write_fn(int, const void *, size_t);
typedef ssize_t pwrite_fn(int, const void *, size_t, off_t);

static struct {
	int ready;
	int ops;          /* OP_* that count */
	const char *match;
	const char *armed; /* FAILSYNC_ARMED, or NULL */
	long nth[16];     /* FAILSYNC_NTH, 0-terminated */
	long from;        /* FAILSYNC_FROM, 0 = off */
	long permille;
	unsigned long seed;
	int err;
	int kill;         /* FAILSYNC_ACTION=kill */
	int logfd;        /* -1: no log */
	long calls;       /* counted calls so far (atomic) */
	sync_fn *real_fsync, *real_fdatasync;
	write_fn *real_write;
	pwrite_fn *real_pwrite, *real_pwrite64;
} fs = { .logfd = -1 };

static long
env_long(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? strtol(v, NULL, 10) : 0;
}

static void
setup(void)
{
	const char *v;
	char *end;
	size_t i = 0;

	if (__atomic_load_n(&fs.ready, __ATOMIC_ACQUIRE))
		return;
	fs.real_fsync = (sync_fn *)dlsym(RTLD_NEXT, "fsync");
	fs.real_fdatasync = (sync_fn *)dlsym(RTLD_NEXT, "fdatasync");
	fs.real_write = (write_fn *)dlsym(RTLD_NEXT, "write");
	fs.real_pwrite = (pwrite_fn *)dlsym(RTLD_NEXT, "pwrite");
	fs.real_pwrite64 = (pwrite_fn *)dlsym(RTLD_NEXT, "pwrite64");
	v = getenv("FAILSYNC_OPS");
	if (v == NULL || strcmp(v, "sync") == 0)
		fs.ops = OP_SYNC;
	else if (strcmp(v, "write") == 0)
		fs.ops = OP_WRITE;
	else
		fs.ops = OP_SYNC | OP_WRITE;
	fs.match = getenv("FAILSYNC_MATCH");
	fs.armed = getenv("FAILSYNC_ARMED");
	if (fs.armed != NULL && *fs.armed == '\0')
		fs.armed = NULL;
	if (fs.match != NULL && fs.match[0] == '\0')
		fs.match = NULL;
	for (v = getenv("FAILSYNC_NTH"); v != NULL && *v != '\0' &&
	    i < sizeof fs.nth / sizeof fs.nth[0] - 1; v = end + (*end == ',')) {
		fs.nth[i] = strtol(v, &end, 10);
		if (end == v)
			break;
		if (fs.nth[i] > 0)
			i++;
	}
	fs.from = env_long("FAILSYNC_FROM");
	fs.permille = env_long("FAILSYNC_PERMILLE");
	fs.seed = getenv("FAILSYNC_SEED") != NULL ?
	    (unsigned long)env_long("FAILSYNC_SEED") : 1;
	v = getenv("FAILSYNC_ERRNO");
	fs.err = v == NULL ? EIO : strcmp(v, "ENOSPC") == 0 ? ENOSPC :
	    strcmp(v, "EDQUOT") == 0 ? EDQUOT : EIO;
	v = getenv("FAILSYNC_ACTION");
	fs.kill = v != NULL && strcmp(v, "kill") == 0;
	if ((v = getenv("FAILSYNC_LOG")) != NULL && *v != '\0')
		fs.logfd = open(v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0644);
	__atomic_store_n(&fs.ready, 1, __ATOMIC_RELEASE);
}

/* A reproducible draw in [0, 1000) for call n (splitmix64). */
static long
draw(unsigned long n)
{
	unsigned long long z = (unsigned long long)fs.seed * 0x9e3779b97f4a7c15ULL + n;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (long)(z % 1000);
}

static void
log_call(long n, const char *op, const char *path, int fail)
{
	char line[600];
	int len;

	if (fs.logfd < 0)
		return;
	len = snprintf(line, sizeof line, "pid=%ld n=%ld op=%s path=%s result=%s%s\n",
	    (long)getpid(), n, op, path, !fail ? "ok" : fs.kill ? "kill" :
	    "fail errno=", !fail || fs.kill ? "" : fs.err == ENOSPC ? "ENOSPC" :
	    fs.err == EDQUOT ? "EDQUOT" : "EIO");
	if (len > 0 && fs.real_write != NULL)
		(void)fs.real_write(fs.logfd, line, (size_t)len < sizeof line ?
		    (size_t)len : sizeof line - 1);
}

/* Whether this call on fd, of kind op, fails; logs it when it counts.
 * With FAILSYNC_ACTION=kill a call that would fail ends the process
 * instead, after its log line. */
static int
should_fail(int fd, int op, const char *name)
{
	char link[64], path[512];
	ssize_t n;
	long call;
	size_t i;
	int fail = 0;

	setup();
	if (!(fs.ops & op) || fd == fs.logfd)
		return 0;
	path[0] = '\0';
	if (fs.match != NULL || fs.logfd >= 0) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof path - 1);
		path[n > 0 ? n : 0] = '\0';
		if (fs.match != NULL && strstr(path, fs.match) == NULL)
			return 0;
	}
	call = __atomic_add_fetch(&fs.calls, 1, __ATOMIC_SEQ_CST);
	for (i = 0; fs.nth[i] != 0; i++)
		if (fs.nth[i] == call)
			fail = 1;
	if (fs.from > 0 && call >= fs.from)
		fail = 1;
	if (fs.permille > 0 && draw((unsigned long)call) < fs.permille)
		fail = 1;
	if (fail && fs.armed != NULL && access(fs.armed, F_OK) != 0)
		fail = 0;
	log_call(call, name, path, fail);
	if (fail && fs.kill)
		kill(getpid(), SIGKILL);
	return fail;
}

int
fsync(int fd)
{
	int saved = errno;

	if (should_fail(fd, OP_SYNC, "fsync")) {
		errno = fs.err;
		return -1;
	}
	errno = saved;
	return fs.real_fsync(fd);
}

int
fdatasync(int fd)
{
	int saved = errno;

	if (should_fail(fd, OP_SYNC, "fdatasync")) {
		errno = fs.err;
		return -1;
	}
	errno = saved;
	return fs.real_fdatasync(fd);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	int saved = errno;

	if (should_fail(fd, OP_WRITE, "write")) {
		errno = fs.err;
		return -1;
	}
	errno = saved;
	return fs.real_write(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int saved = errno;

	if (should_fail(fd, OP_WRITE, "pwrite")) {
		errno = fs.err;
		return -1;
	}
	errno = saved;
	return fs.real_pwrite(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	int saved = errno;

	if (should_fail(fd, OP_WRITE, "pwrite64")) {
		errno = fs.err;
		return -1;
	}
	errno = saved;
	return fs.real_pwrite64(fd, buf, n, off);
}
