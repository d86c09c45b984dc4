/*
 * test-conffile.c - configuration files read with conffile_read: the
 * known keys reach the handler in order with their values; every other
 * key or section is one warning on stderr naming the file, the line and,
 * for a near miss, the key meant; errors are inih's (-1 with errno for a
 * file that cannot be opened, the first syntax error's line).
 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "util.h"

static const struct conffile_key keys[] = {
	{ "server", "listen" },
	{ "server", "max_routes" },
	{ "sync", "interval" },
	{ NULL, NULL },
};

/* What the handler saw: "section.name=value;" for each entry. */
static char seen[1024];

static int
record(void *user, const char *section, const char *name, const char *value)
{
	size_t n = strlen(seen);

	snprintf(seen + n, sizeof seen - n, "%s.%s=%s;", section, name, value);
	return 1;
}

/* Writes text to a new file; its path is in path. */
static void
write_file(char path[64], const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/ld-test-conffile-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Reads text as a configuration file; the warnings written on stderr
 * go into warnings (NUL-terminated). Returns conffile_read's result. */
static int
read_text(const char *text, char *warnings, size_t cap)
{
	char path[64], wpath[64], *p;
	int saved, rc;
	FILE *w;
	size_t n;

	write_file(path, text);
	write_file(wpath, "");
	seen[0] = '\0';
	fflush(stderr);
	saved = dup(2);
	w = fopen(wpath, "w");
	assert_non_null(w);
	dup2(fileno(w), 2);
	rc = conffile_read(path, "prog", keys, record, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(w);
	w = fopen(wpath, "r");
	n = fread(warnings, 1, cap - 1, w);
	warnings[n] = '\0';
	fclose(w);
	/* The file's name as FILE, for the comparisons below. */
	while ((p = strstr(warnings, path)) != NULL) {
		memcpy(p, "FILE", 4);
		memmove(p + 4, p + strlen(path), strlen(p + strlen(path)) + 1);
	}
	unlink(path);
	unlink(wpath);
	return rc;
}

static void
test_known_keys_reach_the_handler(void **state)
{
	char w[1024];

	assert_int_equal(read_text("; a comment\n[server]\nlisten = 0.0.0.0:8443\n"
	    "max_routes = 5\n\n[sync]\ninterval = 5m\n", w, sizeof w), 0);
	assert_string_equal(seen, "server.listen=0.0.0.0:8443;"
	    "server.max_routes=5;sync.interval=5m;");
	assert_string_equal(w, "");
}

static void
test_unknown_key_is_warned_with_its_line(void **state)
{
	char w[1024];

	assert_int_equal(read_text("[server]\nlisten = x\n\nmax_route = 5\n"
	    "colour = blue\n", w, sizeof w), 0);
	assert_string_equal(seen, "server.listen=x;");
	assert_string_equal(w,
	    "prog: warning: 'FILE' line 4: unknown key 'max_route' in [server] (did you mean 'max_routes'?)\n"
	    "prog: warning: 'FILE' line 5: unknown key 'colour' in [server]\n");
}

static void
test_a_key_of_another_section_is_unknown(void **state)
{
	char w[1024];

	assert_int_equal(read_text("[sync]\nlisten = x\n", w, sizeof w), 0);
	assert_string_equal(seen, "");
	assert_string_equal(w,
	    "prog: warning: 'FILE' line 2: unknown key 'listen' in [sync]\n");
}

static void
test_unknown_section_is_warned_once_at_its_header(void **state)
{
	char w[1024];

	assert_int_equal(read_text("top = 1\n[server]\nlisten = x\n\n[servr]\n"
	    "listen = y\nmax_routes = 3\n[sync]\ninterval = 1h\n", w, sizeof w),
	    0);
	assert_string_equal(seen, "server.listen=x;sync.interval=1h;");
	assert_string_equal(w,
	    "prog: warning: 'FILE' line 1: key 'top' outside any section\n"
	    "prog: warning: 'FILE' line 5: unknown section [servr]\n");
}

static void
test_syntax_error_gives_its_line(void **state)
{
	char w[1024];

	/* inih reads on after the error, as ini_parse does. */
	assert_int_equal(read_text("[server]\nlisten = x\n[sync\ninterval = 2m\n",
	    w, sizeof w), 3);
	assert_string_equal(seen, "server.listen=x;");
}

static void
test_missing_file(void **state)
{
	errno = 0;
	assert_int_equal(conffile_read("/nonexistent/ld-test.conf", "prog", keys,
	    record, NULL), -1);
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_keys_reach_the_handler),
		cmocka_unit_test(test_unknown_key_is_warned_with_its_line),
		cmocka_unit_test(test_a_key_of_another_section_is_unknown),
		cmocka_unit_test(test_unknown_section_is_warned_once_at_its_header),
		cmocka_unit_test(test_syntax_error_gives_its_line),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
