/*
 * genevents.c - a deterministic workload generator: realistic, valid,
 * hash-chained events of a county's stations, as NDJSON.
 *
 *   genevents [--seed N] [--count N] [--stations N] [--split DIR]
 *
 * Same seed, same bytes. The mix follows what a county produces: cases
 * opened and updated, liaison logs, referrals, complaints; Chinese unit
 * names, categories, places and descriptions of 60-200 characters. With
 * --split, each event is also written to DIR/NNNNNN.json (samples for
 * `zstd --train`, see `make dict`).
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
#include "text.h"
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

static char *
description(void)
{
	char buf[2048] = "";
	size_t target = 60 + rnd(141), n = 0;

	while (n < target) {
		const char *p = PICK(phrases);
		if (strlen(buf) + strlen(p) + 1 > sizeof buf)
			break;
		strcat(buf, p);
		n = utf8_chars(buf);
	}
	return xstrdup(buf);
}

struct station {
	char id[STATION_MAX + 1];
	const char *unit;
	int64_t seq;
	char prev[HASH_HEX];
	int ncases;
	char cases[64][ENTITY_MAX + 1];
};

static void
emit(struct station *st, const char *kind, const char *entity,
    json_t *audience, json_t *body, int64_t *clock, const char *split,
    long idx)
{
	struct event ev;
	char *text;

	event_init(&ev);
	ld_strlcpy(ev.station, st->id, sizeof ev.station);
	ev.seq = ++st->seq;
	*clock += 1000 + rnd(600000);
	ev.at = *clock;
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
	if (strcmp(kind, "case.opened") == 0 && st->ncases < 64)
		ld_strlcpy(st->cases[st->ncases++], ev.entity, ENTITY_MAX + 1);
	text = event_canonical(&ev, 1);
	printf("%s\n", text);
	if (split != NULL) {
		char path[4096];
		FILE *f;
		snprintf(path, sizeof path, "%s/%06ld.json", split, idx);
		if ((f = fopen(path, "w")) != NULL) {
			fputs(text, f);
			fclose(f);
		}
	}
	free(text);
	event_release(&ev);
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

int
main(int argc, char **argv)
{
	long count = 1000, nst = 8, i;
	const char *split = NULL;
	int64_t clock = 1767225600000LL; /* 2026-01-01 */
	struct station *sts;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) * 2654435761ULL + 1;
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (strcmp(argv[i], "--stations") == 0 && i + 1 < argc)
			nst = atol(argv[++i]);
		else if (strcmp(argv[i], "--split") == 0 && i + 1 < argc)
			split = argv[++i];
		else {
			fprintf(stderr, "usage: genevents [--seed N] [--count N]"
			    " [--stations N] [--split DIR]\n");
			return 2;
		}
	}
	if (nst < 1 || nst > 1000 || count < 0)
		return 2;
	if (split != NULL)
		mkdir(split, 0755);
	hash_init();
	sts = xcalloc((size_t)nst, sizeof *sts);
	for (i = 0; i < nst; i++) {
		snprintf(sts[i].id, sizeof sts[i].id, "st%03ld", i + 1);
		sts[i].unit = i % 3 == 2 ? depts[i % 10] : units[i % 11];
		memcpy(sts[i].prev, HASH_ZERO, HASH_HEX);
	}
	for (i = 0; i < count; i++) {
		struct station *st = &sts[rnd((unsigned)nst)];
		unsigned k = rnd(100);
		json_t *b = json_object();
		char loc[256];

		snprintf(loc, sizeof loc, "%s%s%s", st->unit, PICK(villages),
		    PICK(places));
		if (k < 35 || st->ncases == 0) {
			char *d = description();
			json_object_set_new(b, "source", json_string(
			    case_sources[rnd(4)].name));
			json_object_set_new(b, "category", json_string(PICK(categories)));
			json_object_set_new(b, "location", json_string(loc));
			json_object_set_new(b, "description", json_string(d));
			timestr(b, "discovered_at", clock);
			json_object_set_new(b, "urgent", json_boolean(rnd(10) == 0));
			json_object_set_new(b, "officer", json_string(PICK(names)));
			if (rnd(2)) {
				json_t *p = json_array();
				json_array_append_new(p, json_string(PICK(names)));
				json_object_set_new(b, "parties", p);
			}
			free(d);
			emit(st, "case.opened", NULL, own(st), b, &clock, split, i);
		} else if (k < 55) {
			char *d = description();
			json_object_set_new(b, "note", json_string(d));
			free(d);
			emit(st, "case.updated", st->cases[rnd((unsigned)st->ncases)],
			    own(st), b, &clock, split, i);
		} else if (k < 75) {
			char *d = description();
			json_object_set_new(b, "activity", json_string(
			    liaison_types[rnd(4)].name));
			timestr(b, "date", clock);
			json_object_set_new(b, "counterpart", json_string(PICK(depts)));
			json_object_set_new(b, "summary", json_string(d));
			json_object_set_new(b, "officer", json_string(PICK(names)));
			free(d);
			emit(st, "liaison.logged", NULL, own(st), b, &clock, split, i);
		} else if (k < 90) {
			const char *to = PICK(depts);
			json_t *a = own(st);
			char *d = description();
			if (strcmp(to, st->unit) == 0)
				to = depts[0] != st->unit ? depts[0] : depts[1];
			json_array_append_new(a, json_string(to));
			json_object_set_new(b, "case", json_string(
			    st->cases[rnd((unsigned)st->ncases)]));
			json_object_set_new(b, "to", json_string(to));
			json_object_set_new(b, "urgent", json_boolean(rnd(8) == 0));
			json_object_set_new(b, "category", json_string(PICK(categories)));
			json_object_set_new(b, "location", json_string(loc));
			json_object_set_new(b, "description", json_string(d));
			timestr(b, "discovered_at", clock);
			json_object_set_new(b, "officer", json_string(PICK(names)));
			json_object_set_new(b, "letter", json_string("移送函"));
			json_object_set_new(b, "sources", json_pack("[s]", "现场检查笔录"));
			json_object_set_new(b, "evidence", json_pack("[s]", "现场照片"));
			free(d);
			emit(st, "referral.sent", NULL, a, b, &clock, split, i);
		} else {
			char *d = description();
			json_object_set_new(b, "form", json_string(
			    complaint_types[rnd(3)].name));
			json_object_set_new(b, "channel", json_string(
			    complaint_channels[rnd(5)].name));
			json_object_set_new(b, "matter", json_string(PICK(categories)));
			json_object_set_new(b, "description", json_string(d));
			timestr(b, "received_at", clock);
			json_object_set_new(b, "officer", json_string(PICK(names)));
			free(d);
			emit(st, "complaint.recorded", NULL, own(st), b, &clock, split, i);
		}
	}
	free(sts);
	return 0;
}
