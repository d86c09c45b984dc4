/*
 * powercut.c - an LD_PRELOAD shim that cuts the power under a process:
 * at its Nth sync point, every file the shim knows is put back the way
 * a disk would hold it after a power loss, and the process is killed
 * (SIGKILL). For the integration tests (t0052-power-loss.sh). Built as a
 * shared object, never linked into a program, like failsync.c:
 *
 *   LD_PRELOAD=build/tests/tools/powercut.so POWERCUT_DIR=/abs/disk \
 *       POWERCUT_STATE=/abs/session POWERCUT_AT=3 liandong ...
 *
 * A kill -9 leaves the page cache to the next process: every write made
 * before it is read back, synced or not. Here what was not made durable
 * is lost, so a missing or ignored fsync can make a test fail.
 *
 * Environment
 *   POWERCUT_DIR=DIR    the disk that loses power: regular files anywhere
 *                       under DIR (an absolute path; symbolic links in it
 *                       are resolved). Unset or empty: every call is
 *                       passed on, nothing is counted.
 *   POWERCUT_STATE=S    the session directory (an absolute path), where
 *                       the shim keeps its table (S/table) and the durable
 *                       content of each file it knows (S/<slot>); made if
 *                       missing; default DIR.powercut. Not under DIR, or
 *                       only in a part of it the programs do not use.
 *   POWERCUT_AT=N       the Nth sync point of this process cuts the power
 *                       (unset or 0: never).
 *   POWERCUT_LIE=1      a disk that ignores syncs: each one returns 0 and
 *                       makes nothing durable.
 *   POWERCUT_LOG=FILE   one line per sync point, one write(2) on an
 *                       O_APPEND descriptor:
 *                         pid=42 n=3 op=fdatasync path=/d/a.db-wal result=ok
 *                       result: ok, fail (the real call failed, errno
 *                       kept), lie, or cut (then " restored=R removed=M").
 *
 * The model
 *  M1. The disk holds, durably, a namespace (each directory's names and
 *      the files they name) and each file's content. A process sees the
 *      page cache: the durable state and every change not made durable.
 *  M2. A session spans every process run with the same S, one at a time
 *      (S/lock; a second process at the same time stops with exit 98).
 *      The first time the session meets a name under DIR (an open, a
 *      rename, link or unlink of it, by any of its processes), what the
 *      name holds then counts as durable: its entry and its content.
 *      Removing S starts a new session; so does a cut (M6).
 *  M3. fsync or fdatasync of a regular file (the same thing here) makes
 *      its content durable, as it is at that moment; not its name.
 *  M4. fsync or fdatasync of a directory makes durable the entries, as
 *      they are at that moment, of the names in it the session knows: a
 *      name created, renamed, linked or unlinked is durable only after a
 *      sync of its directory (POSIX promises no more; ext4 often gives
 *      more, which the model does not count on).
 *  M5. A file created in the session has empty durable content until its
 *      first sync. Its name has no durable entry until M4: created and
 *      never synced, it is lost entirely; its directory synced before the
 *      file, it comes back empty.
 *  M6. Sync points: each fsync and fdatasync of a file or directory under
 *      DIR, counted from 1 in each process. At the POWERCUT_AT-th the sync
 *      does not happen. Instead, holding the shim's lock (so no other
 *      thread of the process opens, renames or syncs meanwhile): each name
 *      the session knows is put back to its durable state, removed if it
 *      has no durable entry, else made anew (a new file, so writes through
 *      descriptors still open land in the old one) with its durable
 *      content and mode; each SQLite shared-memory file ("-shm") the
 *      session opened is removed (memory does not survive a power loss);
 *      the session ends (S emptied: the disk as left is the next one's
 *      start); the process, all its threads, is killed with SIGKILL.
 *  M7. POWERCUT_LIE=1: M3 and M4 never happen; the sync returns 0.
 *
 * Not modelled
 *  - Writes between two syncs of a file reach the disk all or none; the
 *    shim only plays "none". A real disk may keep any subset in any order,
 *    tear a sector, or lie in its firmware; SQLite's journal is designed
 *    for those, this shim does not test them.
 *  - Directories made or removed (mkdir, rmdir) stay as they are.
 *  - O_SYNC and O_DSYNC writes, sync(), syncfs(), msync(),
 *    sync_file_range() are no sync points and make nothing durable.
 *  - truncate() by name, writes through mmap (other than -shm).
 *  - Files opened through stdio: glibc's fopen opens inside libc, past
 *    the shim; such a file is met (M2) at its first sync, rename, link or
 *    unlink, or when its directory is synced (content as it is then).
 *  - Another process changing DIR during a session (not one of the
 *    session's, or two at once) defeats the shadows.
 *
 * Invariants
 *  1. Nothing here allocates: the table and the copy buffer are static,
 *     paths live on the stack; the real functions are found with
 *     dlsym(RTLD_NEXT), so under ASan the calls reach ASan's interceptors
 *     and then libc (run with ASAN_OPTIONS=verify_asan_link_order=0).
 *  2. A call on a path or descriptor outside DIR is passed on unchanged,
 *     errno included; so is every call when POWERCUT_DIR is unset.
 *  3. The shim's own files (S, the log) are written through the real
 *     functions, never through the shim, and never counted.
 *  4. The table in S is written again before the call that changed it
 *     returns: a process killed by anyone leaves it whole for the next.
 *  5. The shim cannot do its job (table full, path too long, S unusable):
 *     it says why on stderr and the process exits 98, never a silent pass.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define PC_NAME 512       /* longest name kept, with its NUL */
#define PC_NAMES 256      /* names a session may know */
#define PC_INODES 1024    /* files a session may know */
#define PC_MAGIC "pwrcut1"
#define PC_EXIT 98

typedef int open_fn(const char *, int, ...);
typedef int openat_fn(int, const char *, int, ...);
typedef int rename_fn(const char *, const char *);
typedef int renameat_fn(int, const char *, int, const char *);
typedef int renameat2_fn(int, const char *, int, const char *, unsigned int);
typedef int linkat_fn(int, const char *, int, const char *, int);
typedef int unlink_fn(const char *);
typedef int unlinkat_fn(int, const char *, int);
typedef int sync_fn(int);

/* A name under DIR and the slot of the file its durable entry names. */
struct pc_name {
	char path[PC_NAME];   /* canonical: parent resolved, last part kept */
	int dur;              /* inode slot, -1: no durable entry */
	int shm;              /* an SQLite -shm file: removed at a cut */
};

/* A file the session met; its durable content is S/<slot>. */
struct pc_inode {
	unsigned long long dev, ino;
	unsigned int mode;    /* permission bits, for a file made anew */
	int live;             /* 0: its inode number may name another file */
};

/* The session's table, as stored in S/table (header, then the used part
 * of each array). */
static struct {
	char magic[8];
	char dir[PC_NAME];
	int nnames, ninodes;
	struct pc_name names[PC_NAMES];
	struct pc_inode inodes[PC_INODES];
} tab;

static struct {
	pthread_once_t once;
	pthread_mutex_t lock;
	int on;                  /* POWERCUT_DIR set and usable */
	int joined;              /* holds S/lock, table loaded */
	int lie;
	long at;
	long calls;
	int logfd;
	char dir[PATH_MAX], state[PATH_MAX];
	size_t dirlen, statelen;
	char buf[65536];         /* copies; used with the lock held */
	open_fn *open;           /* the shim's own files */
	openat_fn *openat, *openat64;
	rename_fn *rename;
	renameat_fn *renameat;
	renameat2_fn *renameat2;
	linkat_fn *linkat;
	unlink_fn *unlink;
	unlinkat_fn *unlinkat;
	sync_fn *fsync, *fdatasync;
} pc = { PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, .logfd = -1 };

static void
say(const char *msg, const char *what)
{
	char line[PATH_MAX + 200];
	int len = snprintf(line, sizeof line, "powercut: %s%s%s\n", msg,
	    what != NULL ? ": " : "", what != NULL ? what : "");

	if (len > 0)
		(void)write(2, line, (size_t)len < sizeof line ? (size_t)len :
		    sizeof line - 1);
}

static void
die(const char *msg, const char *what)
{
	say(msg, what);
	_exit(PC_EXIT);
}

#define REAL(name) pc.name = (void *)dlsym(RTLD_NEXT, #name)

static void
init(void)
{
	const char *v;

	REAL(open);
	REAL(openat);
	REAL(openat64);
	REAL(rename);
	REAL(renameat);
	REAL(renameat2);
	REAL(linkat);
	REAL(unlink);
	REAL(unlinkat);
	REAL(fsync);
	REAL(fdatasync);
	v = getenv("POWERCUT_DIR");
	if (v == NULL || *v == '\0')
		return;
	if (realpath(v, pc.dir) == NULL)
		die("cannot resolve POWERCUT_DIR", v);
	pc.dirlen = strlen(pc.dir);
	v = getenv("POWERCUT_STATE");
	if (v != NULL && *v != '\0') {
		if (strlen(v) >= sizeof pc.state - 1)
			die("POWERCUT_STATE too long", v);
		strcpy(pc.state, v);
	} else if (snprintf(pc.state, sizeof pc.state, "%s.powercut",
	    pc.dir) >= (int)sizeof pc.state)
		die("POWERCUT_DIR too long", pc.dir);
	pc.statelen = strlen(pc.state);
	pc.at = (v = getenv("POWERCUT_AT")) != NULL ? strtol(v, NULL, 10) : 0;
	pc.lie = (v = getenv("POWERCUT_LIE")) != NULL && strcmp(v, "1") == 0;
	if ((v = getenv("POWERCUT_LOG")) != NULL && *v != '\0')
		pc.logfd = pc.open(v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0644);
	pc.on = 1;
}

static void
setup(void)
{
	pthread_once(&pc.once, init);
}

/* Whether p (canonical) is DIR or under it, and not the session's own. */
static int
under(const char *p)
{
	if (strncmp(p, pc.dir, pc.dirlen) != 0 ||
	    (p[pc.dirlen] != '/' && p[pc.dirlen] != '\0'))
		return 0;
	return !(strncmp(p, pc.state, pc.statelen) == 0 &&
	    (p[pc.statelen] == '/' || p[pc.statelen] == '\0'));
}

/* The path descriptor fd names, as the kernel has it. */
static int
fd_path(int fd, char out[PATH_MAX])
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, out, PATH_MAX - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * The canonical name of path, relative to dirfd: its parent resolved
 * (realpath), its last part as given. Returns 1 when it is a name under
 * DIR the shim models, else 0 (outside DIR, ".", "..", a trailing "/",
 * or a parent that does not resolve).
 */
static int
canon(int dirfd, const char *path, char out[PATH_MAX])
{
	char abs[PATH_MAX], parent[PATH_MAX];
	const char *base;
	size_t len;
	char *slash;

	if (!pc.on || path == NULL || *path == '\0')
		return 0;
	if (path[0] == '/') {
		if (strlen(path) >= sizeof abs)
			return 0;
		strcpy(abs, path);
	} else {
		if (dirfd == AT_FDCWD ? getcwd(abs, sizeof abs) == NULL :
		    fd_path(dirfd, abs) != 0)
			return 0;
		len = strlen(abs);
		if (len + 1 + strlen(path) >= sizeof abs)
			return 0;
		abs[len] = '/';
		strcpy(abs + len + 1, path);
	}
	len = strlen(abs);
	if (abs[len - 1] == '/')
		return 0;
	slash = strrchr(abs, '/');
	base = slash + 1;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return 0;
	*slash = '\0';
	if (realpath(slash == abs ? "/" : abs, parent) == NULL)
		return 0;
	len = strlen(parent);
	if (len + 1 + strlen(base) >= PATH_MAX)
		return 0;
	if (snprintf(out, PATH_MAX, "%s/%s", len == 1 ? "" : parent,
	    base) >= PATH_MAX)
		return 0;
	return under(out) && strcmp(out, pc.dir) != 0;
}

static void
slot_path(int i, char out[PATH_MAX])
{
	if (snprintf(out, PATH_MAX, "%s/%d", pc.state, i) >= PATH_MAX)
		die("POWERCUT_STATE too long", pc.state);
}

static void
save(void)
{
	char p[PATH_MAX];
	size_t head = offsetof(__typeof__(tab), names);
	size_t nb = (size_t)tab.nnames * sizeof tab.names[0];
	size_t ib = (size_t)tab.ninodes * sizeof tab.inodes[0];
	int fd;

	if (snprintf(p, sizeof p, "%s/table", pc.state) >= (int)sizeof p)
		die("POWERCUT_STATE too long", pc.state);
	fd = pc.open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, &tab, head) != (ssize_t)head ||
	    write(fd, tab.names, nb) != (ssize_t)nb ||
	    write(fd, tab.inodes, ib) != (ssize_t)ib || close(fd) != 0)
		die("cannot write the session table", p);
}

static void
load(void)
{
	char p[PATH_MAX];
	size_t head = offsetof(__typeof__(tab), names);
	int fd;

	memset(&tab, 0, sizeof tab);
	if (snprintf(p, sizeof p, "%s/table", pc.state) >= (int)sizeof p)
		die("POWERCUT_STATE too long", pc.state);
	fd = pc.open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		memcpy(tab.magic, PC_MAGIC, sizeof tab.magic);
		strcpy(tab.dir, pc.dir);
		return;
	}
	if (read(fd, &tab, head) != (ssize_t)head ||
	    memcmp(tab.magic, PC_MAGIC, sizeof tab.magic) != 0 ||
	    tab.nnames < 0 || tab.nnames > PC_NAMES ||
	    tab.ninodes < 0 || tab.ninodes > PC_INODES)
		die("the session table is damaged", p);
	if (strcmp(tab.dir, pc.dir) != 0)
		die("the session was for another POWERCUT_DIR", tab.dir);
	if (read(fd, tab.names, (size_t)tab.nnames * sizeof tab.names[0]) !=
	    (ssize_t)((size_t)tab.nnames * sizeof tab.names[0]) ||
	    read(fd, tab.inodes, (size_t)tab.ninodes * sizeof tab.inodes[0]) !=
	    (ssize_t)((size_t)tab.ninodes * sizeof tab.inodes[0]))
		die("the session table is damaged", p);
	close(fd);
}

/* Joins the session once (M2): its lock, then its table. Lock held. */
static void
join(void)
{
	char p[PATH_MAX];
	int fd;

	if (pc.joined)
		return;
	if (mkdir(pc.state, 0700) != 0 && errno != EEXIST)
		die("cannot make POWERCUT_STATE", pc.state);
	if (snprintf(p, sizeof p, "%s/lock", pc.state) >= (int)sizeof p)
		die("POWERCUT_STATE too long", pc.state);
	fd = pc.open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot open the session lock", p);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		die("another process holds the session", pc.state);
	load();
	pc.joined = 1;
}

/* Copies everything readable from src to S/<slot>, through a temporary
 * file. src -1: the durable content is empty. */
static void
copy_to_slot(int src, int slot)
{
	char p[PATH_MAX], tmp[PATH_MAX];
	off_t off = 0;
	ssize_t n;
	int fd;

	slot_path(slot, p);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", p) >= (int)sizeof tmp)
		die("POWERCUT_STATE too long", pc.state);
	fd = pc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot write a shadow", tmp);
	while (src >= 0 && (n = pread(src, pc.buf, sizeof pc.buf, off)) > 0) {
		if (write(fd, pc.buf, (size_t)n) != n)
			die("cannot write a shadow", tmp);
		off += n;
	}
	if (close(fd) != 0 || pc.rename(tmp, p) != 0)
		die("cannot write a shadow", p);
}

static int
find_inode(const struct stat *sb)
{
	int i;

	for (i = 0; i < tab.ninodes; i++)
		if (tab.inodes[i].live &&
		    tab.inodes[i].dev == (unsigned long long)sb->st_dev &&
		    tab.inodes[i].ino == (unsigned long long)sb->st_ino)
			return i;
	return -1;
}

/*
 * A slot for the file sb describes, met now: its content read through
 * src (-1: empty, a file just created) counts as durable. A slot that
 * had its inode number is a file gone: it keeps only its content.
 */
static int
add_inode(const struct stat *sb, int src)
{
	int i = find_inode(sb);

	if (i >= 0)
		tab.inodes[i].live = 0;
	if (tab.ninodes == PC_INODES)
		die("too many files in one session", NULL);
	i = tab.ninodes++;
	tab.inodes[i].dev = (unsigned long long)sb->st_dev;
	tab.inodes[i].ino = (unsigned long long)sb->st_ino;
	tab.inodes[i].mode = sb->st_mode & 07777;
	tab.inodes[i].live = 1;
	copy_to_slot(src, i);
	return i;
}

/* The slot of the regular file at path, met now if new (M2); -1 if it
 * is not there or not a regular file. */
static int
inode_of_path(const char *path)
{
	struct stat sb;
	int i, fd;

	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return -1;
	if ((i = find_inode(&sb)) >= 0)
		return i;
	fd = pc.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot read a file to shadow it", path);
	i = add_inode(&sb, fd);
	close(fd);
	return i;
}

static int
shm_name(const char *p)
{
	size_t n = strlen(p);

	return n > 4 && strcmp(p + n - 4, "-shm") == 0;
}

/* The name p (canonical, under DIR), met now if new (M2): a durable
 * entry for what it holds now, if anything. Lock held. */
static int
meet(const char *p)
{
	int i;

	join();
	for (i = 0; i < tab.nnames; i++)
		if (strcmp(tab.names[i].path, p) == 0)
			return i;
	if (strlen(p) >= PC_NAME)
		die("name too long for the shim", p);
	if (tab.nnames == PC_NAMES)
		die("too many names in one session", NULL);
	i = tab.nnames++;
	strcpy(tab.names[i].path, p);
	tab.names[i].shm = shm_name(p);
	tab.names[i].dur = tab.names[i].shm ? -1 : inode_of_path(p);
	save();
	return i;
}

/* M4: the entries of dir's known names, durable as they are now. */
static void
dir_synced(const char *dir)
{
	size_t len = strlen(dir);
	int i;

	for (i = 0; i < tab.nnames; i++) {
		const char *p = tab.names[i].path;

		if (tab.names[i].shm || strncmp(p, dir, len) != 0 ||
		    p[len] != '/' || strchr(p + len + 1, '/') != NULL)
			continue;
		tab.names[i].dur = inode_of_path(p);
	}
	save();
}

/* M3: fd's content, durable as it is now. */
static void
file_synced(int fd, const struct stat *sb)
{
	char link[64];
	int i = find_inode(sb), src;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	src = pc.open(link, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		die("cannot read a synced file", link);
	if (i < 0) {
		add_inode(sb, src);
		save();
	} else
		copy_to_slot(src, i);
	close(src);
}

static void
log_point(long n, const char *op, const char *path, const char *result)
{
	char line[PATH_MAX + 200];
	int len;

	if (pc.logfd < 0)
		return;
	len = snprintf(line, sizeof line, "pid=%ld n=%ld op=%s path=%s result=%s\n",
	    (long)getpid(), n, op, path, result);
	if (len > 0)
		(void)write(pc.logfd, line, (size_t)len < sizeof line ?
		    (size_t)len : sizeof line - 1);
}

/* Makes name i what the disk holds durably; 1 if made, 0 if removed. */
static int
put_back(int i)
{
	const struct pc_name *nm = &tab.names[i];
	char p[PATH_MAX];
	struct stat sb;
	ssize_t n;
	int src, dst;

	if (lstat(nm->path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (pc.unlink(nm->path) != 0 && errno != ENOENT)
		die("cannot remove a file at the cut", nm->path);
	if (nm->shm || nm->dur < 0)
		return 0;
	slot_path(nm->dur, p);
	src = pc.open(p, O_RDONLY | O_CLOEXEC);
	dst = pc.open(nm->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    tab.inodes[nm->dur].mode);
	if (src < 0 || dst < 0)
		die("cannot put a file back at the cut", nm->path);
	while ((n = read(src, pc.buf, sizeof pc.buf)) > 0)
		if (write(dst, pc.buf, (size_t)n) != n)
			die("cannot put a file back at the cut", nm->path);
	(void)fchmod(dst, tab.inodes[nm->dur].mode);
	close(src);
	close(dst);
	return 1;
}

/* M6. Lock held; never returns. */
static void
cut(long n, const char *op, const char *path)
{
	char p[PATH_MAX], result[64];
	int i, made = 0, removed = 0;

	join();
	for (i = 0; i < tab.nnames; i++)
		if (put_back(i))
			made++;
		else
			removed++;
	for (i = 0; i < tab.ninodes; i++) {
		slot_path(i, p);
		pc.unlink(p);
	}
	if (snprintf(p, sizeof p, "%s/table", pc.state) >= (int)sizeof p)
		die("POWERCUT_STATE too long", pc.state);
	pc.unlink(p);
	snprintf(result, sizeof result, "cut restored=%d removed=%d", made,
	    removed);
	log_point(n, op, path, result);
	kill(getpid(), SIGKILL);
	for (;;)
		pause();
}

static int
sync_point(int fd, sync_fn *real, const char *op)
{
	char path[PATH_MAX];
	struct stat sb;
	int saved = errno, rc;
	long n;

	setup();
	if (!pc.on || fd == pc.logfd || fd_path(fd, path) != 0 || !under(path)) {
		errno = saved;
		return real(fd);
	}
	pthread_mutex_lock(&pc.lock);
	join();
	n = ++pc.calls;
	if (n == pc.at)
		cut(n, op, path);
	if (pc.lie) {
		log_point(n, op, path, "lie");
		pthread_mutex_unlock(&pc.lock);
		errno = saved;
		return 0;
	}
	errno = saved;
	rc = real(fd);
	saved = errno;
	if (rc == 0 && fstat(fd, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			dir_synced(path);
		else if (S_ISREG(sb.st_mode))
			file_synced(fd, &sb);
	}
	log_point(n, op, path, rc == 0 ? "ok" : "fail");
	pthread_mutex_unlock(&pc.lock);
	errno = saved;
	return rc;
}

int
fsync(int fd)
{
	setup();
	return sync_point(fd, pc.fsync, "fsync");
}

int
fdatasync(int fd)
{
	setup();
	return sync_point(fd, pc.fdatasync, "fdatasync");
}

/*
 * The open family. When path is under DIR: the name is met before the
 * call (so O_TRUNC cannot take its durable content), and a file the call
 * creates gets a slot with empty durable content (M5).
 */
static int
real_open(int dirfd, const char *path, int flags, mode_t mode, int wide)
{
	return wide ? pc.openat64(dirfd, path, flags, mode) :
	    pc.openat(dirfd, path, flags, mode);
}

static int
opened(int dirfd, const char *path, int flags, mode_t mode, int wide)
{
	char p[PATH_MAX];
	struct stat sb;
	int fd, existed, saved = errno, i;

	setup();
	if (!canon(dirfd, path, p) || (flags & O_TMPFILE) == O_TMPFILE) {
		errno = saved;
		return real_open(dirfd, path, flags, mode, wide);
	}
	pthread_mutex_lock(&pc.lock);
	existed = lstat(p, &sb) == 0;
	if (existed && !S_ISREG(sb.st_mode)) { /* a directory, a device */
		pthread_mutex_unlock(&pc.lock);
		errno = saved;
		return real_open(dirfd, path, flags, mode, wide);
	}
	i = meet(p);
	errno = saved;
	fd = real_open(dirfd, path, flags, mode, wide);
	saved = errno;
	if (fd >= 0 && !existed && !tab.names[i].shm && fstat(fd, &sb) == 0 &&
	    S_ISREG(sb.st_mode)) {
		add_inode(&sb, -1);
		save();
	}
	pthread_mutex_unlock(&pc.lock);
	errno = saved;
	return fd;
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
	    (mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return opened(AT_FDCWD, path, flags, mode, 0);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return opened(AT_FDCWD, path, flags, mode, 1);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return opened(dirfd, path, flags, mode, 0);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return opened(dirfd, path, flags, mode, 1);
}

/* _FORTIFY_SOURCE's checked opens take no mode (no O_CREAT). */
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);

int
__open_2(const char *path, int flags)
{
	return opened(AT_FDCWD, path, flags, 0, 0);
}

int
__open64_2(const char *path, int flags)
{
	return opened(AT_FDCWD, path, flags, 0, 1);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	return opened(dirfd, path, flags, 0, 0);
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	return opened(dirfd, path, flags, 0, 1);
}

int
creat(const char *path, mode_t mode)
{
	return opened(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode, 0);
}

int
creat64(const char *path, mode_t mode)
{
	return opened(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode, 1);
}

/*
 * rename, link and unlink: each name under DIR is met before the call
 * (an entry they replace or remove keeps its durable state); the change
 * itself becomes durable with a sync of the directory (M4).
 */
enum { OP_RENAME, OP_LINK, OP_UNLINK };

static int
named(int op, int fd1, const char *a, int fd2, const char *b, int flags)
{
	char p1[PATH_MAX], p2[PATH_MAX];
	int in1, in2 = 0, saved = errno, rc;

	setup();
	in1 = canon(fd1, a, p1);
	if (op != OP_UNLINK)
		in2 = canon(fd2, b, p2);
	if (in1 || in2) {
		pthread_mutex_lock(&pc.lock);
		if (in1)
			meet(p1);
		if (in2)
			meet(p2);
	}
	errno = saved;
	switch (op) {
	case OP_RENAME:
		rc = flags == 0 ? pc.renameat(fd1, a, fd2, b) :
		    pc.renameat2(fd1, a, fd2, b, (unsigned int)flags);
		break;
	case OP_LINK:
		rc = pc.linkat(fd1, a, fd2, b, flags);
		break;
	default:
		rc = pc.unlinkat(fd1, a, flags);
		break;
	}
	if (in1 || in2) {
		saved = errno;
		pthread_mutex_unlock(&pc.lock);
		errno = saved;
	}
	return rc;
}

int
rename(const char *a, const char *b)
{
	return named(OP_RENAME, AT_FDCWD, a, AT_FDCWD, b, 0);
}

int
renameat(int fd1, const char *a, int fd2, const char *b)
{
	return named(OP_RENAME, fd1, a, fd2, b, 0);
}

int
renameat2(int fd1, const char *a, int fd2, const char *b, unsigned int flags)
{
	return named(OP_RENAME, fd1, a, fd2, b, (int)flags);
}

int
link(const char *a, const char *b)
{
	return named(OP_LINK, AT_FDCWD, a, AT_FDCWD, b, 0);
}

int
linkat(int fd1, const char *a, int fd2, const char *b, int flags)
{
	return named(OP_LINK, fd1, a, fd2, b, flags);
}

int
unlink(const char *path)
{
	return named(OP_UNLINK, AT_FDCWD, path, AT_FDCWD, NULL, 0);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	if (flags & AT_REMOVEDIR) {
		setup();
		return pc.unlinkat(dirfd, path, flags);
	}
	return named(OP_UNLINK, dirfd, path, AT_FDCWD, NULL, 0);
}
