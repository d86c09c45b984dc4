/*
 * units.c - checking the units a record is addressed to (see units.h).
 *
 * A mistyped unit is worse than a refused command: the record goes to
 * nobody, a complainant's identity goes to a name no unit holds, and the
 * duty the record answered is marked done. So the name must match the
 * directory exactly (no guessing); a near miss is only suggested.
 */
#include <stdio.h>
#include <stdlib.h>

#include "directory.h"
#include "units.h"

const json_t *
units_held(struct cmd_ctx *ctx)
{
	char *text = NULL;

	if (!ctx->units_loaded) {
		ctx->units_loaded = 1;
		if (ledger_meta_get(ctx->lg, "units", &text, NULL) == 0 &&
		    text != NULL)
			ctx->units = json_loads(text, 0, NULL);
		free(text);
		/* Checked when it came; a damaged one checks nothing. */
		if (ctx->units != NULL && directory_check(ctx->units, NULL) != 0) {
			json_decref(ctx->units);
			ctx->units = NULL;
		}
	}
	return ctx->units;
}

int
units_check(struct cmd_ctx *ctx, const char *unit)
{
	const json_t *dir = units_held(ctx);
	const char *near[3];
	size_t n, i;

	if (dir == NULL) {
		if (!ctx->units_warned)
			fputs(_("liandong: warning: this station holds no unit directory yet (it comes with 'liandong sync'): unit names are not checked\n"),
			    stderr);
		ctx->units_warned = 1;
		return 0;
	}
	if (directory_has(dir, unit))
		return 0;
	cmd_error(ctx, EXIT_USAGE, _("no unit '%s' in the county's directory"),
	    unit);
	n = directory_suggest(dir, unit, near, 3);
	if (n == 1)
		fprintf(stderr, _("hint: did you mean %s?\n"), near[0]);
	else if (n > 1) {
		fputs(_("hint: did you mean one of:"), stderr);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s%s", near[i], i + 1 < n ? "," : "?\n");
	} else
		fputs(_("hint: 'liandong unit list' shows the county's units; a unit added since the last sync comes with 'liandong sync'\n"),
		    stderr);
	return EXIT_USAGE;
}
