/*
 * console.spec.js - the station console (`liandong ui`) in a real
 * browser: Debian's chromium, headless, driven by playwright-core (the
 * version pinned in package-lock.json; its own browser download is never
 * used). tests/run.sh runs it after `npm ci`; it prints TAP lines as the
 * integration scripts do ("1..N", "ok N - what"), so the summary counts
 * each check.
 *
 *   BUILD=build node tests/browser/console.spec.js
 *
 * It starts a station of its own in a scratch directory (removed at the
 * end unless KEEP=1) with the clock pinned as tests/integration/lib.sh
 * pins it, the console in Chinese (zh_CN.UTF-8), and keeps a screenshot
 * of each page in $BUILD/test-logs/browser/.
 */
'use strict';

const { chromium } = require('playwright-core');
const child = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { TOP, BUILD, LD, CHROMIUM, SHOTS, run, assert, suite, portOf, serverUp, enroll } = require('./lib');

const PLAN = 32;
const BUREAU = '县综合行政执法局';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'liandong-browser-'));
const env = Object.assign({}, process.env, {
	HOME: path.join(scratch, 'home'),
	XDG_CONFIG_HOME: path.join(scratch, 'home/.config'),
	XDG_DATA_HOME: path.join(scratch, 'home/.local/share'),
	XDG_RUNTIME_DIR: scratch,
	LIANDONG_NOW: '2026-11-20T10:00:00+08:00',
	LIANDONG_OFFICER: '张三',
	LIANDONG_DB: path.join(scratch, 'lyx01.db'),
	LIANDONG_RULES: path.join(TOP, 'conf/rules/gonghe.ini'),
	LC_ALL: 'zh_CN.UTF-8',
	LANG: 'zh_CN.UTF-8',
});
delete env.LIANDONG_CONFIG;
delete env.LIANDONG_PROMPT;

const t = suite(PLAN, scratch);
const { check, cleanups } = t;
const ld = (args) => run(env, LD, args);

function casesHeld() {
	return JSON.parse(ld(['case', 'list', '--json'])).cases.length;
}

/* A raw request, with the headers given (Host included): status, body. */
function raw(url, opts) {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method: opts.method || 'GET', headers: opts.headers || {},
		    setHost: !(opts.headers && opts.headers.Host) }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, body }));
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error('timeout')));
		req.end(opts.body || undefined);
	});
}

/* A new-record form (#command-form, or form) works from the keyboard:
 * every field has a label, and Tab from the first reaches each and then
 * the save button (#save, or save). */
async function keyboardForm(p, noun, form, save) {
	form = form || '#command-form';
	save = save || 'save';
	const kb = await p.evaluate((f) => {
		const fields = [...document.querySelectorAll(f + ' input, ' + f + ' select, ' + f + ' textarea')];
		const named = (e) => (e.id && document.querySelector('label[for="' + e.id + '"]')) || e.getAttribute('aria-label');
		return { ids: fields.map((e) => e.id),
		    unlabelled: fields.filter((e) => !named(e)).map((e) => e.id || e.name),
		    unreachable: fields.filter((e) => e.tabIndex < 0 || e.disabled).map((e) => e.id || e.name) };
	}, form);
	assert(kb.ids.length > 0 && kb.ids.every((id) => id), noun + ': fields ' + kb.ids.join(' '));
	assert(kb.unlabelled.length === 0, noun + ': no label for ' + kb.unlabelled.join(' '));
	assert(kb.unreachable.length === 0, noun + ': out of the tab order: ' + kb.unreachable.join(' '));
	await p.focus('#' + kb.ids[0]);
	const seen = new Set([kb.ids[0]]);
	let a;
	for (let i = 0; i < kb.ids.length + 20; i++) {
		await p.keyboard.press('Tab');
		a = await p.evaluate(() => document.activeElement.id);
		if (a === save)
			break;
		seen.add(a);
	}
	assert(a === save, noun + ': Tab never reached the save button');
	const missed = kb.ids.filter((id) => !seen.has(id));
	assert(missed.length === 0, noun + ': Tab skipped ' + missed.join(' '));
}

/* Starts `liandong ui --port 0 --no-open`, with more in its environment:
 * its URL, once printed. */
function startConsole(more) {
	return new Promise((resolve, reject) => {
		const p = child.spawn(LD, ['ui', '--port', '0', '--no-open'], {
		    env: Object.assign({}, env, more || {}), stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		const timer = setTimeout(() => reject(new Error('no URL after 10 s')), 10000);
		cleanups.push(() => p.kill('SIGTERM'));
		p.stdout.setEncoding('utf8');
		p.stdout.on('data', (d) => {
			out += d;
			const i = out.indexOf('\n');
			if (i >= 0) {
				clearTimeout(timer);
				resolve(out.slice(0, i));
			}
		});
		p.on('exit', (code) => reject(new Error('liandong ui exited ' + code)));
	});
}

/* A county server (liandong-server init and serve, as
 * tests/integration/lib.sh starts one) and two stations enrolled with
 * it, the township tw and the bureau, each synced once (the unit
 * directory) and the bureau's alerts started (as its daemon would have):
 * {tw, bureau (their databases), path (PATH with a notify-send that
 * writes what it shows to shown)}. */
async function countyUp() {
	const senv = Object.assign({}, env, { LIANDONG_SERVER_DIR: path.join(scratch, 'county') });
	const url = await serverUp(t, senv, scratch, 'server.log');
	/* A 2G link: every chunk a second and a half late each way
	 * (tests/tools/faultproxy), for a third station. */
	const ppf = path.join(scratch, 'proxy-port');
	const proxy = child.spawn(path.join(BUILD, 'tests/tools/faultproxy'), ['--to', url.replace('https://', ''),
	    '--port-file', ppf, '--latency', '1500'], { stdio: 'ignore' });
	cleanups.push(() => proxy.kill('SIGTERM'));
	const slowUrl = 'https://127.0.0.1:' + await portOf(ppf);
	const dbs = {};
	for (const [name, unit, role] of [['tw', '龙羊峡镇', 'township'], ['bureau', BUREAU, 'bureau'],
	    ['slow', '恰卜恰镇', 'township']]) {
		dbs[name] = path.join(scratch, name + '.db');
		enroll(senv, dbs[name], name, unit, role, name === 'slow' ? slowUrl : url);
	}
	for (const name of ['tw', 'bureau'])
		ld(['--db', dbs[name], 'sync']);
	const bin = path.join(scratch, 'bin'), shown = path.join(scratch, 'shown');
	fs.mkdirSync(bin, { recursive: true });
	fs.writeFileSync(path.join(bin, 'notify-send'), '#!/bin/sh\nprintf "%s|" "$@" >>"' + shown + '"\necho >>"' + shown + '"\n', { mode: 0o755 });
	fs.writeFileSync(shown, '');
	const p = bin + ':' + process.env.PATH;
	child.spawnSync(LD, ['--db', dbs.bureau, 'alerts', '--check'], { env: Object.assign({}, env, { PATH: p }) });
	return { tw: dbs.tw, bureau: dbs.bureau, slow: dbs.slow, path: p, shown };
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function main() {
	console.log('1..' + PLAN);
	fs.mkdirSync(SHOTS, { recursive: true });
	ld(['init', '--station', 'lyx01', '--unit', '龙羊峡镇']);
	/* Found on 2 November, to refer in 5 working days: overdue on the 20th. */
	const old = ld(['case', 'open', '--source', 'patrol', '--category', '违法建设',
	    '--location', '城关', '--description', '基本农田上建房',
	    '--discovered-at', '2026-11-02 09:00', '--handle', 'refer', '--why', '属县自然资源局职责']).trim();

	const url = await startConsole();
	const base = url.replace(/\/login.*/, '');
	const port = base.replace(/.*:/, '');
	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
	    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
	cleanups.unshift(() => browser.close());
	const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
	const page = await context.newPage();
	let cookie;

	await check('the secret URL logs in and shows the 工作台, in Chinese', async () => {
		await page.goto(url);
		await page.waitForSelector('#main h2');
		assert(page.url() === base + '/', 'landed on ' + page.url());
		assert(await page.textContent('#main h2') === '工作台', 'heading ' + await page.textContent('#main h2'));
		assert(await page.textContent('#nav-open') === '登记案件', 'nav');
		const cookies = await context.cookies();
		cookie = cookies.find((c) => c.name === 'liandong_ui_' + port);
		assert(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookies));
		await shot(page, 'workbench');
	});

	await check('what the unit owes is listed soonest first, the overdue in red', async () => {
		await page.waitForSelector('#due-rows tr');
		const row = page.locator('#due-rows tr', { hasText: old });
		assert(await row.count() === 1, 'no row for ' + old);
		assert(await row.getAttribute('class') === 'overdue', 'not marked overdue');
		const colour = await row.locator('td').first().evaluate((e) => getComputedStyle(e).color);
		assert(colour === 'rgb(176, 0, 32)', 'colour ' + colour);
		assert((await row.textContent()).includes('已超期'), 'no 已超期');
	});

	await check('the case form shows a bad date next to its field, and records nothing', async () => {
		await page.click('#nav-open');
		await page.waitForSelector('#open-case');
		await page.selectOption('#f-source', 'patrol');
		await page.fill('#f-category', '违法建设');
		await page.fill('#f-location', '查纳村');
		await page.fill('#f-description', '村民在基本农田上建房');
		await page.fill('#f-parties', '李某\n王某');
		await page.fill('#f-discovered_at', '昨天');
		await page.check('#f-urgent');
		await page.click('#save');
		await page.waitForFunction(() => document.getElementById('err-discovered_at').textContent !== '');
		const err = await page.textContent('#err-discovered_at');
		assert(err.includes('昨天') && err.includes('无效'), 'error ' + err);
		assert(await page.getAttribute('#f-discovered_at', 'aria-invalid') === 'true', 'not marked invalid');
		assert(await page.evaluate(() => document.activeElement.id) === 'f-discovered_at', 'not focused');
		assert(await page.textContent('#err-category') === '', 'error on another field');
		assert(casesHeld() === 1, 'a case was recorded');
		await shot(page, 'form-error');
	});

	let id;
	await check('corrected, it opens the case and shows it with its timeline', async () => {
		await page.fill('#f-discovered_at', '2026-11-20 08:30');
		await page.click('#save');
		await page.waitForURL(/#\/case\/C-lyx01-/);
		id = decodeURIComponent(page.url().replace(/.*#\/case\//, ''));
		await page.waitForSelector('#timeline li');
		assert(await page.textContent('#main h2') === id, 'heading');
		assert((await page.textContent('#case-fields')).includes('查纳村'), 'fields');
		assert((await page.textContent('#timeline')).includes('案件登记'), 'timeline: the kind in Chinese');
		const doc = JSON.parse(ld(['case', 'show', '--json', id]));
		assert(doc.case.urgent === true && doc.case.parties.join() === '李某,王某', JSON.stringify(doc.case));
		assert(doc.case.discovered_at === '2026-11-20T08:30:00+08:00', doc.case.discovered_at);
		await shot(page, 'case');
	});

	await check('the case list shows it, and its search and filters find it', async () => {
		await page.click('#nav-cases');
		await page.waitForSelector('#case-rows tr');
		assert(await page.locator('#case-rows tr').count() === 2, 'two cases');
		await page.fill('#search', '村民');
		await page.click('#case-search button');
		await page.waitForFunction(() => document.querySelectorAll('#case-rows tr').length === 1);
		assert((await page.textContent('#case-rows')).includes(id), 'found another');
		await shot(page, 'cases');
		await page.fill('#search', '没有这样的事');
		await page.click('#case-search button');
		await page.waitForFunction(() => document.getElementById('case-rows') === null);
		/* The filters of case list: --category, --since. */
		await page.fill('#search', '');
		await page.fill('#category', '违法建设');
		await page.fill('#since', '2026-11-10');
		await page.click('#case-search button');
		await page.waitForFunction(() => document.querySelectorAll('#case-rows tr').length === 1);
		assert((await page.textContent('#case-rows')).includes(id), 'since kept another');
		await page.fill('#since', '上周');
		await page.click('#case-search button');
		await page.waitForSelector('#main .error');
		assert((await page.textContent('#main .error')).includes('上周'), 'no error for a bad date');
	});

	await check('the 工作台 lists what the new urgent case owes', async () => {
		await page.click('#nav-workbench');
		await page.waitForSelector('#due-rows tr');
		const rows = await page.locator('#due-rows tr').allTextContents();
		assert(rows.length === 2 && rows[1].includes(id) && rows[0].includes(old), rows.join(' | '));
		await shot(page, 'workbench-after');
	});

	/*
	 * Attachments (issue 18) from the case's page: a scan, a JPEG photo
	 * and a confidential file, through attach; listed as attachment
	 * list lists them; one downloaded, the same bytes.
	 */
	const scan = Buffer.concat([Buffer.from('%PDF-1.4\n%询问笔录\n'), Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251))]);
	const secret = Buffer.from('%PDF-1.4\n%举报人身份材料\n');
	child.spawnSync('vips', ['black', path.join(scratch, 'b.v'), '320', '240', '--bands', '3']);
	child.spawnSync('vips', ['copy', path.join(scratch, 'b.v'), path.join(scratch, 'photo.jpg[Q=80]')]);
	const photo = fs.readFileSync(path.join(scratch, 'photo.jpg'));

	async function attachFrom(p, name, mimeType, buffer, caption, confidential) {
		const before = await p.locator('#attachment-rows tr').count();
		await p.setInputFiles('#attach-file', { name, mimeType, buffer });
		await p.fill('#attach-caption', caption);
		if (confidential)
			await p.check('#attach-confidential');
		await p.click('#attach-save');
		await p.waitForFunction((n) => document.querySelectorAll('#attachment-rows tr').length === n, before + 1);
	}

	await check('a file, a JPEG photo and a confidential one attached from the case page are listed with their captions', async () => {
		await page.goto(base + '/#/case/' + encodeURIComponent(id));
		await page.waitForSelector('#attachments-none');
		await attachFrom(page, '询问笔录.pdf', 'application/pdf', scan, '询问笔录第一页', false);
		await attachFrom(page, '现场.jpg', 'image/jpeg', photo, '现场照片', false);
		await attachFrom(page, '举报材料.pdf', 'application/pdf', secret, '举报人材料', true);
		const cli = JSON.parse(ld(['attachment', 'list', '--json', id])).attachments;
		assert(cli.length === 3 && cli[0].name === '询问笔录.pdf' && cli[1].type === 'image/jpeg' &&
		    cli[2].confidential === true && cli[2].hidden, JSON.stringify(cli));
		const rows = await page.locator('#attachment-rows tr').allTextContents();
		assert(rows[0].includes('询问笔录.pdf') && rows[0].includes('询问笔录第一页') && rows[0].includes('PDF 文档') &&
		    rows[0].includes((scan.length / 1024).toFixed(1) + ' KB'), rows[0]);
		assert(rows[1].includes('现场.jpg') && rows[1].includes('现场照片') && rows[1].includes('JPEG 图片'), rows[1]);
		assert(await page.locator('#attachment-1 .att-here').count() === 1, 'not said to be here');
		/* The confidential one as the CLI lists it: hidden until asked. */
		assert(!rows[2].includes('举报材料') && !rows[2].includes('举报人材料'), 'confidential shown unasked: ' + rows[2]);
		await page.click('#show-confidential');
		await page.waitForFunction(() => document.getElementById('attachment-rows') &&
		    document.getElementById('attachment-rows').textContent.includes('举报材料.pdf'));
		const mark = await page.textContent('#attachment-3 .att-confidential');
		assert(mark !== '' && mark !== 'Confidential', 'mark ' + mark);
		assert(await page.textContent('#attachment-1 .att-confidential') === '', 'a plain file marked');
		await shot(page, 'attachments');
	});

	await check('an attachment downloaded from the page has the bytes attached', async () => {
		for (const [n, name, bytes] of [[1, '询问笔录.pdf', scan], [2, '现场.jpg', photo], [3, '举报材料.pdf', secret]]) {
			const [d] = await Promise.all([page.waitForEvent('download'), page.click('#att-get-' + n)]);
			assert(d.suggestedFilename() === name, 'saved as ' + d.suggestedFilename());
			const got = fs.readFileSync(await d.path());
			assert(Buffer.compare(got, bytes) === 0, name + ': ' + got.length + ' bytes, not the ' + bytes.length + ' attached');
		}
	});

	await check('the attach form works from the keyboard; a file over [attachments] max_size is refused with the limit', async () => {
		await keyboardForm(page, 'attach', '#attach-form', 'attach-save');
		const buttons = await page.evaluate(() => [...document.querySelectorAll('#attachments button')]
		    .filter((b) => b.tabIndex < 0 || !(b.textContent || b.getAttribute('aria-label'))).length);
		assert(buttons === 0, buttons + ' buttons out of reach or unlabelled');
		const conf = path.join(scratch, 'small.conf');
		fs.writeFileSync(conf, '[attachments]\nmax_size = 2K\n');
		const small = await startConsole({ LIANDONG_CONFIG: conf });
		const sc = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
		const sp = await sc.newPage();
		await sp.goto(small);
		await sp.waitForSelector('#main h2');
		await sp.goto(small.replace(/\/login.*/, '/#/case/' + encodeURIComponent(id)));
		await sp.waitForSelector('#attachment-rows tr');
		await sp.setInputFiles('#attach-file', { name: '大.pdf', mimeType: 'application/pdf', buffer: scan });
		await sp.click('#attach-save');
		await sp.waitForFunction(() => document.getElementById('attach-error').textContent !== '');
		const e = await sp.textContent('#attach-error');
		assert(e.includes('2.0 KB') && e.includes('max_size'), e);
		/* Sent all the same, the console refuses it by its length. */
		const st = await sp.evaluate((rec) => fetch('/api/attachments/' + encodeURIComponent(rec) + '?name=big.pdf', {
			method: 'POST', headers: { 'X-CSRF-Token': localStorage.getItem('liandong_t'),
			    'Content-Type': 'application/octet-stream' }, body: new Uint8Array(4096) })
		    .then((r) => r.json().then((d) => r.status + ' ' + d.error)), id);
		assert(/^413 .*2\.0 KB/.test(st), st);
		assert(JSON.parse(ld(['attachment', 'list', '--json', id])).attachments.length === 3, 'attached');
		await shot(sp, 'attach-too-big');
		await sc.close();
	});

	await check('a request without the cookie is refused, and the cookie alone reads nothing', async () => {
		const r = await raw(base + '/api/due', {});
		assert(r.status === 401, 'status ' + r.status);
		/* Every port of 127.0.0.1 gets the cookie: without the page's token it opens nothing. */
		const bare = await raw(base + '/api/due', { headers: { Host: '127.0.0.1:' + port,
		    Cookie: cookie.name + '=' + cookie.value } });
		assert(bare.status === 403, 'cookie alone: ' + bare.status);
		const sess = await raw(base + '/api/session', { headers: { Host: '127.0.0.1:' + port,
		    Cookie: cookie.name + '=' + cookie.value } });
		assert(sess.status === 403 && !/csrf/.test(sess.body), 'session: ' + sess.status + ' ' + sess.body);
		const other = await browser.newContext();
		const p2 = await other.newPage();
		const resp = await p2.goto(base + '/');
		assert(resp.status() === 401, 'page status ' + resp.status());
		await other.close();
	});

	await check('a wrong Host is refused, even with the cookie', async () => {
		const r = await raw(base + '/api/due', { headers: { Host: 'attacker.example:' + port,
		    Cookie: cookie.name + '=' + cookie.value } });
		assert(r.status === 421, 'status ' + r.status);
		const tok = await page.evaluate(() => localStorage.getItem('liandong_t'));
		assert(tok && !(await page.evaluate(() => location.hash)).includes(tok), 'token ' + tok);
		const ok = await raw(base + '/api/due', { headers: { Host: 'localhost:' + port,
		    Cookie: cookie.name + '=' + cookie.value, 'X-CSRF-Token': tok } });
		assert(ok.status === 200, 'localhost: ' + ok.status);
	});

	await check('a POST from the page without the CSRF token is refused', async () => {
		const st = await page.evaluate(() => fetch('/api/cases', { method: 'POST',
		    headers: { 'Content-Type': 'application/json' },
		    body: JSON.stringify({ source: 'patrol', category: '违法建设', location: '东街',
			description: '无令牌' }) }).then((r) => r.status));
		assert(st === 403, 'status ' + st);
		assert(casesHeld() === 2, 'recorded');
	});

	await check('a page of another origin cannot post a form to the console', async () => {
		const evil = http.createServer((req, res) => {
			res.setHeader('Content-Type', 'text/html; charset=utf-8');
			res.end('<form id="f" method="POST" enctype="text/plain" action="' + base +
			    '/api/cases"><input name=\'{"source":"patrol","category":"x","location":"y","description":"z","x":"\' value=\'"}\'></form>' +
			    '<script>document.getElementById("f").submit()</script>');
		});
		await new Promise((r) => evil.listen(0, '127.0.0.1', r));
		try {
			const p3 = await context.newPage();
			const done = p3.waitForResponse((r) => r.url() === base + '/api/cases');
			await p3.goto('http://127.0.0.1:' + evil.address().port + '/');
			const resp = await done;
			assert(resp.status() === 401 || resp.status() === 403, 'status ' + resp.status());
			await p3.close();
		} finally {
			evil.close();
		}
		assert(casesHeld() === 2, 'recorded');
	});

	await check('a body over the limit is refused', async () => {
		const st = await page.evaluate((csrf) => fetch('/api/cases', { method: 'POST',
		    headers: { 'Content-Type': 'application/json' },
		    body: JSON.stringify({ description: 'x'.repeat(70000) }) }).then((r) => r.status));
		assert(st === 403 || st === 413, 'status ' + st);
		const st2 = await page.evaluate(async () => {
			return fetch('/api/cases', { method: 'POST', headers: { 'Content-Type': 'application/json',
			    'X-CSRF-Token': localStorage.getItem('liandong_t') }, body: JSON.stringify({ description: 'x'.repeat(70000) }) })
			    .then((r) => r.status);
		});
		assert(st2 === 413, 'status ' + st2);
	});

	await check('the form is usable from the keyboard alone', async () => {
		await page.goto(base + '/#/open');
		await page.waitForSelector('#open-case');
		await page.focus('#nav-open');
		const active = () => page.evaluate(() => document.activeElement.id);
		const typed = { 'f-category': '环境保护', 'f-location': '东街', 'f-description': '夜间偷排污水' };
		let steps = 0, seen = [];
		for (;;) {
			await page.keyboard.press('Tab');
			const a = await active();
			seen.push(a);
			assert(++steps < 60, 'never reached the save button: ' + seen.join(' '));
			if (a === 'f-source')
				await page.keyboard.press('ArrowDown');
			else if (typed[a])
				await page.keyboard.type(typed[a]);
			else if (a === 'save')
				break;
		}
		assert(await page.inputValue('#f-source') !== '', 'no source chosen');
		await page.keyboard.press('Enter');
		await page.waitForURL(/#\/case\/C-lyx01-/);
		await page.waitForSelector('#timeline li');
		assert(casesHeld() === 3, 'not recorded');
		await shot(page, 'case-keyboard');
	});

	await check('a long list shows 100 rows a page, with links to the next and the previous', async () => {
		/* The liaison ledger pages in the command (--offset); the
		 * register of people is cut in the page. */
		for (let i = 0; i < 105; i++) {
			ld(['liaison', 'log', '--type', 'contact', '--summary', '联络' + i, '--officer', '王']);
			ld(['person', 'add', '--name', '干部' + i, '--officer', '王']);
		}
		for (const noun of ['liaison', 'person']) {
			await page.goto(base + '/#/r/' + noun);
			await page.waitForSelector('#record-rows tr');
			const first = await page.locator('#record-rows tr td:first-child').allTextContents();
			assert(first.length === 100, noun + ' page 1: ' + first.length);
			assert(await page.locator('#page-prev').count() === 0, noun + ': a page before the first');
			await page.click('#page-next');
			await page.waitForSelector('#page-prev');
			const second = await page.locator('#record-rows tr td:first-child').allTextContents();
			assert(second.length === 5 && await page.locator('#page-next').count() === 0,
			    noun + ' page 2: ' + second.length);
			assert(new Set(first.concat(second)).size === 105, noun + ': a row twice or missed');
			await page.click('#page-prev');
			await page.waitForFunction(() => document.querySelectorAll('#record-rows tr').length === 100);
		}
		await shot(page, 'list-paged');
	});

	await check('under LANG=C the console is in English', async () => {
		const enUrl = await startConsole({ LC_ALL: 'C.UTF-8', LANG: 'C' });
		const en = await browser.newContext({ viewport: { width: 1366, height: 768 } });
		const p4 = await en.newPage();
		await p4.goto(enUrl);
		await p4.waitForSelector('#due-rows tr');
		assert(await p4.textContent('#main h2') === 'Workbench', 'heading ' + await p4.textContent('#main h2'));
		assert((await p4.textContent('#due-rows')).includes('refer the case'), 'obligation not in English');
		await p4.goto(enUrl.replace(/\/login.*/, '/#/open'));
		await p4.waitForSelector('#open-case');
		await p4.fill('#f-discovered_at', 'yesterday');
		await p4.click('#save');
		await p4.waitForFunction(() => document.getElementById('err-source').textContent !== '');
		assert(await p4.textContent('#err-source') === 'missing required option --source',
		    'error ' + await p4.textContent('#err-source'));
		await shot(p4, 'form-error-en');
		await en.close();
	});
	/*
	 * The scenario with a real county server: a township refers a
	 * case from its console, syncs with the 同步 button; the bureau's
	 * console syncs, shows it waiting with its due time, an alert badge
	 * and a desktop notification (a notify-send that writes down what
	 * it was asked to show).
	 */
	const county = await countyUp();
	const tw = await startConsole({ LIANDONG_DB: county.tw, PATH: county.path });
	const twBase = tw.replace(/\/login.*/, '');
	const bu = await startConsole({ LIANDONG_DB: county.bureau, PATH: county.path });
	const buBase = bu.replace(/\/login.*/, '');
	const twCtx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
	const twp = await twCtx.newPage();
	const buCtx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
	const bup = await buCtx.newPage();
	let twCase, ref;

	await check('the township opens a case: a form error first, then correctly', async () => {
		await twp.goto(tw);
		await twp.waitForSelector('#main h2');
		await twp.click('#nav-open');
		await twp.waitForSelector('#open-case');
		await twp.selectOption('#f-source', 'patrol');
		await twp.fill('#f-category', '违法建设');
		await twp.fill('#f-location', '查纳村');
		await twp.fill('#f-description', '基本农田上正在施工建房');
		await twp.fill('#f-discovered_at', '2026-13-40');
		await twp.check('#f-urgent');
		await twp.click('#save');
		await twp.waitForFunction(() => document.getElementById('err-discovered_at').textContent !== '');
		await twp.fill('#f-discovered_at', '2026-11-20 09:00');
		await twp.click('#save');
		await twp.waitForURL(/#\/case\/C-tw-/);
		twCase = decodeURIComponent(twp.url().replace(/.*#\/case\//, ''));
		await twp.waitForSelector('#actions');
	});

	await check('it refers the case from its page: a missing letter next to its field, then the referral', async () => {
		await twp.click('#do-referral-send');
		await twp.waitForSelector('#command-form #f-to');
		await twp.fill('#f-to', BUREAU);
		await twp.fill('#f-source-material', '现场检查笔录\n询问笔录');
		await twp.fill('#f-evidence', '现场照片3张');
		await twp.check('#f-urgent');
		await twp.click('#save');
		await twp.waitForFunction(() => document.getElementById('err-letter').textContent !== '');
		assert((await twp.textContent('#err-letter')).includes('--letter'), await twp.textContent('#err-letter'));
		assert(await twp.getAttribute('#f-letter', 'aria-invalid') === 'true', 'not marked');
		await shot(twp, 'referral-form-error');
		await twp.fill('#f-letter', '龙移〔2026〕5号');
		await twp.click('#save');
		await twp.waitForURL(/#\/r\/referral\/R-tw-/);
		ref = decodeURIComponent(twp.url().replace(/.*#\/r\/referral\//, ''));
		await twp.waitForSelector('#record-fields');
		assert((await twp.textContent('#record-status')) === '已移送' ||
		    !/^[a-z]+$/.test(await twp.textContent('#record-status')), 'state ' + await twp.textContent('#record-status'));
		await shot(twp, 'referral');
	});

	async function syncBy(p, name) {
		await p.click('#nav-workbench');
		await p.waitForSelector('#sync-now');
		const job = () => p.evaluate(() => fetch('/api/sync',
		    { headers: { 'X-CSRF-Token': localStorage.getItem('liandong_t') } }).then((r) => r.json()));
		const before = (await job()).finished;
		await p.click('#sync-now');
		let j;
		for (let i = 0; i < 600; i++) {
			j = await job();
			if (j.state !== 'running' && j.finished !== before)
				break;
			await new Promise((r) => setTimeout(r, 100));
		}
		await p.waitForFunction((st) => document.getElementById('sync-state') &&
		    document.getElementById('sync-state').className === 'sync-' + st, j.state, { timeout: 10000 });
		const cls = await p.getAttribute('#sync-state', 'class');
		assert(cls === 'sync-done', name + ': ' + await p.textContent('#sync-state'));
	}

	await check('the 同步 button syncs with the county server and says how it went', async () => {
		await syncBy(twp, 'township');
		assert((await twp.textContent('#sync-state')).includes('同步完成'), await twp.textContent('#sync-state'));
		await twp.waitForFunction(() => /：\s*0$/.test(document.getElementById('sync').textContent));
		await shot(twp, 'workbench-synced');
	});

	await check('the bureau syncs: the referral waits on its 工作台, urgent, with its due time; a badge and a notification', async () => {
		await bup.goto(bu);
		await bup.waitForSelector('#main h2');
		await syncBy(bup, 'bureau');
		await bup.waitForSelector('#incoming-rows tr');
		const row = bup.locator('#incoming-rows tr', { hasText: ref });
		assert(await row.count() === 1, 'not waiting: ' + await bup.textContent('#main'));
		const text = await row.textContent();
		assert(text.includes('紧急') && text.includes('龙羊峡镇'), text);
		const due = JSON.parse(ld(['--db', county.bureau, 'due', '--json'])).obligations
		    .filter((o) => o.record === ref && o.due)
		    .sort((a, b) => Date.parse(a.due) - Date.parse(b.due))[0];
		assert(due, 'the bureau owes nothing on it');
		const cst = new Date(Date.parse(due.due) + 8 * 3600e3).toISOString();
		assert(text.includes(cst.slice(0, 10) + ' ' + cst.slice(11, 16)), 'due ' + due.due + ' not in ' + text);
		await bup.waitForFunction(() => document.getElementById('alerts-count').textContent === '1');
		assert(fs.readFileSync(county.shown, 'utf8').includes(ref), 'no notification');
		await shot(bup, 'bureau-workbench');
	});

	await check('the alerts page lists it; "mark read" clears the badge', async () => {
		await bup.click('#nav-alerts');
		await bup.waitForSelector('#alert-list li');
		assert((await bup.textContent('#alert-list')).includes(ref), 'not listed');
		await shot(bup, 'alerts');
		await bup.click('#alerts-read');
		await bup.waitForFunction(() => document.getElementById('alerts-count').textContent === '');
		assert(await bup.isHidden('#alerts-count'), 'badge shown');
	});

	await check('the referral letter prints with its materials, sender, receiver and dates', async () => {
		await bup.goto(buBase + '/#/r/referral/' + encodeURIComponent(ref));
		await bup.waitForSelector('#print-view');
		await bup.click('#print-view');
		await bup.waitForSelector('#printable');
		const t = await bup.textContent('#printable');
		['案件移送函', '龙移〔2026〕5号', '现场检查笔录', '询问笔录', '现场照片3张', '龙羊峡镇', BUREAU, '查纳村',
		    '2026-11-20 09:00'].forEach((s) => assert(t.includes(s), s + ' not in the letter'));
		await bup.emulateMedia({ media: 'print' });
		assert(await bup.isHidden('header') && await bup.isHidden('#print'), 'the page around it prints');
		assert(await bup.isVisible('#printable'), 'the letter does not print');
		await shot(bup, 'referral-letter-print');
		await bup.emulateMedia({ media: 'screen' });
		await shot(bup, 'referral-letter');
	});

	await check('the bureau acknowledges it with the step form; its state in Chinese', async () => {
		await bup.goto(buBase + '/#/r/referral/' + encodeURIComponent(ref));
		await bup.waitForSelector('#do-referral-acknowledge');
		await bup.click('#do-referral-acknowledge');
		await bup.waitForSelector('#command-form');
		await bup.click('#save');
		await bup.waitForURL(new RegExp('#/r/referral/' + ref.replace(/-/g, '\\-') + '$'));
		await bup.waitForSelector('#record-status');
		const st = JSON.parse(ld(['--db', county.bureau, 'referral', 'show', '--json', ref])).referral.status;
		assert(st === 'acknowledged', 'state ' + st);
		const label = await bup.textContent('#record-status');
		assert(label !== '' && label !== st && !/[a-z]/.test(label), 'label ' + label);
		assert((await bup.textContent('#timeline')).includes('受理告知'), 'timeline: the kind in Chinese');
	});

	await check('a file too large to come with the sync is to fetch on the bureau\'s page; Fetch brings it', async () => {
		/* Over [attachments] auto_fetch (2M): the sync leaves it at the county server. */
		const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2500000, 7)]);
		const f = path.join(scratch, '现场录像截图.pdf');
		fs.writeFileSync(f, big);
		ld(['--db', county.tw, 'attach', ref, f, '--caption', '现场录像截图']);
		ld(['--db', county.tw, 'sync']);
		ld(['--db', county.bureau, 'sync']);
		/* The page shows the referral already: drawn again. */
		await bup.goto(buBase + '/#/r/referral/' + encodeURIComponent(ref));
		await bup.reload();
		await bup.waitForSelector('#attachment-1 .att-away', { timeout: 10000 }).catch(async () => {
			throw new Error(bup.url() + ': ' + await bup.textContent('#main') + ' ' +
			    ld(['--db', county.bureau, 'attachment', 'list', '--json', ref]));
		});
		assert((await bup.textContent('#attachment-1')).includes('待从县服务器获取'), await bup.textContent('#attachment-1'));
		await shot(bup, 'attachment-to-fetch');
		const [d] = await Promise.all([bup.waitForEvent('download'), bup.click('#att-fetch-1')]);
		assert(d.suggestedFilename() === '现场录像截图.pdf', d.suggestedFilename());
		assert(Buffer.compare(fs.readFileSync(await d.path()), big) === 0, 'not the bytes attached');
		await bup.waitForSelector('#attachment-1 .att-here');
		assert(await bup.locator('#att-get-1').count() === 1, 'no Download once here');
	});

	await check("a complainant's identity is hidden until asked", async () => {
		const t = ld(['--db', county.tw, 'complaint', 'record', '--type', 'complaint', '--channel', 'phone',
		    '--matter', '夜间施工噪音', '--description', '工地每晚施工至凌晨', '--location', '查纳村',
		    '--received-at', '2026-11-20 08:00', '--name', '王秀英', '--phone', '13800001111']).trim();
		await twp.goto(twBase + '/#/r/complaint');
		await twp.waitForSelector('#record-rows tr');
		assert(!(await twp.textContent('#main')).includes('王秀英'), 'name in the list');
		await twp.click('#record-rows a');
		await twp.waitForSelector('#show-identity');
		const body = await twp.textContent('body');
		assert(!body.includes('王秀英') && !body.includes('13800001111'), 'identity shown unasked');
		await shot(twp, 'complaint');
		await twp.click('#show-identity');
		await twp.waitForSelector('#identity-shown');
		const who = await twp.textContent('#identity-shown');
		assert(who.includes('王秀英') && who.includes('13800001111'), who);
		assert(twp.url().endsWith('/#/r/complaint/' + t), twp.url());
		await shot(twp, 'complaint-identity');
	});

	await check("a meeting's minutes print with its resolutions", async () => {
		const m = ld(['--db', county.tw, 'meeting', 'schedule', '--kind', 'joint', '--at', '2026-11-19 09:00',
		    '--units', BUREAU]).trim();
		ld(['--db', county.tw, 'meeting', 'topic', m, '--topic', '查纳村违建整治']);
		ld(['--db', county.tw, 'meeting', 'minutes', m, '--text', '会议研究了查纳村违建整治工作']);
		ld(['--db', county.tw, 'meeting', 'resolution', m, '--text', '三日内依法拆除', '--owner', BUREAU]);
		await twp.goto(twBase + '/#/print/meeting/' + m);
		await twp.waitForSelector('#resolutions');
		const t = await twp.textContent('#printable');
		['会议纪要', '联席会议', '查纳村违建整治', '会议研究了查纳村违建整治工作', '三日内依法拆除', BUREAU,
		    '2026-11-19 09:00'].forEach((s) => assert(t.includes(s), s + ' not in the minutes'));
		await shot(twp, 'meeting-minutes');
	});

	await check('every record type has its list from the registry, and its new-record form', async () => {
		const nouns = ['complaint', 'referral', 'assist', 'whistle', 'meeting', 'share', 'supervision',
		    'operation', 'liaison', 'person'];
		for (const noun of nouns) {
			await twp.click('#nav-' + noun);
			await twp.waitForFunction((nn) => location.hash.startsWith('#/r/' + nn) &&
			    document.getElementById('list-filter') !== null, noun);
			assert(await twp.locator('#records, #records-none').count() === 1, noun + ': ' + await twp.textContent('#main'));
			await shot(twp, 'list-' + noun);
			if (noun !== 'referral') {
				await twp.click('#new-record');
				await twp.waitForSelector('#command-form label');
				await shot(twp, 'new-' + noun);
				await keyboardForm(twp, noun);
			}
		}
		/* One saved from the keyboard alone: a name, an officer, Enter. */
		await twp.click('#nav-person');
		await twp.click('#new-record');
		await twp.waitForSelector('#command-form');
		await twp.focus('#f-name');
		await twp.keyboard.type('马明');
		let k = 0;
		while (await twp.evaluate(() => document.activeElement.id) !== 'f-officer' && ++k < 40)
			await twp.keyboard.press('Tab');
		await twp.keyboard.type('王');
		await twp.keyboard.press('Enter');
		await twp.waitForFunction(() => /^#\/r\/person\/./.test(location.hash), null, { timeout: 10000 });
		/* A required field left empty: said next to it, as `person add` says it. */
		await twp.click('#nav-person');
		await twp.click('#new-record');
		await twp.waitForSelector('#command-form');
		await twp.click('#save');
		await twp.waitForSelector('#command-form [aria-invalid=true]');
	});

	await check('under LANG=C the record pages, their steps and the letter are in English', async () => {
		const enUrl = await startConsole({ LIANDONG_DB: county.bureau, PATH: county.path,
		    LC_ALL: 'C.UTF-8', LANG: 'C' });
		const en = await browser.newContext({ viewport: { width: 1366, height: 768 } });
		const p5 = await en.newPage();
		await p5.goto(enUrl);
		await p5.waitForSelector('#main h2');
		await p5.goto(enUrl.replace(/\/login.*/, '/#/r/referral/' + ref));
		await p5.waitForSelector('#record-status');
		assert(await p5.textContent('#record-status') === 'acknowledged', await p5.textContent('#record-status'));
		assert(await p5.textContent('#do-referral-accept') === 'Accept', 'step ' + await p5.textContent('#do-referral-accept'));
		await p5.click('#do-referral-dispute');
		await p5.waitForSelector('#command-form');
		await p5.click('#save');
		await p5.waitForFunction(() => document.getElementById('err-reason').textContent !== '');
		assert((await p5.textContent('#err-reason')).includes('--reason'), await p5.textContent('#err-reason'));
		await shot(p5, 'step-error-en');
		await p5.goto(enUrl.replace(/\/login.*/, '/#/print/referral/' + ref));
		await p5.waitForSelector('#printable');
		assert((await p5.textContent('#printable')).includes('Referral letter'), 'letter title');
		await shot(p5, 'referral-letter-en');
		await en.close();
	});

	await check('over a slow link the sync shows its progress, and a second one is refused while it runs', async () => {
		const slowUrl = await startConsole({ LIANDONG_DB: county.slow, PATH: county.path });
		const sc = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
		const sp = await sc.newPage();
		await sp.goto(slowUrl);
		await sp.waitForSelector('#sync-now');
		await sp.click('#sync-now');
		await sp.waitForSelector('#sync-state.sync-running');
		assert(await sp.isDisabled('#sync-now'), 'the button still takes a click');
		assert((await sp.textContent('#sync-state')).includes('正在'), await sp.textContent('#sync-state'));
		await shot(sp, 'sync-running');
		const second = await sp.evaluate(async () => {
			return fetch('/api/sync', { method: 'POST', headers: {
			    'X-CSRF-Token': localStorage.getItem('liandong_t'),
			    'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status);
		});
		assert(second === 409, 'a second sync: ' + second);
		await sp.waitForSelector('#sync-state.sync-done', { timeout: 120000 });
		assert(!await sp.isDisabled('#sync-now'), 'the button stays off');
		await shot(sp, 'sync-done');
		await sc.close();
	});

	await check('at 1366x768 no page scrolls sideways', async () => {
		for (const hash of ['#/', '#/cases', '#/r/referral', '#/r/referral/' + ref, '#/print/referral/' + ref,
		    '#/do/complaint/record', '#/alerts']) {
			await bup.goto(buBase + '/' + hash);
			await bup.waitForSelector('#main h2');
			await bup.waitForLoadState('networkidle');
			const w = await bup.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
			assert(w[0] <= w[1], hash + ': ' + w[0] + ' wide in ' + w[1]);
		}
	});

	await check('a conflict (the township withdrew what the bureau accepted, from the keyboard, offline) is on the 工作台 to look at', async () => {
		ld(['--db', county.tw, 'referral', 'withdraw', ref, '--reason', '已由本镇自行处理']);
		ld(['--db', county.tw, 'sync']);
		await bup.goto(buBase + '/#/r/referral/' + ref);
		await bup.waitForSelector('#do-referral-accept');
		await bup.waitForLoadState('networkidle');
		await bup.click('#do-referral-accept');
		await bup.waitForSelector('#command-form #f-note', { timeout: 10000 }).catch(async () => {
			throw new Error(bup.url() + ': ' + await bup.textContent('#main'));
		});
		await bup.fill('#f-note', '我局接收办理');
		await bup.press('#f-note', 'Tab');
		await bup.keyboard.press('Tab');
		assert(await bup.evaluate(() => document.activeElement.id) === 'save', 'Tab does not reach 保存');
		await bup.keyboard.press('Enter');
		await bup.waitForFunction(() => location.hash.startsWith('#/r/') ||
		    document.getElementById('form-error').textContent !== '');
		assert(await bup.textContent('#main') && bup.url().includes('#/r/referral/'),
		    'not accepted: ' + await bup.textContent('#main'));
		await syncBy(bup, 'bureau');
		await bup.waitForSelector('#conflict-rows tr');
		const t = await bup.textContent('#conflict-rows');
		/* The later of the two in the county's order is the one marked:
		 * here the withdrawal, after an acceptance. */
		assert(t.includes(ref) && /撤回移送|受理移送/.test(t), t);
		await shot(bup, 'workbench-conflict');
	});
}

t.finish(main);
