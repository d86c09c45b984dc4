/*
 * lib.js - what every browser suite shares: where the programs are, the
 * TAP lines (check, assert; "1..N", "ok N - what", as the integration
 * scripts print them), the end of a run, and a county server started as
 * tests/integration/lib.sh starts one.
 */
'use strict';

const child = require('child_process');
const fs = require('fs');
const path = require('path');

const TOP = path.resolve(__dirname, '../..');
const BUILD = path.resolve(TOP, process.env.BUILD || 'build');
const LD = path.join(BUILD, 'liandong');
const LDS = path.join(BUILD, 'liandong-server');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(BUILD, 'test-logs', 'browser');

/* Runs bin with args in env (input on its standard input): its output;
 * throws when it fails. */
function run(env, bin, args, input) {
	const r = child.spawnSync(bin, args, { env, encoding: 'utf8', input });
	if (r.status !== 0)
		throw new Error(path.basename(bin) + ' ' + args.join(' ') + ': exit ' + r.status + ': ' + r.stderr);
	return r.stdout;
}

function assert(cond, what) {
	if (!cond)
		throw new Error(what);
}

function comment(e) {
	console.log(String(e && e.stack || e).split('\n').map((l) => '#   ' + l).join('\n'));
}

/* The checks of a suite of plan checks working in scratch: check(what,
 * fn) runs one; cleanups are run at the end, first first; finish(main)
 * runs main, then ends the process with 1 when a check failed or the
 * plan was not kept. */
function suite(plan, scratch) {
	const t = { n: 0, failed: 0, cleanups: [] };

	t.check = async (what, fn) => {
		t.n++;
		console.log('# ' + what);
		try {
			await fn();
			console.log('ok ' + t.n + ' - ' + what);
		} catch (e) {
			t.failed++;
			comment(e);
			console.log('not ok ' + t.n + ' - ' + what);
		}
	};
	t.finish = (main) => main().catch((e) => {
		t.failed++;
		comment(e);
	}).then(async () => {
		for (const f of t.cleanups) {
			try { await f(); } catch (e) { /* already gone */ }
		}
		if (t.n !== plan)
			console.log('# planned ' + plan + ' checks, ran ' + t.n);
		if (process.env.KEEP === '1')
			console.log('# scratch directory kept: ' + scratch);
		else
			fs.rmSync(scratch, { recursive: true, force: true });
		process.exit(t.failed > 0 || t.n !== plan ? 1 : 0);
	});
	return t;
}

/* What file holds once a program has written it (10 s at most). */
async function portOf(file) {
	for (let i = 0; i < 100 && !(fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim()); i++)
		await new Promise((r) => setTimeout(r, 100));
	return fs.readFileSync(file, 'utf8').trim();
}

/* A county server for Gonghe in env's LIANDONG_SERVER_DIR, serving on
 * 127.0.0.1 with its log in SHOTS/log (stopped by t's cleanups): its
 * URL. */
async function serverUp(t, env, scratch, log) {
	run(env, LDS, ['init', '--county', '共和县', '--listen', '127.0.0.1:0', '--rules', 'gonghe']);
	const pf = path.join(scratch, 'port');
	const srv = child.spawn(LDS, ['serve', '--port-file', pf, '--max-clock-ahead', '0'], {
	    env, stdio: ['ignore', 'ignore', fs.openSync(path.join(SHOTS, log), 'w')] });
	t.cleanups.push(() => srv.kill('SIGTERM'));
	return 'https://127.0.0.1:' + await portOf(pf);
}

/* Station name of unit (role) added to env's server and a database db
 * made and enrolled with it at url. */
function enroll(env, db, name, unit, role, url) {
	const code = run(env, LDS, ['station', 'add', '--name', name, '--unit', unit, '--role', role])
	    .trim().split('\n').pop();
	run(env, LD, ['init', '--db', db, '--station', name, '--unit', unit]);
	run(env, LD, ['enroll', '--db', db, '--ca', path.join(env.LIANDONG_SERVER_DIR, 'ca.pem'), '--', url, code]);
}

module.exports = { TOP, BUILD, LD, LDS, CHROMIUM, SHOTS, run, assert, suite, portOf, serverUp, enroll };
