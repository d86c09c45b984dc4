/*
 * cmd-log.c - the raw event log and its integrity: log, verify.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "form.h"
#include "ltime.h"
#include "out.h"

static const struct cli_opt log_opts[] = {
	{ "entity", CLI_VALUE, "ID", N_("only the events of this record") },
	{ "show-identity", CLI_FLAG, NULL, N_("do not redact complainants' identities") },
	{ NULL, 0, NULL, NULL },
};

struct log_state {
	struct cmd_ctx *ctx;
	const char *entity;
	int show;
	struct table *tab;
	json_t *arr;
};

static int
log_one(const struct event *ev, int64_t id, void *arg)
{
	struct log_state *st = arg;
	char seq[STATION_MAX + 32], t[HLC_LEN];
	const char *cells[6];

	if (st->entity != NULL && strcmp(ev->entity, st->entity) != 0)
		return 0;
	if (st->arr != NULL) {
		json_t *o = event_json(ev, 1);
		if (!st->show && kind_body_confidential(kind_find(ev->kind),
		    ev->body))
			json_object_set_new(o, "body", json_string("(confidential)"));
		json_array_append_new(st->arr, o);
		return 0;
	}
	snprintf(seq, sizeof seq, "%s/%lld", ev->station, (long long)ev->seq);
	hlc_format(ev->hlc, t);
	cells[0] = seq;
	cells[1] = t;
	cells[2] = ev->kind;
	cells[3] = ev->entity;
	cells[4] = ev->author;
	cells[5] = ev->hash;
	table_row(st->tab, cells);
	return 0;
}

static int
cmd_log(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("EVENT"), N_("CLOCK"),
		N_("KIND"), N_("RECORD"), N_("AUTHOR"), N_("HASH") };
	struct log_state st;
	int rc;

	memset(&st, 0, sizeof st);
	st.ctx = ctx;
	st.entity = cmd_value(ctx, "entity");
	st.show = cmd_flag(ctx, "show-identity");
	if (ctx->json)
		st.arr = json_array();
	else {
		st.tab = table_new(6, headers);
		table_max(st.tab, 5, 13);
	}
	rc = ledger_foreach(ctx->lg, 0, log_one, &st, ctx->err);
	if (rc != 0) {
		json_decref(st.arr);
		table_free(st.tab);
		return cmd_fail(ctx, rc);
	}
	if (st.arr != NULL) {
		json_t *doc = out_doc("log");
		json_object_set_new(doc, "station", json_string(ledger_station(ctx->lg)));
		json_object_set_new(doc, "events", st.arr);
		out_json(doc);
	} else {
		table_print(st.tab, stdout);
		table_free(st.tab);
	}
	return 0;
}

const struct cmd_entry cmd_log_entry = {
	{ "log", NULL, NULL, 0, 0, log_opts, CMD_DB | CMD_JSON,
	    N_("print the raw event log in the order it was stored"),
	    NULL },
	cmd_log,
};

static int
cmd_verify(struct cmd_ctx *ctx)
{
	struct verify_report r;
	int rc = ledger_verify(ctx->lg, &r, ctx->err);

	if (rc != 0 && rc != LD_EINTEGRITY)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		json_t *doc = out_doc("verify");
		json_object_set_new(doc, "ok", json_boolean(rc == 0));
		json_object_set_new(doc, "events", json_integer(r.events));
		json_object_set_new(doc, "stations", json_integer(r.stations));
		json_object_set_new(doc, "records", json_integer(r.entities));
		json_object_set_new(doc, "attachments", json_integer(r.blobs));
		json_object_set_new(doc, "attachments_awaited",
		    json_integer(r.awaited));
		json_object_set_new(doc, "attachments_orphaned",
		    json_integer(r.orphans));
		json_object_set_new(doc, "problems", json_integer(r.problems));
		if (r.problems)
			json_object_set_new(doc, "first_problem", json_string(r.first));
		out_json(doc);
	} else {
		char *evs = xasprintf(ngettext("%ld event", "%ld events",
		    (unsigned long)r.events), r.events);
		char *sts = xasprintf(ngettext("%ld station", "%ld stations",
		    (unsigned long)r.stations), r.stations);
		char *recs = xasprintf(ngettext("%ld record", "%ld records",
		    (unsigned long)r.entities), r.entities);

		/* TRANSLATORS: "6 events from 1 station, 3 records: ok" */
		printf(_("%s from %s, %s: %s\n"), evs, sts, recs, rc == 0 ?
		    _("ok") : _("PROBLEMS FOUND"));
		free(evs);
		free(sts);
		free(recs);
		/* Only a station that holds attachments hears of them. */
		if (r.blobs > 0 || r.awaited > 0) { /* orphans are blobs */
			printf(ngettext("%ld attachment held, each re-hashed\n",
			    "%ld attachments held, each re-hashed\n",
			    (unsigned long)r.blobs), r.blobs);
			if (r.awaited > 0)
				printf(ngettext("%ld attachment of another station not received yet\n",
				    "%ld attachments of other stations not received yet\n",
				    (unsigned long)r.awaited), r.awaited);
			/* Not a problem: kept, and taken up by the next
			 * attach of the same bytes (blob.h, rule 2). */
			if (r.orphans > 0)
				printf(ngettext("%ld attachment held that no event names (kept: attaching the same file again uses it)\n",
				    "%ld attachments held that no event names (kept: attaching the same file again uses them)\n",
				    (unsigned long)r.orphans), r.orphans);
		}
	}
	if (rc != 0)
		return cmd_error(ctx, EXIT_INTEGRITY, ngettext(
		    "verify found %ld problem; the first: %s",
		    "verify found %ld problems; the first: %s",
		    (unsigned long)r.problems), r.problems, r.first);
	return 0;
}

const struct cmd_entry cmd_verify_entry = {
	{ "verify", NULL, NULL, 0, 0, NULL, CMD_DB | CMD_JSON,
	    N_("check the hash chains, that every record equals a fresh fold of its events, and every attachment held (re-hashed)"),
	    NULL },
	cmd_verify,
};

static int
cmd_dump(struct cmd_ctx *ctx)
{
	int rc = ledger_dump(ctx->lg, stdout, ctx->err);

	return rc == 0 ? 0 : cmd_fail(ctx, rc);
}

const struct cmd_entry cmd_dump_entry = {
	{ "dump", NULL, NULL, 0, 0, NULL, CMD_DB,
	    N_("print every projection held here (canonical JSON, one per line, by id)"),
	    NULL },
	cmd_dump,
};
