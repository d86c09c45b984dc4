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

const TOP = path.resolve(__dirname, '../..');
const BUILD = path.resolve(TOP, process.env.BUILD || 'build');
const LD = path.join(BUILD, 'liandong');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(BUILD, 'test-logs', 'browser');
const PLAN = 13;

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

let n = 0, failed = 0;
const cleanups = [];

function ld(args) {
	const r = child.spawnSync(LD, args, { env, encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error('liandong ' + args.join(' ') + ': exit ' + r.status + ': ' + r.stderr);
	return r.stdout;
}

function casesHeld() {
	return JSON.parse(ld(['case', 'list', '--json'])).cases.length;
}

function assert(cond, what) {
	if (!cond)
		throw new Error(what);
}

async function check(what, fn) {
	n++;
	console.log('# ' + what);
	try {
		await fn();
		console.log('ok ' + n + ' - ' + what);
	} catch (e) {
		failed++;
		console.log(String(e && e.stack || e).split('\n').map((l) => '#   ' + l).join('\n'));
		console.log('not ok ' + n + ' - ' + what);
	}
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
		assert((await page.textContent('#timeline')).includes('case.opened'), 'timeline');
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

	await check('a request without the cookie is refused', async () => {
		const r = await raw(base + '/api/due', {});
		assert(r.status === 401, 'status ' + r.status);
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
		const ok = await raw(base + '/api/due', { headers: { Host: 'localhost:' + port,
		    Cookie: cookie.name + '=' + cookie.value } });
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
			const s = await fetch('/api/session').then((r) => r.json());
			return fetch('/api/cases', { method: 'POST', headers: { 'Content-Type': 'application/json',
			    'X-CSRF-Token': s.csrf }, body: JSON.stringify({ description: 'x'.repeat(70000) }) })
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
}

main().catch((e) => {
	failed++;
	console.log(String(e && e.stack || e).split('\n').map((l) => '#   ' + l).join('\n'));
}).then(async () => {
	for (const f of cleanups) {
		try { await f(); } catch (e) { /* already gone */ }
	}
	if (n !== PLAN)
		console.log('# planned ' + PLAN + ' checks, ran ' + n);
	if (process.env.KEEP === '1')
		console.log('# scratch directory kept: ' + scratch);
	else
		fs.rmSync(scratch, { recursive: true, force: true });
	process.exit(failed > 0 || n !== PLAN ? 1 : 0);
});
