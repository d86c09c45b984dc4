/*
 * fuzz.h - what every fuzz target in tests/fuzz/ shares: the libFuzzer
 * entry point, and a check that stays on in release builds.
 *
 * Each fuzz-<name>.c defines LLVMFuzzerTestOneInput. It is linked either
 * with libFuzzer (`make fuzz`, clang) or with replay.c (`make check`,
 * any compiler), which feeds it every file of its corpus. A target must
 * not leak, must not keep state that changes its verdict on later inputs,
 * and reports a bug by aborting (FUZZ_CHECK), never by returning.
 */
#ifndef LD_FUZZ_H
#define LD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unlike assert, also checked when built with NDEBUG. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#endif
