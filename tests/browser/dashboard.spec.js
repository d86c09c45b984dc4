/*
 * dashboard.spec.js - the county dashboard (liandong-server serve, /dash)
 * in a real browser: Debian's chromium, headless, driven by
 * playwright-core as console.spec.js drives the station console, over
 * the server's real TLS (its own CA, hence ignoreHTTPSErrors). It prints
 * TAP lines; tests/run.sh runs every tests/browser/*.spec.js.
 *
 *   BUILD=build node tests/browser/dashboard.spec.js
 *
 * A county server of its own in a scratch directory (removed at the end
 * unless KEEP=1), two stations with cases and a referral, a county-wide
 * account and a department's; screenshots of each page in
 * $BUILD/test-logs/browser/ (dashboard-*.png).
 */
'use strict';

const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { LD, LDS, CHROMIUM, SHOTS, run: runIn, assert, suite, serverUp, enroll } = require('./lib');

const PLAN = 11;
const BUREAU = '县综合行政执法局';
const ZRJ = '县自然资源局';
const PW = '长期有效的口令-2026';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liandong-dash-'));
const env = Object.assign({}, process.env, {
	HOME: path.join(scratch, 'home'),
	LIANDONG_NOW: '2026-11-20T10:00:00+08:00',
	LIANDONG_OFFICER: '张三',
	LIANDONG_SERVER_DIR: path.join(scratch, 'county'),
	LC_ALL: 'zh_CN.UTF-8',
	LANG: 'zh_CN.UTF-8',
});
delete env.LIANDONG_CONFIG;
delete env.LIANDONG_PROMPT;
delete env.LIANDONG_DB;

const t = suite(PLAN, scratch);
const { check, cleanups } = t;
const run = (bin, args, input) => runIn(env, bin, args, input);
const lds = (args, input) => run(LDS, args, input);
const on = (st, args) => run(LD, ['--db', path.join(scratch, st + '.db')].concat(args));

async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, 'dashboard-' + name + '.png'), fullPage: true });
}

/* The county: a server, a township and a department with cases, one
 * referral to the bureau; its URL. */
async function countyUp() {
	const url = await serverUp(t, env, scratch, 'dashboard-server.log');
	for (const [name, unit, role] of [['lyx', '龙羊峡镇', 'township'], ['bureau', BUREAU, 'bureau'],
	    ['zrj', ZRJ, 'department']])
		enroll(env, path.join(scratch, name + '.db'), name, unit, role, url);
	for (const st of ['lyx', 'bureau', 'zrj'])
		on(st, ['sync']);
	const open = (st, at, cat, more) => on(st, ['case', 'open', '--source', 'patrol', '--category', cat,
	    '--location', '东街', '--description', '现场检查发现', '--discovered-at', at].concat(more || [])).trim();
	const c2 = open('lyx', '2026-11-10 09:00', '非法采砂', ['--urgent']);
	open('lyx', '2026-11-02 09:00', '违法建设');
	open('zrj', '2026-11-05 09:00', '占用林地');
	on('lyx', ['referral', 'send', c2, '--to', BUREAU, '--letter', '龙移〔2026〕1号',
	    '--source-material', '现场检查笔录', '--evidence', '照片']);
	for (const st of ['lyx', 'bureau', 'zrj', 'lyx'])
		on(st, ['sync']);
	lds(['user', 'add', 'leader', '--role', 'bureau', '--unit', BUREAU], PW + '\n');
	lds(['user', 'add', 'ziran', '--role', 'department', '--unit', ZRJ], PW + '\n');
	return url;
}

async function loginAs(page, url, account, password) {
	await page.goto(url + '/dash/#period=2026-11');
	await page.waitForSelector('#login:not([hidden])');
	await page.fill('#account', account);
	await page.fill('#password', password);
	await page.click('#login-button');
}

/* The number a figure's button shows. */
async function num(page, sel) {
	return Number((await page.textContent(sel)).trim());
}

async function main() {
	console.log('1..' + PLAN);
	fs.mkdirSync(SHOTS, { recursive: true });
	const url = await countyUp();
	const report = JSON.parse(lds(['report', '--period', '2026-11', '--json'])).report;
	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
	    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
	cleanups.unshift(() => browser.close());
	const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN',
	    ignoreHTTPSErrors: true });
	const page = await context.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(String(e)));

	await check('the login page is in Chinese; a wrong password is refused with its message', async () => {
		await loginAs(page, url, 'leader', 'wrong-password-1');
		await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
		const msg = await page.textContent('#login-error');
		assert(await page.textContent('#login-button') === '登录', 'button ' + await page.textContent('#login-button'));
		assert(/拒绝|错误/.test(msg), 'message ' + msg);
		assert(await page.isHidden('#main'), 'the overview is shown');
		await shot(page, 'login-refused');
	});

	await check('the right password shows the overview, the cookie HttpOnly, Secure and Strict', async () => {
		await page.fill('#account', 'leader');
		await page.fill('#password', PW);
		await page.click('#login-button');
		await page.waitForSelector('#t-cases-unit tbody tr');
		const c = (await context.cookies()).find((x) => x.name === 'ld_dash');
		assert(c && c.httpOnly && c.secure && c.sameSite === 'Strict' && c.path === '/dash', JSON.stringify(c));
		assert(await page.textContent('h1') === '县级统计看板' || (await page.textContent('h1')) !== 'County dashboard',
		    'heading ' + await page.textContent('h1'));
	});

	await check('the overview numbers are the report JSON\'s', async () => {
		assert(await num(page, '#total-cases\\.by_unit-opened button') === report.cases.total.opened, 'opened');
		assert(await num(page, '#total-cases\\.by_unit-urgent button') === report.cases.total.urgent, 'urgent');
		assert(await num(page, '#total-referrals\\.by_sender-sent button') === report.referrals.total.sent, 'sent');
		assert(await num(page, '#total-timeliness\\.by_unit-overdue button') === report.timeliness.total.overdue,
		    'overdue');
		for (const r of report.cases.by_unit) {
			const row = page.locator('#t-cases-unit tbody tr', { hasText: r.unit });
			assert(await row.count() === 1, 'no row for ' + r.unit);
			const cells = await row.locator('td').allTextContents();
			assert(cells.slice(1).map(Number).join() === [r.opened, r.closed, r.referred, r.own, r.urgent].join(),
			    r.unit + ': ' + cells.join('|'));
		}
		const ranked = await page.locator('#t-ranking tbody tr td:nth-child(2)').allTextContents();
		assert(ranked.join() === report.timeliness.by_unit.map((r) => r.unit).join(), 'ranking ' + ranked.join());
		await shot(page, 'overview');
	});

	await check('the charts are drawn on canvases', async () => {
		for (const id of ['chart-units', 'chart-months', 'chart-referrals', 'chart-rates',
		    'chart-timeliness']) {
			const c = page.locator('#' + id + ' canvas');
			assert(await c.count() >= 1, 'no canvas in ' + id);
			const box = await c.first().boundingBox();
			assert(box && box.width > 100 && box.height > 100, id + ' ' + JSON.stringify(box));
		}
		/* Something is painted: the unit chart's canvas is not blank. */
		const painted = await page.evaluate(() => {
			const c = document.querySelector('#chart-units canvas');
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let k = 0;
			for (let i = 3; i < d.length; i += 4)
				if (d[i] !== 0) k++;
			return k;
		});
		assert(painted > 1000, 'painted pixels ' + painted);
		assert(errors.length === 0, 'page errors: ' + errors.join('; '));
	});

	await check('a table sorts by a column clicked', async () => {
		await page.click('#t-cases-unit th[data-k="opened"]');
		let v = (await page.locator('#t-cases-unit tbody tr td:nth-child(2)').allTextContents()).map(Number);
		assert(v.join() === v.slice().sort((a, b) => a - b).join(), 'ascending ' + v.join());
		await page.click('#t-cases-unit th[data-k="opened"]');
		v = (await page.locator('#t-cases-unit tbody tr td:nth-child(2)').allTextContents()).map(Number);
		assert(v.join() === v.slice().sort((a, b) => b - a).join(), 'descending ' + v.join());
	});

	await check('a number drills down to its records, and a record to its timeline', async () => {
		await page.click('#t-cases-unit tr:has-text("龙羊峡镇") button[data-figure="opened"]');
		await page.waitForSelector('#drill-table tr[data-entity]');
		const ids = await page.locator('#drill-table tr[data-entity]').evaluateAll((rs) =>
		    rs.map((r) => r.getAttribute('data-entity')));
		const want = report.cases.by_unit.find((r) => r.unit === '龙羊峡镇').opened;
		assert(ids.length === want && ids.every((x) => /^C-lyx-/.test(x)), 'records ' + ids.join());
		await page.click('#drill-table tr[data-entity] button');
		await page.waitForSelector('#timeline tr td');
		assert((await page.textContent('#timeline')).includes('龙羊峡镇'), 'timeline');
		await shot(page, 'drill-down');
		await page.click('#drill-back');
		await page.waitForSelector('#overview:not([hidden])');
	});

	await check('a bar of a chart drills down to its records too', async () => {
		const i = report.cases.by_unit.findIndex((r) => r.unit === '龙羊峡镇');
		const at = await page.evaluate((k) => {
			const el = document.getElementById('chart-units');
			const p = echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, [k, 0.5]);
			const b = el.getBoundingClientRect();
			return [b.left + p[0], b.top + p[1]];
		}, i);
		await page.mouse.click(at[0], at[1]);
		await page.waitForSelector('#drill-table tr[data-entity]');
		const ids = await page.locator('#drill-table tr[data-entity]').evaluateAll((rs) =>
		    rs.map((r) => r.getAttribute('data-entity')));
		assert(ids.length === report.cases.by_unit[i].opened && ids.every((x) => /^C-lyx-/.test(x)),
		    'records ' + ids.join());
		await page.click('#drill-back');
		await page.waitForSelector('#overview:not([hidden])');
	});

	await check('the stations page: last sync, backlog, clock, certificate; the category filter', async () => {
		await page.click('#show-stations');
		await page.waitForSelector('#t-stations tbody tr');
		const cli = JSON.parse(lds(['station', 'list', '--json'])).stations;
		const rows = await page.$$eval('#t-stations tbody tr', (trs) =>
		    trs.map((tr) => Array.from(tr.cells).map((c) => c.textContent)));
		assert(rows.length === cli.length, 'stations ' + rows.length);
		assert(rows.every((r, i) => r[0] === cli[i].station && Number(r[6]) === cli[i].backlog),
		    'rows ' + JSON.stringify(rows));
		assert(/^20\d\d-/.test(await page.textContent('#cert-expires')), 'certificate');
		await shot(page, 'stations');
		await page.click('#stations-back');
		await page.waitForSelector('#overview:not([hidden])');
		await page.fill('#category', '非法采砂');
		await page.click('#show');
		await page.waitForFunction(() => document.querySelectorAll('#t-cases-category tbody tr').length === 1);
		const cat = JSON.parse(lds(['report', '--period', '2026-11', '--category', '非法采砂', '--json'])).report;
		assert(await num(page, '#total-cases\\.by_unit-opened button') === cat.cases.total.opened, 'category opened');
		await page.waitForSelector('#t-referral-steps');
		await page.fill('#category', '');
		await page.click('#show');
		await page.waitForFunction((n) => document.querySelectorAll('#t-cases-category tbody tr').length === n,
		    report.cases.by_category.length);
	});

	await check('an Excel export downloads, openpyxl reads its cells; the printable report', async () => {
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
		const file = path.join(scratch, 'dashboard.xlsx');
		await dl.saveAs(file);
		assert(/\.xlsx$/.test(dl.suggestedFilename()), 'name ' + dl.suggestedFilename());
		const read = run('/usr/bin/python3', ['-c', [
		    'import json, sys, openpyxl',
		    'wb = openpyxl.load_workbook(sys.argv[1])',
		    'ws = wb[wb.sheetnames[1]]',
		    'print(json.dumps({"sheets": wb.sheetnames, "first": [[c.value for c in r] for r in ws.iter_rows()],',
		    '    "period": wb[wb.sheetnames[0]]["B2"].value}, default=str, ensure_ascii=False))'].join('\n'),
		    file]);
		const x = JSON.parse(read);
		assert(x.period === '2026-11', 'period ' + x.period);
		assert(x.first.length === report.cases.by_unit.length + 1, 'rows ' + JSON.stringify(x.first));
		report.cases.by_unit.forEach((r, i) => assert(x.first[i + 1][0] === r.unit &&
		    x.first[i + 1][1] === r.opened, 'row ' + JSON.stringify(x.first[i + 1])));
		const [one] = await Promise.all([page.waitForEvent('download'),
		    page.click('#box-t-ranking button.export[data-format=csv]')]);
		const csv = fs.readFileSync(await one.path(), 'utf8');
		assert(csv.charCodeAt(0) === 0xfeff && csv.split('\r\n').length ===
		    report.timeliness.by_unit.length + 4, 'one table as CSV ' + JSON.stringify(csv));
		await page.click('#show-print');
		await page.waitForSelector('#print:not([hidden]) #print-body table');
		const heads = await page.$$eval('#print-body h3', (h) => h.map((e) => e.textContent));
		assert(heads.length >= 5, 'sections ' + heads.join());
		const ranks = await page.$$eval('#print-body table', (tbs) =>
		    Array.from(tbs[0].tBodies[0].rows).map((tr) => tr.cells[1].textContent));
		assert(ranks.join() === report.timeliness.by_unit.map((r) => r.unit).join(), 'ranking ' + ranks.join());
		await page.emulateMedia({ media: 'print' });
		assert(!(await page.isVisible('#filters')) && await page.isVisible('#print-body'), 'print layout');
		await shot(page, 'print');
		await page.emulateMedia({ media: 'screen' });
		await page.click('#print-back');
		await page.waitForSelector('#overview:not([hidden])');
	});

	await check('a department account sees its unit only, even by crafting the call', async () => {
		const other = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN',
		    ignoreHTTPSErrors: true });
		cleanups.unshift(() => other.close());
		const p2 = await other.newPage();
		await loginAs(p2, url, 'ziran', PW);
		await p2.waitForSelector('#t-cases-unit tbody tr');
		const mine = JSON.parse(lds(['report', '--period', '2026-11', '--unit', ZRJ, '--json'])).report;
		assert(await num(p2, '#total-cases\\.by_unit-opened button') === mine.cases.total.opened, 'opened');
		assert(await p2.isDisabled('#unit') && await p2.inputValue('#unit') === ZRJ, 'unit filter');
		assert(await p2.isHidden('#show-stations'), 'stations offered to a department');
		assert(!(await p2.textContent('#tables')).includes('龙羊峡镇'), 'another unit shown');
		const crafted = await p2.evaluate(async () => {
			const s = await (await fetch('/dash/api/session')).json();
			const r = await fetch('/dash/api/report?period=2026-11&unit=' + encodeURIComponent('龙羊峡镇'),
			    { headers: { 'X-CSRF-Token': s.csrf } });
			const d = await fetch('/dash/api/records?period=2026-11&table=cases.by_unit',
			    { headers: { 'X-CSRF-Token': s.csrf } });
			return [r.status, (await d.json()).records.map((x) => x.unit)];
		});
		assert(crafted[0] === 403, 'crafted report: ' + crafted[0]);
		assert(crafted[1].every((u) => u === ZRJ), 'drill-down units ' + crafted[1].join());
		await shot(p2, 'department');
	});

	await check('logout ends the session: the login page again, the API refuses', async () => {
		await page.click('#logout');
		await page.waitForSelector('#login:not([hidden])');
		const st = await page.evaluate(async () =>
		    (await fetch('/dash/api/report?period=2026-11')).status);
		assert(st === 401, 'after logout ' + st);
		await page.reload();
		await page.waitForSelector('#login:not([hidden])');
	});
}

t.finish(main);
