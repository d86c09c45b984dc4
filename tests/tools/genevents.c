/*
 * genevents.c - a deterministic workload generator: realistic, valid,
 * hash-chained events of a county's stations, as NDJSON.
 *
 *   genevents [--seed N] [--count N] [--stations N] [--split DIR]
 *             [--roster FILE]
 *
 * Same seed, same bytes. The mix follows what a county produces (see
 * pick_kind): cases opened, updated and closed, liaison logs, referrals
 * sent and acknowledged, complaints; Chinese unit names, categories and
 * places. Descriptions run 60-200 characters, most of them short, as
 * officers write them; notes and acknowledgements are a line. An event
 * is about 600 bytes of canonical JSON on average (500-700 is what the
 * benchmarks assume, tests/bench/). With --split, each event is also
 * written to DIR/NNNNNN.json (samples for `zstd --train`, see `make
 * dict`).
 *
 * --roster writes "station unit" lines: the generated stations, then one
 * station "rx-N" per county department, so that a county server given
 * them all knows every unit an event names (tests/bench/ adds them).
 *
 * Events only ever name entities their own station created, or, for an
 * acknowledgement, a referral sent to the station's unit earlier in the
 * stream, so a station's own stream can be recorded in order on a fresh
 * database (tests/bench/ does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cjson.h"
#include "event.h"
#include "hash.h"
#include "hlc.h"
#include "kinds.h"
#include "ltime.h"
#include "util.h"

static unsigned long long rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#define PICK(a) (a[rnd(sizeof(a) / sizeof(a[0]))])

static const char *const units[] = { "龙羊峡镇", "恰卜恰镇", "倒淌河镇",
	"江西沟镇", "黑马河镇", "石乃亥镇", "沙珠玉乡", "廿地乡", "切吉乡",
	"塘格木镇", "铁盖乡" };
static const char *const depts[] = { "县综合行政执法局", "县自然资源局",
	"县住建局", "县市场监管局", "县生态环境局", "县农业农村局", "县林业局",
	"县交通运输局", "县应急管理局", "县水务局" };
static const char *const categories[] = { "违法建设", "环境污染", "占道经营",
	"非法采砂", "野生动物保护", "草原保护", "食品安全", "安全生产",
	"市容环境", "水资源保护", "林地保护", "交通运输" };
static const char *const places[] = { "村委会东侧", "国道109线旁", "集贸市场",
	"河道下游", "三社牧场", "工业园区", "镇政府对面", "学校门口", "湖滨景区",
	"二社耕地" };
static const char *const villages[] = { "查纳村", "尕海村", "上塔迈村",
	"下巴台村", "曲沟村", "达连海村", "加拉村", "新村" };
static const char *const names[] = { "卓玛", "马强", "李华", "才让",
	"王芳", "韩建国", "多杰", "张伟", "桑吉", "刘洋" };
static const char *const phrases[] = {
	"巡查中发现当事人在未取得审批手续的情况下擅自施工，",
	"经现场核实，情况基本属实，已拍照取证并制作现场检查笔录，",
	"群众反映该处长期存在噪音扰民及垃圾乱堆乱放问题，",
	"执法人员当场责令停止违法行为，当事人表示配合整改，",
	"涉及面积约三百平方米，周边群众意见较大，需要相关部门协同处置，",
	"现场发现排污口有明显异味，水体颜色异常，已提取水样送检，",
	"该行为违反了有关法律法规的规定，依法应当予以处罚，",
	"建议由业务主管部门出具认定意见后移送综合行政执法局处理，",
	"当事人未能提供合法有效的证明材料，证据可能灭失，",
	"已通知村委会和网格员加强日常巡查，防止问题反弹。",
};

static const char *const notes[] = { "已拍照取证", "当事人已签收责令改正通知书",
	"已电话联系当事人", "已复查，整改到位", "材料已补齐", "已转交业务股室办理",
	"当事人未到场", "已约谈村委会负责人", "现场已恢复原状", "已送达法律文书",
	"等待检测结果", "已报分管领导审批" };
static const char *const closings[] = { "已移送县综合行政执法局", "已责令整改完毕",
	"当事人已自行拆除", "经核查不属实", "已作出行政处罚决定" };

/* Phrases run together and cut at exactly n characters, ending in a full
 * stop. */
static char *
text_of(const char *const *from, unsigned nfrom, size_t n)
{
	char buf[2048] = "";
	size_t len = 0, chars = 0;

	while (chars < n) {
		const char *p = from[rnd(nfrom)];
		for (; *p != '\0' && chars < n && len + 4 < sizeof buf; len++) {
			buf[len] = *p++;
			if ((*p & 0xC0) != 0x80)
				chars++;
		}
	}
	buf[len] = '\0';
	/* The last character becomes the full stop (3 bytes either way, the
	 * phrases being Chinese). */
	while (len > 0 && (buf[len - 1] & 0xC0) == 0x80)
		len--;
	if (len > 0)
		len--;
	memcpy(buf + len, "。", sizeof "。");
	return xstrdup(buf);
}

/* 60-200 characters; most descriptions are short, a few long. */
static char *
description(void)
{
	size_t n = 60 + (size_t)rnd(141) * rnd(141) / 140;

	return text_of(phrases, sizeof phrases / sizeof phrases[0], n);
}

/* A line: a note or a liaison summary, 10-60 characters. */
static char *
short_text(void)
{
	size_t n = 10 + rnd(51);

	return text_of(phrases, sizeof phrases / sizeof phrases[0], n);
}

#define RING 64 /* recent open entities a station still works on */

struct station {
	char id[STATION_MAX + 1];
	const char *unit;
	int64_t seq;
	char prev[HASH_HEX];
	int ncases;               /* open cases, most recent last */
	char cases[RING][ENTITY_MAX + 1];
};

/* Referrals sent to a unit and not yet acknowledged there. */
struct inbox {
	const char *unit;
	int n;
	struct pending {
		char entity[ENTITY_MAX + 1];
		const char *from;
	} q[RING];
};

struct gen {
	struct station *sts;
	long nst;
	struct inbox *boxes;      /* one per department */
	int64_t clock;
	const char *split;
	long idx;
};

static struct inbox *
inbox_of(struct gen *g, const char *unit)
{
	size_t i;

	for (i = 0; i < sizeof depts / sizeof depts[0]; i++)
		if (strcmp(g->boxes[i].unit, unit) == 0)
			return &g->boxes[i];
	return NULL;
}

/* Seals, checks and prints one event of st; returns its entity (static
 * storage, valid until the next call). */
static const char *
emit(struct gen *g, struct station *st, const char *kind, const char *entity,
    json_t *audience, json_t *body)
{
	static char made[ENTITY_MAX + 1];
	struct event ev;
	char *text;

	event_init(&ev);
	ld_strlcpy(ev.station, st->id, sizeof ev.station);
	ev.seq = ++st->seq;
	g->clock += 1000 + rnd(600000);
	ev.at = g->clock;
	ev.hlc = (hlc_t)ev.at << HLC_SHIFT;
	ev.unit = xstrdup(st->unit);
	ev.author = xstrdup(PICK(names));
	ev.kind = xstrdup(kind);
	ev.entity = entity ? xstrdup(entity) :
	    entity_id_new(kind_find(kind)->etype, st->id, ev.seq);
	ev.audience = audience;
	ev.body = body;
	memcpy(ev.prev, st->prev, HASH_HEX);
	event_seal(&ev);
	if (event_validate(&ev, NULL) != 0) {
		char err[LD_ERRLEN];
		event_validate(&ev, err);
		fprintf(stderr, "genevents: bug: invalid %s: %s\n", kind, err);
		exit(1);
	}
	memcpy(st->prev, ev.hash, HASH_HEX);
	text = event_canonical(&ev, 1);
	printf("%s\n", text);
	if (g->split != NULL) {
		char path[4096];
		FILE *f;
		snprintf(path, sizeof path, "%s/%06ld.json", g->split, g->idx);
		if ((f = fopen(path, "w")) != NULL) {
			fputs(text, f);
			fclose(f);
		}
	}
	free(text);
	ld_strlcpy(made, ev.entity, sizeof made);
	event_release(&ev);
	return made;
}

static json_t *
own(const struct station *st)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string(st->unit));
	return a;
}

static void
timestr(json_t *body, const char *key, int64_t ms)
{
	char t[LTIME_LEN];

	ltime_format(ms - rnd(86400) * 1000LL, t);
	json_object_set_new(body, key, json_string(t));
}

static void
set_text(json_t *body, const char *key, char *text)
{
	json_object_set_new(body, key, json_string(text));
	free(text);
}

/* A case still open on st, or NULL. */
static const char *
some_case(struct station *st)
{
	if (st->ncases == 0)
		return NULL;
	/* Recent cases get the work. */
	return st->cases[st->ncases - 1 - (int)rnd(st->ncases < 8 ?
	    (unsigned)st->ncases : 8)];
}

static void
case_opened(struct gen *g, struct station *st)
{
	json_t *b = json_object();
	const char *made;

	json_object_set_new(b, "source", json_string(case_sources[rnd(4)].name));
	json_object_set_new(b, "category", json_string(PICK(categories)));
	json_object_set_new(b, "location", json_pack("s++", st->unit,
	    PICK(villages), PICK(places)));
	set_text(b, "description", description());
	timestr(b, "discovered_at", g->clock);
	json_object_set_new(b, "urgent", json_boolean(rnd(10) == 0));
	json_object_set_new(b, "officer", json_string(PICK(names)));
	if (rnd(3) == 0)
		json_object_set_new(b, "parties", json_pack("[s]", PICK(names)));
	made = emit(g, st, "case.opened", NULL, own(st), b);
	if (st->ncases == RING) {
		memmove(st->cases[0], st->cases[1], sizeof st->cases[0] * (RING - 1));
		st->ncases--;
	}
	ld_strlcpy(st->cases[st->ncases++], made, ENTITY_MAX + 1);
}

static void
case_updated(struct gen *g, struct station *st, const char *c)
{
	json_t *b = json_object();

	if (rnd(2))
		json_object_set_new(b, "note", json_string(PICK(notes)));
	else
		set_text(b, "note", short_text());
	emit(g, st, "case.updated", c, own(st), b);
}

static void
case_closed(struct gen *g, struct station *st, const char *c)
{
	char entity[ENTITY_MAX + 1];
	int i;

	ld_strlcpy(entity, c, sizeof entity);
	emit(g, st, "case.closed", entity, own(st),
	    json_pack("{s:s}", "reason", PICK(closings)));
	for (i = 0; i < st->ncases; i++)
		if (strcmp(st->cases[i], entity) == 0) {
			memmove(st->cases[i], st->cases[i + 1],
			    sizeof st->cases[0] * (size_t)(st->ncases - i - 1));
			st->ncases--;
			break;
		}
}

static void
liaison_logged(struct gen *g, struct station *st)
{
	json_t *b = json_object();

	json_object_set_new(b, "activity", json_string(liaison_types[rnd(4)].name));
	timestr(b, "date", g->clock);
	json_object_set_new(b, "counterpart", json_string(PICK(depts)));
	set_text(b, "summary", short_text());
	json_object_set_new(b, "officer", json_string(PICK(names)));
	emit(g, st, "liaison.logged", NULL, own(st), b);
}

static void
referral_sent(struct gen *g, struct station *st, const char *c)
{
	const char *to = PICK(depts), *made;
	json_t *b = json_object(), *a = own(st);
	struct inbox *box;

	if (strcmp(to, st->unit) == 0)
		to = strcmp(depts[0], st->unit) != 0 ? depts[0] : depts[1];
	json_array_append_new(a, json_string(to));
	json_object_set_new(b, "case", json_string(c));
	json_object_set_new(b, "to", json_string(to));
	json_object_set_new(b, "urgent", json_boolean(rnd(8) == 0));
	json_object_set_new(b, "category", json_string(PICK(categories)));
	json_object_set_new(b, "location", json_pack("s++", st->unit,
	    PICK(villages), PICK(places)));
	set_text(b, "description", description());
	timestr(b, "discovered_at", g->clock);
	json_object_set_new(b, "officer", json_string(PICK(names)));
	json_object_set_new(b, "letter", json_string("移送函"));
	json_object_set_new(b, "sources", json_pack("[s]", "现场检查笔录"));
	json_object_set_new(b, "evidence", json_pack("[s]", "现场照片"));
	made = emit(g, st, "referral.sent", NULL, a, b);
	if ((box = inbox_of(g, to)) != NULL && box->n < RING) {
		ld_strlcpy(box->q[box->n].entity, made, ENTITY_MAX + 1);
		box->q[box->n++].from = st->unit;
	}
}

/* The oldest referral waiting at st's unit, acknowledged; 0 if none. */
static int
referral_acknowledged(struct gen *g, struct station *st)
{
	struct inbox *box = inbox_of(g, st->unit);
	struct pending p;
	json_t *a;

	if (box == NULL || box->n == 0)
		return 0;
	p = box->q[0];
	memmove(&box->q[0], &box->q[1], sizeof box->q[0] * (size_t)--box->n);
	a = own(st);
	json_array_append_new(a, json_string(p.from));
	emit(g, st, "referral.acknowledged", p.entity, a,
	    json_pack("{s:s}", "note", PICK(notes)));
	return 1;
}

static void
complaint_recorded(struct gen *g, struct station *st)
{
	json_t *b = json_object();

	json_object_set_new(b, "form", json_string(complaint_types[rnd(3)].name));
	json_object_set_new(b, "channel", json_string(
	    complaint_channels[rnd(5)].name));
	json_object_set_new(b, "matter", json_string(PICK(categories)));
	set_text(b, "description", description());
	timestr(b, "received_at", g->clock);
	json_object_set_new(b, "officer", json_string(PICK(names)));
	emit(g, st, "complaint.recorded", NULL, own(st), b);
}

/*
 * One event of a random station. The mix, in percent: case opened 24,
 * updated 24, closed 6; liaison logged 14; referral sent 10 and
 * acknowledged 10 (at the department it went to, when one is among the
 * stations; otherwise the roll falls through to a case update);
 * complaint recorded 12.
 */
static void
one_event(struct gen *g)
{
	struct station *st = &g->sts[rnd((unsigned)g->nst)];
	unsigned k = rnd(100);
	const char *c = some_case(st);

	if (k < 24 || c == NULL)
		case_opened(g, st);
	else if (k < 38)
		liaison_logged(g, st);
	else if (k < 48)
		referral_sent(g, st, c);
	else if (k < 58 && referral_acknowledged(g, st))
		;
	else if (k < 82)
		case_updated(g, st, c);
	else if (k < 88)
		case_closed(g, st, c);
	else
		complaint_recorded(g, st);
}

static void
write_roster(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	long i;

	if (f == NULL) {
		fprintf(stderr, "genevents: cannot write '%s'\n", path);
		exit(1);
	}
	for (i = 0; i < g->nst; i++)
		fprintf(f, "%s %s\n", g->sts[i].id, g->sts[i].unit);
	for (i = 0; i < (long)(sizeof depts / sizeof depts[0]); i++)
		fprintf(f, "rx-%ld %s\n", i + 1, depts[i]);
	fclose(f);
}

int
main(int argc, char **argv)
{
	long count = 1000, nst = 8, i;
	const char *roster = NULL;
	struct gen g;

	memset(&g, 0, sizeof g);
	g.clock = 1767225600000LL; /* 2026-01-01 */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) * 2654435761ULL + 1;
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (strcmp(argv[i], "--stations") == 0 && i + 1 < argc)
			nst = atol(argv[++i]);
		else if (strcmp(argv[i], "--split") == 0 && i + 1 < argc)
			g.split = argv[++i];
		else if (strcmp(argv[i], "--roster") == 0 && i + 1 < argc)
			roster = argv[++i];
		else {
			fprintf(stderr, "usage: genevents [--seed N] [--count N]"
			    " [--stations N] [--split DIR] [--roster FILE]\n");
			return 2;
		}
	}
	if (nst < 1 || nst > 1000 || count < 0)
		return 2;
	if (g.split != NULL)
		mkdir(g.split, 0755);
	hash_init();
	g.nst = nst;
	g.sts = xcalloc((size_t)nst, sizeof *g.sts);
	for (i = 0; i < nst; i++) {
		snprintf(g.sts[i].id, sizeof g.sts[i].id, "st%03ld", i + 1);
		g.sts[i].unit = i % 3 == 2 ? depts[i % 10] : units[i % 11];
		memcpy(g.sts[i].prev, HASH_ZERO, HASH_HEX);
	}
	g.boxes = xcalloc(sizeof depts / sizeof depts[0], sizeof *g.boxes);
	for (i = 0; i < (long)(sizeof depts / sizeof depts[0]); i++)
		g.boxes[i].unit = depts[i];
	if (roster != NULL)
		write_roster(&g, roster);
	for (g.idx = 0; g.idx < count; g.idx++)
		one_event(&g);
	free(g.boxes);
	free(g.sts);
	return 0;
}
