/*
 * app.js - the county dashboard's page (server/dash.c, docs/dashboard.md).
 *
 * Words come translated from GET /dash/strings (gettext, in the language
 * the browser asks for); figures from GET /dash/api/report, the very
 * JSON of `liandong-server report --json`; a number clicked asks GET
 * /dash/api/records for the records behind it, a record clicked GET
 * /dash/api/record/ID for its timeline. Every API call sends the
 * session's CSRF token (X-CSRF-Token). Charts: ECharts, served by the
 * same binary. Text from the data is only ever set as textContent.
 */
'use strict';

var S = {};          /* translated words, by their English text */
var CSRF = '';
var SESSION = null;  /* GET /dash/api/session's document */
var REPORT = null;   /* the report shown */
var PERIOD = '';
var CATEGORY = '';   /* the category filter ('': every one) */
var charts = [];

function t(s) { return S[s] || s; }

function $(id) { return document.getElementById(id); }

function el(tag, attrs, text) {
	var e = document.createElement(tag), k;
	for (k in attrs || {})
		e.setAttribute(k, attrs[k]);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	return e;
}

/* fetch, with the CSRF token; resolves to {status, doc}. */
function api(path, opts) {
	opts = opts || {};
	opts.credentials = 'same-origin';
	opts.headers = opts.headers || {};
	if (CSRF)
		opts.headers['X-CSRF-Token'] = CSRF;
	return fetch(path, opts).then(function (r) {
		return r.json().then(function (d) { return { status: r.status, doc: d }; },
		    function () { return { status: r.status, doc: {} }; });
	});
}

function translate() {
	var n = document.querySelectorAll('[data-t]'), i;
	for (i = 0; i < n.length; i++)
		n[i].textContent = t(n[i].getAttribute('data-t'));
	document.title = t('County dashboard');
}

function showLogin() {
	$('login').hidden = false;
	$('main').hidden = true;
	$('who').hidden = true;
	$('account').focus();
}

function started(session) {
	SESSION = session;
	CSRF = session.csrf;
	$('login').hidden = true;
	$('main').hidden = false;
	$('who').hidden = false;
	$('who-name').textContent = session.account + ' (' + session.unit + ')';
	fillUnits([]);
	/* The stations are the county's business. */
	$('show-stations').hidden = session.scope !== null;
	show();
}

/* --- exports and the printable report ---------------------------------- */

/* Downloads GET /dash/api/export?... as name (the session's CSRF token
 * goes with it, so the file is fetched, then saved from a blob). */
function download(params, name) {
	var unit = SESSION.scope === null ? $('unit').value : '';
	params.period = PERIOD;
	params.unit = unit;
	if (params.what !== 'publication')
		params.category = CATEGORY;
	$('status').textContent = t('Loading...');
	fetch('/dash/api/export?' + query(params), { credentials: 'same-origin',
	    headers: { 'X-CSRF-Token': CSRF } }).then(function (r) {
		if (r.status !== 200)
			return r.json().then(function (d) {
				$('status').textContent = d.error || String(r.status);
			});
		return r.blob().then(function (b) {
			var a = el('a', { href: URL.createObjectURL(b), download: name });
			document.body.appendChild(a);
			a.click();
			setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
			$('status').textContent = '';
		});
	}, function () { $('status').textContent = t('The server cannot be reached.'); });
}

/* A plain table for print: cols [[header, key]]. */
function plain(title, rows, cols) {
	var box = el('div'), tb = el('table'), head = el('tr'), body = el('tbody');
	box.appendChild(el('h3', {}, t(title)));
	cols.forEach(function (c) { head.appendChild(el('th', {}, t(c[0]))); });
	tb.appendChild(el('thead')).appendChild(head);
	rows.forEach(function (r) {
		var tr = el('tr');
		cols.forEach(function (c) {
			var v = r[c[1]];
			tr.appendChild(el('td', {}, c[1] === 'rate' ? rate(v) :
			    v === null || v === undefined ? '-' : String(v)));
		});
		body.appendChild(tr);
	});
	if (!rows.length) {
		var tr = el('tr');
		tr.appendChild(el('td', { colspan: cols.length }, t('No records.')));
		body.appendChild(tr);
	}
	tb.appendChild(body);
	box.appendChild(tb);
	return box;
}

/* The last day of a period that ends (not included) at to, a time in
 * China Standard Time: "2026-12-01T00:00:00+08:00" -> "2026-11-30". */
function lastDay(to) {
	var d = new Date(Date.UTC(+to.slice(0, 4), +to.slice(5, 7) - 1, +to.slice(8, 10)) - 86400000);
	return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
}

/* The statistical report of the period and the assessment table, laid
 * out for paper (app.css's print rules hide the rest). */
function showPrint() {
	var rep = REPORT, b = $('print-body'), c, r, tl, unit;
	if (!rep)
		return;
	c = rep.cases; r = rep.referrals; tl = rep.timeliness;
	b.textContent = '';
	b.appendChild(el('h1', {}, rep.county + ' ' + t('Statistical report') + ' ' + rep.period));
	unit = rep.unit || t('the whole county');
	b.appendChild(el('p', { 'class': 'meta' }, rep.from.slice(0, 10) + ' – ' +
	    lastDay(rep.to) + ' · ' + unit + (rep.category ? ' · ' + rep.category : '')));
	b.appendChild(plain('Timeliness by unit, ranked', tl.by_unit, [['Rank', 'rank'],
	    ['Unit', 'unit'], ['On time', 'on_time'], ['Late', 'late'], ['Open', 'open'],
	    ['Overdue', 'overdue'], ['Rate', 'rate']]));
	b.appendChild(plain('Cases by unit', c.by_unit, [['Unit', 'unit'], ['Opened', 'opened'],
	    ['Closed', 'closed'], ['Referred', 'referred'], ['Handled itself', 'own'],
	    ['Urgent', 'urgent']]));
	b.appendChild(plain('Cases by category', c.by_category, [['Category', 'category'],
	    ['Opened', 'opened']]));
	b.appendChild(plain('Referrals sent', r.by_sender, [['Unit', 'unit'],
	    ['Number sent', 'sent'], ['Urgent', 'urgent']]));
	b.appendChild(plain('Referrals received', r.by_receiver, [['Unit', 'unit'],
	    ['Number received', 'received'], ['Unanswered', 'unanswered'],
	    ['Accepted', 'accepted'], ['Disputed', 'disputed'], ['Closed', 'closed'],
	    ['Hours to acknowledge', 'ack_hours_median']]));
	b.appendChild(plain('Referral steps, hours', r.steps, [['Unit', 'unit'],
	    ['Acknowledged', 'acknowledged'], ['Median hours', 'acknowledged_median_hours'],
	    ['Answered', 'answered'], ['Median hours', 'answered_median_hours'],
	    ['Results', 'result'], ['Median hours', 'result_median_hours']]));
	b.appendChild(plain('Township calls by department', rep.whistles.by_department,
	    [['Unit', 'unit'], ['Number received', 'received'], ['Answered', 'answered'],
	    ['On time', 'on_time'], ['Overdue', 'overdue'], ['Rate', 'rate']]));
	b.appendChild(plain('Assistance answered', rep.assists.by_unit,
	    [['Unit', 'unit'], ['Number received', 'received'], ['Answered', 'answered'],
	    ['On time', 'on_time'], ['Overdue', 'overdue'], ['Rate', 'rate']]));
	b.appendChild(plain('Resolutions followed up', rep.meetings.followup,
	    [['Unit', 'unit'], ['Resolutions', 'resolutions'], ['Done', 'done'],
	    ['In progress', 'in_progress'], ['Not reported', 'unreported']]));
	b.appendChild(plain('Liaison by activity', rep.liaison_activity,
	    [['Unit', 'unit'], ['Contacts', 'contact'], ['Patrols', 'patrol'],
	    ['Meetings', 'meeting'], ['Trainings', 'training'], ['People trained', 'trained'],
	    ['Training hours', 'training_hours']]));
	$('overview').hidden = true;
	$('print').hidden = false;
}

/* --- the stations page (county-wide accounts) -------------------------- */

function minutes(ms) {
	return ms === null || ms === undefined ? '-' :
	    (ms / 60000).toFixed(1);
}

function showStations() {
	$('overview').hidden = true;
	$('drill').hidden = true;
	$('stations').hidden = false;
	$('stations-list').textContent = t('Loading...');
	api('/dash/api/stations').then(function (r) {
		var rows;
		$('stations-list').textContent = '';
		if (r.status !== 200) {
			$('stations-list').textContent = r.doc.error || String(r.status);
			return;
		}
		$('cert-expires').textContent = r.doc.certificate_expires || '-';
		rows = r.doc.stations.map(function (x) {
			var y = {}, k;
			for (k in x)
				y[k] = x[k];
			y.clock = minutes(x.clock_offset_ms);
			y.status_label = t(x.status);
			return y;
		});
		$('stations-list').appendChild(table('t-stations', 'Stations', rows,
		    [{ h: 'Station', k: 'station', text: 1 },
		     { h: 'Unit', k: 'unit', text: 1 }, { h: 'Role', k: 'role', text: 1 },
		     { h: 'Status', k: 'status_label', text: 1 },
		     { h: 'Last sync', k: 'last_sync', text: 1 },
		     { h: 'Events', k: 'events' }, { h: 'Backlog', k: 'backlog' },
		     { h: 'Clock offset (minutes)', k: 'clock' },
		     { h: 'Version', k: 'version', text: 1 }], null, null));
	}, function () { $('stations-list').textContent = t('The server cannot be reached.'); });
}

/* --- the period and unit filters -------------------------------------- */

function pad(n) { return (n < 10 ? '0' : '') + n; }

function defaultPeriod() {
	var m = /period=([0-9Q.-]+)/.exec(location.hash), d = new Date();
	if (m)
		return m[1];
	return d.getFullYear() + '-' + pad(d.getMonth() + 1);
}

function setPeriod(p) {
	var m;
	if ((m = /^(\d{4})-(\d{2})$/.exec(p))) {
		$('period-kind').value = 'month';
		$('period-month').value = p;
	} else if ((m = /^(\d{4})-Q(\d)$/.exec(p))) {
		$('period-kind').value = 'quarter';
		$('quarter-year').value = m[1];
		$('quarter-q').value = 'Q' + m[2];
	} else if ((m = /^(\d{4})$/.exec(p))) {
		$('period-kind').value = 'year';
		$('period-year').value = p;
	} else if ((m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(p))) {
		$('period-kind').value = 'custom';
		$('custom-from').value = m[1];
		$('custom-to').value = m[2];
	}
	periodKind();
}

function periodKind() {
	var k = $('period-kind').value;
	$('period-month').hidden = k !== 'month';
	$('period-quarter').hidden = k !== 'quarter';
	$('period-year').hidden = k !== 'year';
	$('period-custom').hidden = k !== 'custom';
}

function periodOf() {
	switch ($('period-kind').value) {
	case 'quarter': return $('quarter-year').value + '-' + $('quarter-q').value;
	case 'year': return $('period-year').value;
	case 'custom': return $('custom-from').value + '..' + $('custom-to').value;
	default: return $('period-month').value;
	}
}

/* The unit filter: the county and the units of the figures shown, or,
 * for an account held to its unit, that unit alone. */
function fillUnits(units) {
	var sel = $('unit'), keep = sel.value, i;
	sel.textContent = '';
	if (SESSION.scope !== null) {
		sel.appendChild(el('option', { value: SESSION.scope }, SESSION.scope));
		sel.disabled = true;
		return;
	}
	sel.appendChild(el('option', { value: '' }, t('the whole county')));
	for (i = 0; i < units.length; i++)
		sel.appendChild(el('option', { value: units[i] }, units[i]));
	sel.value = keep;
	if (sel.value !== keep)
		sel.value = '';
}

/* --- the overview ------------------------------------------------------ */

function query(o) {
	var q = [], k;
	for (k in o)
		if (o[k] !== null && o[k] !== undefined && o[k] !== '')
			q.push(encodeURIComponent(k) + '=' + encodeURIComponent(o[k]));
	return q.join('&');
}

function show() {
	var unit = SESSION.scope === null ? $('unit').value : '';
	PERIOD = periodOf();
	$('status').textContent = t('Loading...');
	$('drill').hidden = true;
	$('overview').hidden = false;
	$('stations').hidden = true;
	$('print').hidden = true;
	CATEGORY = $('category').value.trim();
	api('/dash/api/report?' + query({ period: PERIOD, unit: unit,
	    category: CATEGORY })).then(function (r) {
		if (r.status === 401)
			return showLogin();
		if (r.status !== 200) {
			$('status').textContent = r.doc.error || String(r.status);
			return;
		}
		$('status').textContent = '';
		REPORT = r.doc.report;
		render(REPORT);
	}, function () { $('status').textContent = t('The server cannot be reached.'); });
}

/* A number that drills down to its records. */
function figure(n, table, key, fig, rule) {
	var b;
	if (n === null || n === undefined)
		return el('span', {}, '-');
	b = el('button', { type: 'button', 'class': 'n', 'data-table': table,
	    'data-key': key || '', 'data-figure': fig || '', 'data-rule': rule || '' },
	    n);
	b.addEventListener('click', function () { drill(table, key, fig, rule); });
	return b;
}

/* A figure's name (a field of the report) as people say it. */
var FIGURES = { opened: 'Opened', closed: 'Closed', referred: 'Referred',
	own: 'Handled itself', urgent: 'Urgent', sent: 'Number sent',
	received: 'Number received', unanswered: 'Unanswered',
	acknowledged: 'Acknowledged', accepted: 'Accepted', disputed: 'Disputed',
	returned: 'Returned', logs: 'Logs', on_time: 'On time', late: 'Late',
	open: 'Open', overdue: 'Overdue', answered: 'Answered',
	result: 'Results', contact: 'Contacts', patrol: 'Patrols',
	meeting: 'Meetings', training: 'Trainings', trained: 'People trained',
	training_hours: 'Training hours',
	called: 'Calls', escalated: 'Escalated', scheduled: 'Scheduled',
	held: 'Held', resolutions: 'Resolutions', done: 'Done',
	in_progress: 'In progress', unreported: 'Not reported' };

function rate(v) { return v === null ? '-' : (v * 100).toFixed(1) + '%'; }

/* A sortable table: cols [{h: header, k: key, fig: figure or null,
 * text: 1 for a name}]; rowKey(row) the drill key. */
function table(id, title, rows, cols, tableName, rowKey) {
	var box = el('div', { id: 'box-' + id }), tb = el('table', { id: id }),
	    head = el('tr'), body = el('tbody'), order = { k: null, dir: 1 };
	box.appendChild(el('h3', {}, t(title)));
	/* This table alone, as the workbook and CSV report writes. */
	if (tableName) {
		['xlsx', 'csv'].forEach(function (f) {
			var b = el('button', { type: 'button', 'class': 'export',
			    'data-format': f }, f === 'xlsx' ? 'Excel' : 'CSV');
			b.addEventListener('click', function () {
				download({ format: f, table: tableName },
				    tableName + '-' + PERIOD + '.' + f);
			});
			box.lastChild.appendChild(document.createTextNode(' '));
			box.lastChild.appendChild(b);
		});
	}
	cols.forEach(function (c) {
		var th = el('th', { 'data-k': c.k }, t(c.h));
		th.addEventListener('click', function () {
			order.dir = order.k === c.k ? -order.dir : 1;
			order.k = c.k;
			rows = rows.slice().sort(function (a, b) {
				var x = a[c.k], y = b[c.k];
				if (x === y) return 0;
				if (x === null || x === undefined) return 1;
				if (y === null || y === undefined) return -1;
				return (x < y ? -1 : 1) * order.dir;
			});
			fill();
		});
		head.appendChild(th);
	});
	tb.appendChild(el('thead')).appendChild(head);
	tb.appendChild(body);
	function fill() {
		body.textContent = '';
		rows.forEach(function (r) {
			var tr = el('tr');
			cols.forEach(function (c) {
				var td = el('td', c.text ? { 'class': 'text' } : {});
				if (c.k === 'rate')
					td.textContent = rate(r.rate);
				else if (c.fig)
					td.appendChild(figure(r[c.k], tableName, rowKey(r), c.fig,
					    tableName === 'timeliness.by_rule' ? r.rule : null));
				else
					td.textContent = r[c.k] === null || r[c.k] === undefined ?
					    '-' : String(r[c.k]);
				tr.appendChild(td);
			});
			body.appendChild(tr);
		});
	}
	fill();
	box.appendChild(tb);
	return box;
}

function counted(k) { return { h: k[0], k: k[1], fig: k[2] || k[1] }; }

function render(rep) {
	var tabs = $('tables'), units = {}, c = rep.cases, r = rep.referrals,
	    tl = rep.timeliness;
	tabs.textContent = '';
	$('totals').textContent = '';
	[['Opened', c.total.opened, 'cases.by_unit', 'opened'],
	 ['Closed', c.total.closed, 'cases.by_unit', 'closed'],
	 ['Referred', c.total.referred, 'cases.by_unit', 'referred'],
	 ['Urgent', c.total.urgent, 'cases.by_unit', 'urgent'],
	 ['Referrals sent', r.total.sent, 'referrals.by_sender', 'sent'],
	 ['On time', tl.total.on_time, 'timeliness.by_unit', 'on_time'],
	 ['Overdue', tl.total.overdue, 'timeliness.by_unit', 'overdue']].forEach(function (x) {
		var d = el('div', { id: 'total-' + x[2] + '-' + x[3] });
		d.appendChild(el('span', {}, t(x[0])));
		d.appendChild(el('b')).appendChild(figure(x[1], x[2], null, x[3]));
		$('totals').appendChild(d);
	});
	function byUnit(row) { return row.unit; }
	tabs.appendChild(table('t-cases-unit', 'Cases by unit', c.by_unit,
	    [{ h: 'Unit', k: 'unit', text: 1 }].concat([['Opened', 'opened'],
	    ['Closed', 'closed'], ['Referred', 'referred'], ['Handled itself', 'own'],
	    ['Urgent', 'urgent']].map(counted)), 'cases.by_unit', byUnit));
	tabs.appendChild(table('t-cases-category', 'Cases by category', c.by_category,
	    [{ h: 'Category', k: 'category', text: 1 }, counted(['Opened', 'opened'])],
	    'cases.by_category', function (x) { return x.category; }));
	tabs.appendChild(table('t-cases-source', 'Cases by source', c.by_source,
	    [{ h: 'Source', k: 'source', text: 1 }, counted(['Opened', 'opened'])],
	    'cases.by_source', function (x) { return x.source; }));
	tabs.appendChild(table('t-cases-month', 'Cases by month', c.by_month,
	    [{ h: 'Month', k: 'month', text: 1 }, counted(['Opened', 'opened'])],
	    'cases.by_month', function (x) { return x.month; }));
	tabs.appendChild(table('t-referrals-sent', 'Referrals sent', r.by_sender,
	    [{ h: 'Unit', k: 'unit', text: 1 }, counted(['Number sent', 'sent']),
	    counted(['Urgent', 'urgent'])], 'referrals.by_sender', byUnit));
	tabs.appendChild(table('t-referrals-received', 'Referrals received',
	    r.by_receiver, [{ h: 'Unit', k: 'unit', text: 1 }].concat([
	    ['Number received', 'received'], ['Unanswered', 'unanswered'],
	    ['Acknowledged', 'acknowledged'], ['Accepted', 'accepted'],
	    ['Disputed', 'disputed'], ['Returned', 'returned'],
	    ['Closed', 'closed']].map(counted)).concat([{ h: 'Hours to acknowledge',
	    k: 'ack_hours_median' }]), 'referrals.by_receiver', byUnit));
	tabs.appendChild(table('t-referral-steps', 'Referral steps, hours',
	    r.steps, [{ h: 'Unit', k: 'unit', text: 1 }].concat(
	    ['acknowledged', 'answered', 'result'].reduce(function (a, k) {
		return a.concat([counted([FIGURES[k], k]),
		    { h: 'Median hours', k: k + '_median_hours' },
		    { h: '90th percentile hours', k: k + '_p90_hours' }]);
	    }, [])), 'referrals.steps', byUnit));
	tabs.appendChild(table('t-liaison', 'Liaison logs', rep.liaison,
	    [{ h: 'Unit', k: 'unit', text: 1 }, counted(['Logs', 'logs'])],
	    'liaison', byUnit));
	tabs.appendChild(table('t-liaison-activity', 'Liaison by activity',
	    rep.liaison_activity, [{ h: 'Unit', k: 'unit', text: 1 }].concat(
	    ['contact', 'patrol', 'meeting', 'training', 'trained', 'training_hours'].map(function (k) {
		return counted([FIGURES[k], k]);
	    })), 'liaison_activity', byUnit));
	tabs.appendChild(table('t-whistle-callers', 'Township calls by caller',
	    rep.whistles.by_caller, [{ h: 'Unit', k: 'unit', text: 1 },
	    counted(['Calls', 'called']), counted(['Escalated', 'escalated'])],
	    'whistles.by_caller', byUnit));
	function answeredCols() {
		return [{ h: 'Unit', k: 'unit', text: 1 }].concat(['received',
		    'answered', 'on_time', 'late', 'overdue'].map(function (k) {
			return counted([FIGURES[k], k]);
		    })).concat([{ h: 'Rate', k: 'rate' },
		    { h: 'Median hours', k: 'answer_median_hours' },
		    { h: '90th percentile hours', k: 'answer_p90_hours' }]);
	}
	tabs.appendChild(table('t-whistle-departments', 'Township calls by department',
	    rep.whistles.by_department, answeredCols(), 'whistles.by_department',
	    byUnit));
	tabs.appendChild(table('t-assists', 'Assistance answered',
	    rep.assists.by_unit, answeredCols(), 'assists.by_unit', byUnit));
	tabs.appendChild(table('t-meetings', 'Joint meetings', rep.meetings.by_unit,
	    [{ h: 'Unit', k: 'unit', text: 1 }].concat(['scheduled', 'held',
	    'resolutions'].map(function (k) { return counted([FIGURES[k], k]); })),
	    'meetings.by_unit', byUnit));
	tabs.appendChild(table('t-followup', 'Resolutions followed up',
	    rep.meetings.followup, [{ h: 'Unit', k: 'unit', text: 1 }].concat(
	    ['resolutions', 'done', 'in_progress', 'unreported'].map(function (k) {
		return counted([FIGURES[k], k]);
	    })), 'meetings.followup', byUnit));
	tabs.appendChild(table('t-ranking', 'Timeliness by unit, ranked', tl.by_unit,
	    [{ h: 'Rank', k: 'rank' }, { h: 'Unit', k: 'unit', text: 1 }].concat([
	    ['On time', 'on_time'], ['Late', 'late'], ['Open', 'open'],
	    ['Overdue', 'overdue']].map(counted)).concat([{ h: 'Rate', k: 'rate' }]),
	    'timeliness.by_unit', byUnit));
	tabs.appendChild(table('t-rules', 'Timeliness by unit and rule', tl.by_rule,
	    [{ h: 'Unit', k: 'unit', text: 1 }, { h: 'Rule', k: 'rule', text: 1 }].concat([
	    ['On time', 'on_time'], ['Late', 'late'], ['Open', 'open'],
	    ['Overdue', 'overdue']].map(counted)).concat([{ h: 'Rate', k: 'rate' }]),
	    'timeliness.by_rule', byUnit));
	[c.by_unit, r.by_sender, r.by_receiver, tl.by_unit].forEach(function (rows) {
		rows.forEach(function (x) { units[x.unit] = 1; });
	});
	fillUnits(Object.keys(units).sort());
	if (!CATEGORY) {
		$('categories').textContent = '';
		c.by_category.forEach(function (x) {
			$('categories').appendChild(el('option', { value: x.category }));
		});
	}
	drawCharts(rep);
}

/* --- the charts (ECharts, canvas) -------------------------------------- */

function drawCharts(rep) {
	var c = rep.cases, tl = rep.timeliness;
	if (typeof echarts === 'undefined')
		return;
	charts.forEach(function (ch) { ch.dispose(); });
	charts = [];
	function chart(id, option, table, key) {
		var ch = echarts.init($(id), null, { renderer: 'canvas' });
		ch.setOption(option);
		ch.on('click', function (p) {
			drill(table, key(p), FIGURES[p.seriesId] ? p.seriesId : null, null);
		});
		charts.push(ch);
	}
	chart('chart-units', {
		title: { text: t('Cases by unit'), textStyle: { fontSize: 14 } },
		tooltip: {}, animation: false,
		xAxis: { type: 'category', data: c.by_unit.map(function (x) { return x.unit; }) },
		yAxis: { type: 'value', minInterval: 1 },
		series: [{ id: 'opened', name: t('Opened'), type: 'bar',
		    data: c.by_unit.map(function (x) { return x.opened; }) }]
	}, 'cases.by_unit', function (p) { return p.name; });
	chart('chart-months', {
		title: { text: t('Cases by month'), textStyle: { fontSize: 14 } },
		tooltip: {}, animation: false,
		xAxis: { type: 'category', data: c.by_month.map(function (x) { return x.month; }) },
		yAxis: { type: 'value', minInterval: 1 },
		series: [{ id: 'opened', name: t('Opened'), type: 'line',
		    data: c.by_month.map(function (x) { return x.opened; }) }]
	}, 'cases.by_month', function (p) { return p.name; });
	chart('chart-referrals', {
		title: { text: t('Referrals received'), textStyle: { fontSize: 14 } },
		tooltip: {}, legend: { top: 24 }, animation: false, grid: { top: 70 },
		xAxis: { type: 'category', data: rep.referrals.by_receiver.map(function (x) {
			return x.unit; }) },
		yAxis: { type: 'value', minInterval: 1 },
		series: [['unanswered', 'Unanswered'], ['acknowledged', 'Acknowledged'],
		    ['accepted', 'Accepted'], ['disputed', 'Disputed'], ['returned', 'Returned'],
		    ['closed', 'Closed']].map(function (f) {
			return { id: f[0], name: t(f[1]), type: 'bar', stack: 'all',
			    data: rep.referrals.by_receiver.map(function (x) { return x[f[0]]; }) };
		})
	}, 'referrals.by_receiver', function (p) { return p.name; });
	/* The ranking: each unit's rate, best first, as the table ranks them. */
	chart('chart-rates', {
		title: { text: t('Timeliness by unit, ranked'), textStyle: { fontSize: 14 } },
		tooltip: {}, animation: false,
		xAxis: { type: 'category', data: tl.by_unit.map(function (x) { return x.unit; }) },
		yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
		series: [{ id: 'rate', name: t('Rate'), type: 'bar',
		    data: tl.by_unit.map(function (x) {
			return x.rate === null ? null : Math.round(x.rate * 1000) / 10; }) }]
	}, 'timeliness.by_unit', function (p) { return p.name; });
	chart('chart-timeliness', {
		title: { text: t('Timeliness'), left: 'center', textStyle: { fontSize: 14 } },
		tooltip: {}, legend: { top: 28 }, animation: false,
		grid: { top: 70 },
		xAxis: { type: 'category', data: tl.by_unit.map(function (x) { return x.unit; }) },
		yAxis: { type: 'value', minInterval: 1 },
		series: [['on_time', 'On time'], ['late', 'Late'], ['open', 'Open'],
		    ['overdue', 'Overdue']].map(function (f) {
			return { id: f[0], name: t(f[1]), type: 'bar', stack: 'all',
			    data: tl.by_unit.map(function (x) { return x[f[0]]; }) };
		})
	}, 'timeliness.by_unit', function (p) { return p.name; });
}

/* --- drill-down and a record's timeline -------------------------------- */

function drill(tableName, key, fig, rule) {
	var unit = SESSION.scope === null ? $('unit').value : '';
	$('overview').hidden = true;
	$('drill').hidden = false;
	$('drill-list').textContent = t('Loading...');
	$('record').textContent = '';
	$('drill-what').textContent = [PERIOD, key, rule, fig ? t(FIGURES[fig] || fig) :
	    null].filter(function (x) { return x; }).join(' · ');
	api('/dash/api/records?' + query({ period: PERIOD, unit: unit,
	    category: CATEGORY, table: tableName, key: key, rule: rule,
	    figure: fig })).then(function (r) {
		var box = $('drill-list'), tb, head;
		box.textContent = '';
		if (r.status !== 200) {
			box.textContent = r.doc.error || String(r.status);
			return;
		}
		if (r.doc.records.length === 0) {
			box.appendChild(el('p', {}, t('No records.')));
			return;
		}
		tb = el('table', { id: 'drill-table' });
		head = el('tr');
		['Record', 'Type', 'Unit', 'Category', 'Status', 'Discovered'].forEach(function (h) {
			head.appendChild(el('th', {}, t(h)));
		});
		tb.appendChild(head);
		r.doc.records.forEach(function (x) {
			var tr = el('tr', { 'data-entity': x.entity }), a = el('button',
			    { type: 'button', 'class': 'n' }, x.entity);
			a.addEventListener('click', function () { record(x.entity); });
			tr.appendChild(el('td')).appendChild(a);
			tr.appendChild(el('td', { 'class': 'text' }, x.type_label || x.type));
			tr.appendChild(el('td', { 'class': 'text' }, x.unit));
			tr.appendChild(el('td', { 'class': 'text' }, x.category || ''));
			tr.appendChild(el('td', { 'class': 'text' }, x.status_label || x.status));
			tr.appendChild(el('td', { 'class': 'text' }, x.discovered_at || x.sent_at || ''));
			tb.appendChild(tr);
		});
		box.appendChild(tb);
		if (r.doc.more)
			box.appendChild(el('p', { 'class': 'hint' }, r.doc.total + ' ' +
			    t('more records than shown')));
	});
}

function record(id) {
	api('/dash/api/record/' + encodeURIComponent(id)).then(function (r) {
		var box = $('record'), tb, head, d;
		box.textContent = '';
		if (r.status !== 200) {
			box.textContent = r.doc.error || String(r.status);
			return;
		}
		d = r.doc.record;
		box.appendChild(el('h3', { id: 'record-title' }, id + ' ' +
		    (d.matter || d.category || '')));
		box.appendChild(el('p', {}, t('Unit') + ': ' + (d.unit || '') + ' · ' +
		    t('Status') + ': ' + (r.doc.status_label || d.status || '')));
		if (d.description)
			box.appendChild(el('p', { 'class': 'text' }, d.description));
		box.appendChild(el('h4', {}, t('Timeline')));
		tb = el('table', { id: 'timeline' });
		head = el('tr');
		['When', 'What', 'By'].forEach(function (h) { head.appendChild(el('th', {}, t(h))); });
		tb.appendChild(head);
		r.doc.timeline.forEach(function (e) {
			var tr = el('tr');
			tr.appendChild(el('td', { 'class': 'text' }, e.at));
			tr.appendChild(el('td', { 'class': 'text' }, e.kind_label));
			tr.appendChild(el('td', { 'class': 'text' }, e.unit + ' ' + e.author));
			tb.appendChild(tr);
		});
		box.appendChild(tb);
	});
}

/* --- start -------------------------------------------------------------- */

function login(ev) {
	ev.preventDefault();
	$('login-error').textContent = '';
	api('/dash/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
	    body: JSON.stringify({ account: $('account').value,
	    password: $('password').value }) }).then(function (r) {
		$('password').value = '';
		if (r.status === 200)
			return started(r.doc);
		$('login-error').textContent = r.doc.error || String(r.status);
	}, function () { $('login-error').textContent = t('The server cannot be reached.'); });
}

function logout() {
	api('/dash/logout', { method: 'POST' }).then(function () {
		CSRF = '';
		SESSION = null;
		showLogin();
	});
}

document.addEventListener('DOMContentLoaded', function () {
	$('login-form').addEventListener('submit', login);
	$('logout').addEventListener('click', logout);
	$('filters').addEventListener('submit', function (ev) { ev.preventDefault(); show(); });
	$('period-kind').addEventListener('change', periodKind);
	$('show-stations').addEventListener('click', showStations);
	$('export-xlsx').addEventListener('click', function () {
		download({ format: 'xlsx' }, 'report-' + PERIOD + '.xlsx');
	});
	$('export-csv').addEventListener('click', function () {
		download({ format: 'csv' }, 'report-' + PERIOD + '.csv');
	});
	$('export-publication').addEventListener('click', function () {
		download({ format: 'xlsx', what: 'publication' }, 'publication-' + PERIOD + '.xlsx');
	});
	$('show-print').addEventListener('click', showPrint);
	$('print-now').addEventListener('click', function () { window.print(); });
	$('print-back').addEventListener('click', function () {
		$('print').hidden = true;
		$('overview').hidden = false;
		charts.forEach(function (ch) { ch.resize(); });
	});
	$('stations-back').addEventListener('click', function () {
		$('stations').hidden = true;
		$('overview').hidden = false;
		charts.forEach(function (ch) { ch.resize(); });
	});
	$('drill-back').addEventListener('click', function () {
		$('drill').hidden = true;
		$('overview').hidden = false;
		charts.forEach(function (ch) { ch.resize(); });
	});
	setPeriod(defaultPeriod());
	api('/dash/strings').then(function (r) {
		S = r.doc.strings || {};
		document.documentElement.lang = r.doc.lang || 'zh-CN';
		translate();
		return api('/dash/api/session');
	}).then(function (r) {
		if (r.status === 200)
			started(r.doc);
		else
			showLogin();
	}, function () { showLogin(); });
});
