/*
 * app.js - the station console's pages, a thin client of the local JSON
 * API (docs/console-api.md). Routes: #/ the workbench (工作台), #/cases
 * the case list, #/case/ID a case and its timeline, #/open the form that
 * opens a case, #/alerts the alerts, #/r/NOUN a type's list, #/r/NOUN/ID
 * a record, #/do/NOUN/VERB[/ID] a command's form, #/print/NOUN/ID a
 * record to print. Text comes translated from /api/strings (gettext, in the
 * agent's locale); what users typed is only ever set as text, never as
 * markup.
 */
'use strict';

var S = {};          /* translated page strings, by their English text */
var LANG = 'en';     /* the language of the strings, asked of the API too */
var CSRF = '';
var TYPES = {};     /* record types: {letter, label, statuses} */
var KINDS = {};     /* event kinds: their labels, in the page's language */

function T(s) { return S[s] || s; }
function colon() { return LANG === 'zh-CN' ? '：' : ': '; }

/* h('td', {class: 'x'}, 'text', child...) */
function h(tag, attrs) {
	var e = document.createElement(tag), i, k, c;
	for (k in attrs || {})
		if (attrs[k] !== null && attrs[k] !== undefined)
			e.setAttribute(k, attrs[k]);
	for (i = 2; i < arguments.length; i++) {
		c = arguments[i];
		if (c === null || c === undefined)
			continue;
		e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
	}
	return e;
}

/* Each route() draws a page anew: an answer asked for by an earlier one
 * is dropped, so that a late one never draws over the page shown. */
var GEN = 0;

function api(path, opts) {
	var gen = GEN;
	opts = opts || {};
	var headers = { 'Accept-Language': LANG, 'X-CSRF-Token': CSRF };
	if (opts.body !== undefined)
		headers['Content-Type'] = 'application/json';
	return fetch(path, {
		method: opts.body !== undefined ? 'POST' : 'GET',
		headers: headers,
		body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
		credentials: 'same-origin'
	}).then(function (r) {
		return r.json().then(function (d) {
			if (gen !== GEN)
				return new Promise(function () {});
			return { status: r.status, doc: d };
		});
	});
}

/* A canonical time ("2026-11-20T01:30:00Z" and the like) in China
 * Standard Time, "2026-11-20 09:30". */
function cst(t) {
	if (t === null || t === undefined || t === '')
		return '-';
	var d = new Date(typeof t === 'number' ? t : t);
	if (isNaN(d.getTime()))
		return String(t);
	var z = new Date(d.getTime() + 8 * 3600 * 1000).toISOString();
	return z.slice(0, 10) + ' ' + z.slice(11, 16);
}

/* The first array of a list command's document ("cases", "referrals"...). */
function firstList(doc) {
	var k;
	for (k in doc)
		if (Array.isArray(doc[k]))
			return doc[k];
	return [];
}

/* Lists show PAGE rows at a time; the hash's offset says which. */
var PAGE = 100;

/* Links to the pages either side of the one at q.offset of a list drawn
 * at route (#/cases, #/r/NOUN), with q's filters; more: a next page is
 * there. */
function pager(route, q, more) {
	var off = Number(q.offset) || 0, bar = h('p', { class: 'pager' });

	function link(o, id, text) {
		var p = new URLSearchParams(), k;
		for (k in q)
			if (q[k] && k !== 'offset')
				p.set(k, q[k]);
		if (o > 0)
			p.set('offset', o);
		return h('a', { href: route + '?' + p.toString(), id: id, class: 'button' }, text);
	}
	if (off > 0)
		bar.appendChild(link(Math.max(0, off - PAGE), 'page-prev', T('Previous page')));
	if (off > 0 && more)
		bar.appendChild(document.createTextNode(' '));
	if (more)
		bar.appendChild(link(off + PAGE, 'page-next', T('Next page')));
	return off > 0 || more ? bar : null;
}

function main() { return document.getElementById('main'); }

function show(title) {
	var m = main(), i;
	while (m.firstChild)
		m.removeChild(m.firstChild);
	m.appendChild(h('h2', null, title));
	for (i = 1; i < arguments.length; i++)
		if (arguments[i])
			m.appendChild(arguments[i]);
	document.title = title + ' - ' + T('Liandong station console');
	return m;
}

function fail(r) {
	show(T('Liandong station console'),
	    h('p', { class: 'error', role: 'alert' }, (r.doc && r.doc.error) || String(r)));
}

/* The last sync and the events not yet at the county server, in the
 * header of every page. */
function syncLine() {
	api('/api/status').then(function (r) {
		if (r.status !== 200)
			return;
		var p = document.getElementById('sync');
		p.textContent = T('Last sync:') + ' ' +
		    (r.doc.last_sync ? cst(r.doc.last_sync) : T('never')) + '  ' +
		    T('Events not yet at the county server:') + ' ' + r.doc.pending;
	});
}

/* The 同步 button: POST /api/sync starts `liandong sync`, GET /api/sync
 * says how it goes, asked every second while it runs. */
var syncTimer = null;
var syncSeen = null; /* when the last sync the page has shown ended */
function syncState(doc) {
	var p = document.getElementById('sync-state'), b = document.getElementById('sync-now');
	if (!p || !b)
		return;
	if (syncSeen === null)
		syncSeen = doc.state === 'running' ? -1 : doc.finished;
	b.disabled = doc.state === 'running';
	b.setAttribute('aria-busy', doc.state === 'running' ? 'true' : 'false');
	p.className = 'sync-' + doc.state;
	if (doc.state === 'running')
		p.textContent = T('Syncing with the county server...');
	else if (doc.state === 'done')
		p.textContent = T('Sync done:') + ' ' + T('events sent') + ' ' + doc.result.pushed + ', ' +
		    T('events received') + ' ' + doc.result.pulled;
	else if (doc.state === 'failed')
		p.textContent = T('Sync failed:') + ' ' + (doc.error || '');
	else
		p.textContent = '';
	if (doc.state === 'running') {
		if (syncTimer === null)
			syncTimer = setTimeout(function () {
				syncTimer = null;
				api('/api/sync').then(function (r) { syncState(r.doc); });
			}, 1000);
	} else if (doc.finished !== syncSeen) {
		/* A sync ended since the page last looked: what it brought. */
		syncLine();
		alertsBadge();
		if ((location.hash || '#/') === '#/')
			workbench();
	}
	if (doc.state !== 'running')
		syncSeen = doc.finished;
}

function syncNow() {
	api('/api/sync', { body: {} }).then(function (r) { syncState(r.doc); });
}

/* The alerts badge in the header: how many are unread. */
function alertsBadge() {
	api('/api/alerts').then(function (r) {
		var b = document.getElementById('alerts-count');
		if (r.status !== 200 || !b)
			return;
		var unread = r.doc.alerts.filter(function (a) { return !a.read; }).length;
		b.textContent = unread > 0 ? String(unread) : '';
		b.className = unread > 0 ? 'badge' : 'badge none';
		b.setAttribute('aria-label', unread + ' ' + T('unread alerts'));
	});
}

function statusText(s, label) {
	return label || s;
}

/* The type of a record id by its letter ("R-lyx01-3": referral). */
function typeOf(id) {
	var k;
	if (!id || id.charAt(1) !== '-')
		return null;
	for (k in TYPES)
		if (TYPES[k].letter === id.charAt(0))
			return k;
	return null;
}

function recordLink(id) {
	var t = typeOf(id);
	if (!t)
		return id;
	return h('a', { href: t === 'case' ? '#/case/' + id : '#/r/' + t + '/' + id }, id);
}

/* The records addressed to this unit not answered yet: referrals,
 * township calls and assistance requests, urgent ones first. */
var WAITING = { referral: ['sent', 'acknowledged'], whistle: ['called', 'escalated'],
    assist: ['requested'] };

function incoming() {
	return Promise.all(Object.keys(WAITING).map(function (noun) {
		return api('/api/run/' + noun + '/list?incoming=1').then(function (r) {
			var list = r.status === 200 ? firstList(r.doc) : [];
			return list.filter(function (x) {
				return WAITING[noun].indexOf(x.status) >= 0;
			}).map(function (x) { x._noun = noun; return x; });
		});
	})).then(function (lists) {
		var all = [].concat.apply([], lists);
		all.sort(function (a, b) {
			return (b.urgent ? 1 : 0) - (a.urgent ? 1 : 0) ||
			    String(a.sent_at || a.at || '').localeCompare(String(b.sent_at || b.at || ''));
		});
		return all;
	});
}

/* 工作台: incoming records on top, what this unit owes soonest first
 * (overdue in red), the sync, conflicts. */
function workbench() {
	Promise.all([incoming(), api('/api/due'), api('/api/conflicts'), api('/api/sync')])
	    .then(function (rs) {
		var inc = rs[0], r = rs[1], cf = rs[2];
		if (r.status !== 200)
			return fail(r);
		var itb = h('tbody', { id: 'incoming-rows' }), owed = {};
		/* What this unit owes on each, soonest first (due). */
		r.doc.obligations.forEach(function (o) {
			if (o.due && (!owed[o.record] || Date.parse(o.due) < Date.parse(owed[o.record])))
				owed[o.record] = o.due;
		});
		inc.forEach(function (x) {
			itb.appendChild(h('tr', { class: x.urgent ? 'urgent-row' : null },
			    h('td', null, recordLink(x.entity),
				x.urgent ? h('span', { class: 'urgent' }, ' ! ' + T('Urgent')) : null),
			    h('td', null, TYPES[x._noun] ? TYPES[x._noun].label : x._noun),
			    h('td', null, x.unit || ''),
			    h('td', null, x.matter || x.category || x.subject || x.text || ''),
			    h('td', null, x.status_label || x.status),
			    h('td', { class: 'due-at' }, owed[x.entity] ? cst(owed[x.entity]) : '-')));
		});
		var obs = r.doc.obligations, tb = h('tbody', { id: 'due-rows' }), i, o;
		for (i = 0; i < obs.length; i++) {
			o = obs[i];
			tb.appendChild(h('tr', { class: o.overdue ? 'overdue' : 'due' },
			    h('td', null, o.due ? cst(o.due) : T('no due time'),
				o.overdue ? ' ' + T('Overdue') : null),
			    h('td', null, o.obligation_label || o.obligation),
			    h('td', null, o.owed_by),
			    h('td', null, recordLink(o.record))));
		}
		var conflicts = cf.status === 200 ? cf.doc.conflicts : [], ctb = h('tbody', { id: 'conflict-rows' });
		conflicts.forEach(function (c) {
			ctb.appendChild(h('tr', null, h('td', null, recordLink(c.record)),
			    h('td', null, KINDS[c.kind] || c.kind), h('td', null, c.author || ''), h('td', null, c.text)));
		});
		var syncBox = h('section', { id: 'sync-box', 'aria-labelledby': 'sync-h' },
		    h('h3', { id: 'sync-h' }, T('Sync')),
		    h('button', { type: 'button', id: 'sync-now' }, T('Sync now')),
		    h('p', { id: 'sync-state', role: 'status', 'aria-live': 'polite' }));
		syncBox.querySelector('#sync-now').addEventListener('click', syncNow);
		show(T('Workbench'),
		    h('h3', null, T('Waiting for this unit')),
		    inc.length === 0 ? h('p', { id: 'incoming-none' }, T('Nothing is waiting.')) :
		    h('table', { id: 'incoming' }, h('thead', null, h('tr', null,
			h('th', null, T('Record')), h('th', null, T('Type')), h('th', null, T('Sent by')),
			h('th', null, T('Matter')), h('th', null, T('Status')), h('th', null, T('Due')))), itb),
		    h('h3', null, T('What this unit owes, soonest first')),
		    obs.length === 0 ? h('p', { id: 'due-none' }, T('Nothing is owed.')) :
		    h('table', { id: 'due' }, h('thead', null, h('tr', null,
			h('th', null, T('Due')), h('th', null, T('Obligation')),
			h('th', null, T('Owed by')), h('th', null, T('Record')))), tb),
		    syncBox,
		    h('h3', null, T('Conflicts to look at')),
		    conflicts.length === 0 ? h('p', { id: 'conflicts-none' }, T('No conflicts.')) :
		    h('table', { id: 'conflicts' }, h('thead', null, h('tr', null,
			h('th', null, T('Record')), h('th', null, T('Step')), h('th', null, T('Officer')),
			h('th', null, T('Why')))), ctb));
		syncLine();
		syncState(rs[3].doc);
	});
}

/* The alerts, newest first, and "mark read". */
function alertsPage() {
	api('/api/alerts').then(function (r) {
		if (r.status !== 200)
			return fail(r);
		var ol = h('ul', { id: 'alert-list' });
		r.doc.alerts.forEach(function (a) {
			ol.appendChild(h('li', { class: (a.read ? 'read' : 'unread') + (a.urgent ? ' urgent' : '') },
			    cst(a.at), ' ', recordLink(a.record), ' ', h('strong', null, a.title), ' ', a.text));
		});
		var b = h('button', { type: 'button', id: 'alerts-read' }, T('Mark all read'));
		b.addEventListener('click', function () {
			api('/api/alerts/read', { body: {} }).then(function () {
				alertsBadge();
				alertsPage();
			});
		});
		show(T('Alerts'), r.doc.alerts.length === 0 ? h('p', { id: 'alerts-none' }, T('No alerts.')) : ol,
		    r.doc.alerts.length ? b : null);
	});
}

function query(hash) {
	var q = {}, i = hash.indexOf('?');
	if (i >= 0)
		new URLSearchParams(hash.slice(i + 1)).forEach(function (v, k) { q[k] = v; });
	return q;
}

/* The case list, with search and the status filter. */
function cases(q) {
	var params = new URLSearchParams(), k;
	for (k in q)
		if (q[k])
			params.set(k, q[k]);
	params.set('limit', PAGE + 1);
	api('/api/cases?' + params.toString()).then(function (r) {
		var search = h('input', { type: 'search', id: 'search', name: 'search',
		    value: q.search || '', 'aria-label': T('Search') });
		var status = h('select', { id: 'status', name: 'status', 'aria-label': T('Status') },
		    h('option', { value: '' }, T('All')),
		    h('option', { value: 'open' }, T('In progress')),
		    h('option', { value: 'closed' }, T('Closed')));
		status.value = q.status || '';
		var category = h('input', { type: 'text', id: 'category', name: 'category', size: 10,
		    value: q.category || '', placeholder: T('Category'), 'aria-label': T('Category') });
		var since = h('input', { type: 'text', id: 'since', name: 'since', size: 10,
		    value: q.since || '', placeholder: 'YYYY-MM-DD', 'aria-label': T('Discovered from') });
		var until = h('input', { type: 'text', id: 'until', name: 'until', size: 10,
		    value: q.until || '', placeholder: 'YYYY-MM-DD', 'aria-label': T('Discovered before') });
		var f = h('form', { id: 'case-search', role: 'search' }, search, ' ', status, ' ',
		    category, ' ', since, ' - ', until, ' ',
		    h('button', { type: 'submit' }, T('Search')));
		f.addEventListener('submit', function (ev) {
			ev.preventDefault();
			var p = new URLSearchParams();
			[search, status, category, since, until].forEach(function (e) {
				if (e.value.trim())
					p.set(e.name, e.value.trim());
			});
			location.hash = '#/cases?' + p.toString();
		});
		if (r.status !== 200) {
			show(T('Cases'), f, h('p', { class: 'error', role: 'alert' }, r.doc.error));
			return;
		}
		var list = r.doc.cases.slice(0, PAGE), tb = h('tbody', { id: 'case-rows' }), i, c;
		for (i = 0; i < list.length; i++) {
			c = list[i];
			tb.appendChild(h('tr', null,
			    h('td', null, h('a', { href: '#/case/' + c.entity }, c.entity),
				c.urgent ? h('span', { class: 'urgent' }, ' ! ' + T('Urgent')) : null),
			    h('td', null, statusText(c.status, c.status_label)),
			    h('td', null, cst(c.discovered_at)),
			    h('td', null, c.category),
			    h('td', null, c.location),
			    h('td', null, c.matter || c.description)));
		}
		show(T('Cases'), f, list.length === 0 ? h('p', null, T('No cases.')) :
		    h('table', { id: 'cases' }, h('thead', null, h('tr', null,
			h('th', null, 'ID'), h('th', null, T('Status')),
			h('th', null, T('Discovered')), h('th', null, T('Category')),
			h('th', null, T('Location')), h('th', null, T('Matter')))), tb),
		    pager('#/cases', q, r.doc.cases.length > PAGE));
	});
}

/* The labels of the fields the command line never asks for. */
function fieldLabels() {
	return { parties: T('Parties'), matter: T('Matter'), urgent: T('Urgent'),
	    evidence: T('Evidence'), handling: T('Handling'), handling_reason: T('Why') };
}

/* A case: its fields, labelled as the form that opens one labels them,
 * and its timeline. */
function caseShow(id) {
	Promise.all([api('/api/cases/' + encodeURIComponent(id)), api('/api/forms/case.opened')])
	    .then(function (rs) {
		var r = rs[0];
		if (r.status !== 200)
			return fail(r);
		var c = r.doc['case'], dl = h('dl', { id: 'case-fields' });
		var labels = fieldLabels(), fields = rs[1].status === 200 ? rs[1].doc.fields : [];
		labels.discovered_at = T('Discovered');
		function row(label, v) {
			if (v === undefined || v === null || v === '')
				return;
			dl.appendChild(h('dt', null, label));
			dl.appendChild(h('dd', null, v));
		}
		row(T('Status'), statusText(c.status, c.status_label));
		fields.forEach(function (f) {
			var v = c[f.field], shown = v;
			if (v === undefined || v === null)
				return;
			if (f.type === 'bool')
				shown = v ? T('yes') : T('no');
			else if (f.type === 'list')
				shown = v.join('、');
			else if (f.type === 'time')
				shown = cst(v);
			else if (f.type === 'enum')
				f.values.forEach(function (e) { if (e.name === v) shown = e.label; });
			row(labels[f.field] || f.label, shown);
		});
		row(T('Unit'), c.unit);
		/* Whether it is overdue is the 工作台's to say (due). */
		if (c.refer_due && c.refer_due.due)
			row(T('Refer by'), cst(c.refer_due.due));
		show(id, actionsBar('case', id, CASE_STEPS), dl, attachmentsSection(id),
		    h('h3', null, T('Timeline')), timelineOf(r.doc.events));
	});
}

/* The form that opens a case: its fields as `liandong case open` takes
 * them (/api/forms/case.opened), each error next to its field. */
function openForm() {
	api('/api/forms/case.opened').then(function (r) {
		if (r.status !== 200)
			return fail(r);
		var fields = r.doc.fields, form = h('form', { id: 'open-case', class: 'fields', novalidate: '' });
		var labels = fieldLabels();
		var general = h('p', { id: 'form-error', class: 'error', role: 'alert' });
		form.appendChild(general);
		fields.forEach(function (f) {
			var id = 'f-' + f.field, input, label;
			if (f.type === 'enum') {
				input = h('select', { id: id, name: f.field });
				input.appendChild(h('option', { value: '' }, ''));
				f.values.forEach(function (v) {
					input.appendChild(h('option', { value: v.name }, v.label));
				});
			} else if (f.type === 'textarea' || f.type === 'list') {
				input = h('textarea', { id: id, name: f.field });
			} else if (f.type === 'bool') {
				input = h('input', { type: 'checkbox', id: id, name: f.field });
			} else {
				input = h('input', { type: 'text', id: id, name: f.field,
				    placeholder: f.type === 'time' ? 'YYYY-MM-DD HH:MM' : null,
				    maxlength: f.max || null });
			}
			input.setAttribute('aria-describedby', 'err-' + f.field);
			if (f.required)
				input.setAttribute('aria-required', 'true');
			label = h('label', { for: id }, labels[f.field] || f.label, f.required ? ' *' : null, ' ',
			    h('span', { class: 'help' }, f.help,
				f.type === 'list' ? ' (' + T('one per line') + ')' : null));
			form.appendChild(label);
			form.appendChild(input);
			form.appendChild(h('span', { id: 'err-' + f.field, class: 'field-error',
			    'aria-live': 'polite' }));
		});
		form.appendChild(h('button', { type: 'submit', id: 'save' }, T('Save')));
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			var body = {};
			fields.forEach(function (f) {
				var e = document.getElementById('f-' + f.field);
				document.getElementById('err-' + f.field).textContent = '';
				e.removeAttribute('aria-invalid');
				if (f.type === 'bool') {
					if (e.checked)
						body[f.field] = true;
				} else if (f.type === 'list') {
					var items = e.value.split('\n').map(function (s) { return s.trim(); })
					    .filter(function (s) { return s !== ''; });
					if (items.length)
						body[f.field] = items;
				} else if (e.value.trim() !== '') {
					body[f.field] = e.value.trim();
				}
			});
			general.textContent = '';
			api('/api/cases', { body: body }).then(function (res) {
				if (res.status === 201) {
					location.hash = '#/case/' + res.doc.id;
					return;
				}
				showError(general, res.doc);
			});
		});
		show(T('Open a case'), form);
	});
}

/* A command's error (doc, its {"error", "field"}) next to the field it
 * names, focused, or in general when it names none. */
function showError(general, doc) {
	var f = doc.field && document.getElementById('f-' + doc.field);

	if (!f) {
		general.textContent = doc.error;
		return;
	}
	document.getElementById('err-' + doc.field).textContent = doc.error;
	f.setAttribute('aria-invalid', 'true');
	general.textContent = T('Please correct the field marked below.');
	f.focus();
}

/*
 * The record pages, one table for every type: its list (with the list
 * command's own filters), the command that makes one, and the steps on
 * one, each a form built from what the command takes
 * (/api/commands/NOUN/VERB) and run by it (/api/run/NOUN/VERB), its
 * errors next to the option they name. A case's own page (caseShow)
 * offers the case's steps and the referral.
 */
var RECORDS = [
	{ noun: 'complaint', create: 'record', steps: ['refer', 'notify', 'reply'] },
	{ noun: 'referral', steps: ['receive', 'acknowledge', 'arrive', 'accept', 'dispute',
	    'escalate', 'decide', 'withdraw', 'return', 'result'], print: true },
	{ noun: 'assist', create: 'request', steps: ['receive', 'answer', 'extend'] },
	{ noun: 'whistle', create: 'call', steps: ['receive', 'answer', 'escalate'] },
	{ noun: 'meeting', create: 'schedule', steps: ['topic', 'minutes', 'resolution', 'followup'],
	    print: true },
	{ noun: 'share', create: 'record', steps: ['send', 'extend'] },
	{ noun: 'supervision', create: 'send', steps: ['receive', 'reply'] },
	{ noun: 'operation', create: 'plan', steps: ['answer', 'police', 'result', 'cancel'] },
	{ noun: 'liaison', create: 'log', steps: [], noShow: true },
	{ noun: 'person', create: 'add', steps: ['update', 'leave', 'train'] }
];
var CASE_STEPS = ['case/update', 'case/decide', 'case/close', 'referral/send', 'referral/extend'];

/* What the buttons say, by NOUN/VERB or VERB. */
function verbLabel(noun, verb) {
	var L = {
		'referral/send': T('Refer the case'), 'referral/extend': T('Extend the time to refer'),
		'case/update': T('Update'), 'case/decide': T('Decide how to handle'), 'case/close': T('Close'),
		'complaint/refer': T('Refer to a unit'), 'complaint/notify': T('Notify'),
		'complaint/reply': T('Reply'), 'receive': T('Received on paper'),
		'acknowledge': T('Acknowledge'), 'arrive': T('Arrived at the scene'),
		'accept': T('Accept'), 'dispute': T('Dispute'), 'escalate': T('Escalate'),
		'decide': T('Decide'), 'withdraw': T('Withdraw'), 'return': T('Return'),
		'result': T('Report the result'), 'answer': T('Answer'), 'extend': T('Extend the deadline'),
		'topic': T('Add a topic'), 'minutes': T('Record the minutes'),
		'resolution': T('Add a resolution'), 'followup': T('Follow up a resolution'),
		'share/send': T('Send'), 'supervision/reply': T('Reply'), 'police': T('Police notified'),
		'cancel': T('Cancel'), 'person/update': T('Update'), 'leave': T('Left the unit'),
		'train': T('Training')
	};
	return L[noun + '/' + verb] || L[verb] || verb;
}

function typeLabel(noun) {
	return TYPES[noun] ? TYPES[noun].label : noun;
}

function recordsNav() {
	var nav = document.getElementById('nav-records');
	if (!nav || nav.firstChild)
		return;
	RECORDS.forEach(function (r) {
		nav.appendChild(h('a', { href: '#/r/' + r.noun, id: 'nav-' + r.noun }, typeLabel(r.noun)));
	});
}

function recordOf(noun) {
	for (var i = 0; i < RECORDS.length; i++)
		if (RECORDS[i].noun === noun)
			return RECORDS[i];
	return null;
}

/* A value of a record as people read it. */
function shown(v, f) {
	if (v === null || v === undefined || v === '')
		return null;
	if (typeof v === 'boolean')
		return v ? T('yes') : T('no');
	if (Array.isArray(v))
		return v.map(function (x) { return typeof x === 'object' ? shown(x) : String(x); }).join('、');
	if (typeof v === 'object') {
		if (v.due !== undefined)
			return cst(v.due) + (v.done ? ' (' + T('done') + ')' : '');
		return Object.keys(v).filter(function (k) { return k !== 'status_label'; }).map(function (k) {
			return k + ': ' + shown(v[k]);
		}).join('; ');
	}
	if (f && f.type === 'enum' && f.values)
		for (var i = 0; i < f.values.length; i++)
			if (f.values[i].name === v)
				return f.values[i].label;
	if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v))
		return cst(v);
	return String(v);
}

/* A time: canonical text or ms, in China Standard Time. */
function when(v) {
	return typeof v === 'number' ? cst(v) : shown(v) || '';
}

function summaryOf(x) {
	return x.matter || x.subject || x.topic || x.title || x.name || x.category || x.text ||
	    x.description || x.form || '';
}

/* The list of a type, with its list command's filters. */
function recordList(noun, q) {
	var rec = recordOf(noun);
	/* A list command that pages (--offset) gives one page; the others
	 * give all, and the page is cut here. */
	api('/api/commands/' + noun + '/list').then(function (c) {
		var opts = c.status === 200 ? c.doc.options : [], params = new URLSearchParams(), k;
		var paged = opts.some(function (o) { return o.option === 'offset'; });
		for (k in q)
			if (q[k] && (paged || k !== 'offset'))
				params.set(k, q[k]);
		if (paged)
			params.set('limit', PAGE + 1);
		return api('/api/run/' + noun + '/list?' + params.toString()).then(function (r) {
			return [r, opts, paged];
		});
	}).then(function (rs) {
		var r = rs[0], paged = rs[2], off = Number(q.offset) || 0;
		var opts = rs[1].filter(function (o) { return o.option !== 'limit' && o.option !== 'offset'; });
		var f = h('form', { id: 'list-filter', class: 'filters', role: 'search' }), inputs = [];
		opts.forEach(function (o) {
			var id = 'q-' + o.option, e;
			if (o.type === 'bool') {
				e = h('input', { type: 'checkbox', id: id, name: o.option });
				e.checked = q[o.option] === '1';
			} else {
				e = h('input', { type: 'text', id: id, name: o.option, size: 10,
				    value: q[o.option] || '', placeholder: o.arg === 'DATE' ? 'YYYY-MM-DD' : null });
			}
			inputs.push(e);
			f.appendChild(h('label', { for: id }, o.label, ' ', e));
			f.appendChild(document.createTextNode(' '));
		});
		f.appendChild(h('button', { type: 'submit' }, T('Search')));
		f.addEventListener('submit', function (ev) {
			ev.preventDefault();
			var p = new URLSearchParams();
			inputs.forEach(function (e) {
				if (e.type === 'checkbox' ? e.checked : e.value.trim())
					p.set(e.name, e.type === 'checkbox' ? '1' : e.value.trim());
			});
			location.hash = '#/r/' + noun + '?' + p.toString();
		});
		var create = rec && rec.create ? h('p', null, h('a', { href: '#/do/' + noun + '/' + rec.create,
		    id: 'new-record', class: 'button' }, T('New') + ' ' + typeLabel(noun))) : null;
		if (r.status !== 200) {
			show(typeLabel(noun), create, f, h('p', { class: 'error', role: 'alert' }, r.doc.error));
			return;
		}
		var all = firstList(r.doc), tb = h('tbody', { id: 'record-rows' });
		var list = paged ? all.slice(0, PAGE) : all.slice(off, off + PAGE);
		var more = paged ? all.length > PAGE : all.length > off + PAGE;
		list.forEach(function (x) {
			var id = x.entity || x.id || '';
			tb.appendChild(h('tr', null,
			    h('td', null, rec && rec.noShow ? id : h('a', { href: '#/r/' + noun + '/' + id }, id),
				x.urgent ? h('span', { class: 'urgent' }, ' ! ' + T('Urgent')) : null),
			    h('td', null, x.status_label || x.status || ''),
			    h('td', null, x.unit || ''), h('td', null, x.to || ''),
			    h('td', null, when(x.at || x.sent_at || x.received_at || x.created_at)),
			    h('td', null, shown(summaryOf(x)) || '')));
		});
		show(typeLabel(noun), create, f, list.length === 0 ? h('p', { id: 'records-none' }, T('Nothing here.')) :
		    h('table', { id: 'records' }, h('thead', null, h('tr', null,
			h('th', null, 'ID'), h('th', null, T('Status')), h('th', null, T('Unit')),
			h('th', null, T('To')), h('th', null, T('Time')), h('th', null, T('Matter')))), tb),
		    pager('#/r/' + noun, q, more));
	});
}

/* Field labels of a type, from the command that makes it. */
function labelsOf(noun) {
	var rec = recordOf(noun);
	if (!rec || !rec.create)
		return Promise.resolve({});
	return api('/api/commands/' + noun + '/' + rec.create).then(function (r) {
		var m = {};
		(r.status === 200 ? r.doc.options : []).forEach(function (o) {
			if (o.field)
				m[o.field] = o;
		});
		return m;
	});
}

function timelineOf(events) {
	var tl = h('ol', { id: 'timeline' });
	(events || []).forEach(function (e) {
		tl.appendChild(h('li', null, cst(e.at), ' ', KINDS[e.kind] || e.kind, ' ',
		    e.author || '', ' ', e.unit ? '(' + e.unit + ')' : ''));
	});
	return tl;
}

function actionsBar(noun, id, steps) {
	var bar = h('p', { id: 'actions', class: 'actions' });
	steps.forEach(function (s) {
		var nv = s.indexOf('/') > 0 ? s.split('/') : [noun, s];
		bar.appendChild(h('a', { class: 'button', id: 'do-' + nv[0] + '-' + nv[1],
		    href: '#/do/' + nv[0] + '/' + nv[1] + '/' + encodeURIComponent(id) }, verbLabel(nv[0], nv[1])));
		bar.appendChild(document.createTextNode(' '));
	});
	return bar;
}

/* A record: its fields, its steps, its timeline; a complaint's
 * complainant only after a click (complaint show --show-identity). */
function recordShow(noun, id, identity) {
	var rec = recordOf(noun);
	var q = '?id=' + encodeURIComponent(id) + (identity ? '&show-identity=1' : '');
	Promise.all([api('/api/run/' + noun + '/show' + q), labelsOf(noun)]).then(function (rs) {
		var r = rs[0], labels = rs[1];
		if (r.status !== 200)
			return fail(r);
		var x = r.doc[noun] || {}, dl = h('dl', { id: 'record-fields' }), k;
		var common = { unit: T('Unit'), to: T('To'), audience: T('Units concerned'),
		    created_at: T('Recorded at'), updated_at: T('Last changed') };
		var skip = { status: 1, status_label: 1, conflicts: 1, type: 1, entity: 1, identity: 1,
		    last: 1, station: 1, events: 1, v: 1, updated_by: 1, created_by: 1, attachments: 1 };
		dl.appendChild(h('dt', null, T('Status')));
		dl.appendChild(h('dd', { id: 'record-status' }, x.status_label || x.status || ''));
		for (k in x) {
			if (skip[k])
				continue;
			var v = typeof x[k] === 'number' && /(^|_)at$/.test(k) ? cst(x[k]) : shown(x[k], labels[k]);
			if (v === null)
				continue;
			dl.appendChild(h('dt', null, labels[k] ? labels[k].label : common[k] || k));
			dl.appendChild(h('dd', null, v));
		}
		var who = null;
		if (noun === 'complaint') {
			who = h('div', { id: 'identity' });
			if (identity && x.identity && typeof x.identity === 'object') {
				who.appendChild(h('p', { id: 'identity-shown', class: 'confidential' },
				    T('Complainant:') + ' ', shown(x.identity)));
			} else {
				var b = h('button', { type: 'button', id: 'show-identity' }, T('Show the complainant'));
				b.addEventListener('click', function () { recordShow(noun, id, true); });
				who.appendChild(b);
				if (x.identity && typeof x.identity === 'string')
					who.appendChild(h('span', { class: 'help' }, ' ', T(x.identity)));
			}
		}
		var conflicts = (x.conflicts || []).length ? h('p', { class: 'error' },
		    T('Conflicts to look at') + ': ' + x.conflicts.map(function (c) {
			return c.kind + ' ' + (c.reason || '');
		    }).join('; ')) : null;
		var printLink = rec && rec.print ? h('a', { class: 'button', id: 'print-view',
		    href: '#/print/' + noun + '/' + encodeURIComponent(id) }, T('Print')) : null;
		show(typeLabel(noun) + ' ' + id, rec ? actionsBar(noun, id, rec.steps) : null, printLink,
		    dl, who, conflicts, attachmentsSection(id), h('h3', null, T('Timeline')),
		    timelineOf(r.doc.events));
	});
}

/*
 * A record's attachments (docs/console-api.md, "Attachments"): the list
 * as `attachment list --json` gives it, each file with its name, type,
 * size, caption, whether it is confidential and whether its bytes are on
 * this station; Download (Fetch, from the county server, when they are
 * not) through `attachment get`; a confidential one only as the CLI
 * gives it (asked for, to a unit handling the record); and the form
 * that attaches a file: the file itself is the request's body, and
 * `attach` records it.
 */
var ATTACH_MAX = null;      /* the largest file the console takes (bytes) */
var ATTACH_TYPES = {};      /* an attachment's type as `show` prints it */

/* A size as `liandong show` prints one. */
function sizeText(n) {
	if (n < 1024)
		return n + ' B';
	if (n < 1024 * 1024)
		return (n / 1024).toFixed(1) + ' KB';
	return (n / (1024 * 1024)).toFixed(1) + ' MB';
}

/* An error of the API (doc) in one line: its message, and what else the
 * command said (the link's error when a fetch could not reach the
 * county server). */
function errorText(doc) {
	if (!doc || !doc.error)
		return T('The console cannot be reached: is \'liandong ui\' still running?');
	var more = (doc.messages || '').split('\n').filter(function (l) {
		return l !== '' && l.indexOf(doc.error) < 0;
	}).map(function (l) { return l.replace(/^liandong: /, ''); });
	return [doc.error].concat(more).join(' — ');
}

function attachmentsSection(id) {
	var asked = false;
	var sec = h('section', { id: 'attachments', 'aria-labelledby': 'attachments-h' },
	    h('h3', { id: 'attachments-h' }, T('Attachments')));
	var list = h('div', { id: 'attachment-list' });
	var state = h('p', { id: 'attach-status', role: 'status', 'aria-live': 'polite' });
	var path = '/api/attachments/' + encodeURIComponent(id);

	function say(text, bad) {
		state.className = bad ? 'error' : '';
		state.textContent = text;
	}

	/* attachment get ID:n, saved under the attachment's name. */
	function download(n, a, btn) {
		btn.disabled = true;
		say(a.held ? '' : T('Fetching from the county server...'));
		fetch(path + '/' + n + (asked ? '?confidential=1' : ''), {
			headers: { 'Accept-Language': LANG, 'X-CSRF-Token': CSRF },
			credentials: 'same-origin'
		}).then(function (r) {
			if (r.status !== 200)
				return r.json().then(function (d) { throw d; });
			return r.blob();
		}).then(function (b) {
			var url = URL.createObjectURL(new Blob([b], { type: a.type || 'application/octet-stream' }));
			var link = h('a', { href: url, download: a.name, class: 'no-print' });
			document.body.appendChild(link);
			link.click();
			link.remove();
			setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
			btn.disabled = false;
			if (!a.held)
				load();
			say(T('Downloaded.') + ' ' + a.name);
		}).catch(function (d) {
			btn.disabled = false;
			say(errorText(d), true);
		});
	}

	function draw(doc) {
		var tb = h('tbody', { id: 'attachment-rows' }), hidden = false;
		while (list.firstChild)
			list.removeChild(list.firstChild);
		(doc.attachments || []).forEach(function (a, i) {
			var n = i + 1;
			if (a.hidden) {
				hidden = true;
				tb.appendChild(h('tr', { class: 'confidential', id: 'attachment-' + n },
				    h('td', { colspan: 6 }, T('(confidential)') + ' ', a.unit ? '(' + a.unit + ')' : ''),
				    h('td')));
				return;
			}
			var b = h('button', { type: 'button', id: (a.held ? 'att-get-' : 'att-fetch-') + n,
			    'aria-label': (a.held ? T('Download') : T('Fetch')) + ' ' + a.name },
			    a.held ? T('Download') : T('Fetch'));
			b.addEventListener('click', function () { download(n, a, b); });
			tb.appendChild(h('tr', { id: 'attachment-' + n, class: a.confidential ? 'confidential' : null },
			    h('td', { class: 'att-name' }, a.name),
			    h('td', null, ATTACH_TYPES[a.type] || a.type),
			    h('td', null, sizeText(a.size)),
			    h('td', { class: 'att-caption' }, a.caption || ''),
			    h('td', { class: 'att-confidential' }, a.confidential ? T('Confidential') : ''),
			    h('td', { class: a.held ? 'att-here' : 'att-away' },
				a.held ? T('On this station') : T('To fetch from the county server')),
			    h('td', null, b)));
		});
		if ((doc.attachments || []).length === 0) {
			list.appendChild(h('p', { id: 'attachments-none' }, T('No attachments.')));
		} else {
			list.appendChild(h('table', { id: 'attachment-table' }, h('thead', null, h('tr', null,
			    h('th', null, T('File name')), h('th', null, T('Type')), h('th', null, T('Size')),
			    h('th', null, T('Caption')), h('th', null, T('Confidential')), h('th', null, T('Status')),
			    h('th', null, ''))), tb));
		}
		if (hidden && !asked) {
			var more = h('button', { type: 'button', id: 'show-confidential' },
			    T('Show confidential attachments'));
			more.addEventListener('click', function () {
				asked = true;
				load();
			});
			list.appendChild(more);
		}
	}

	function load() {
		api(path + (asked ? '?confidential=1' : '')).then(function (r) {
			if (r.status !== 200)
				return say(errorText(r.doc), true);
			draw(r.doc);
		});
	}

	/* The form: a file, its caption, confidential, the officer. */
	var file = h('input', { type: 'file', id: 'attach-file', name: 'file', 'aria-describedby': 'attach-error' });
	var caption = h('input', { type: 'text', id: 'attach-caption', name: 'caption' });
	var conf = h('input', { type: 'checkbox', id: 'attach-confidential', name: 'confidential' });
	var officer = h('input', { type: 'text', id: 'attach-officer', name: 'officer' });
	var err = h('p', { id: 'attach-error', class: 'error', role: 'alert' });
	var save = h('button', { type: 'submit', id: 'attach-save' }, T('Attach'));
	var form = h('form', { id: 'attach-form', class: 'fields', novalidate: '' },
	    h('h4', null, T('Attach a file')), err,
	    h('label', { for: 'attach-file' }, T('File')), file,
	    h('label', { for: 'attach-caption' }, T('Caption')), caption,
	    h('label', { for: 'attach-confidential' }, conf, ' ', T('Confidential'), ' ',
		h('span', { class: 'help' }, T('Only the units handling the record may see it, as a complainant\'s identity'))),
	    h('label', { for: 'attach-officer' }, T('Officer')), officer,
	    save);
	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		var f = file.files[0], q = new URLSearchParams();
		err.textContent = '';
		if (!f) {
			err.textContent = T('Choose a file to attach.');
			file.focus();
			return;
		}
		if (ATTACH_MAX !== null && f.size > ATTACH_MAX) {
			err.textContent = T('The file is over the limit of this station ([attachments] max_size):') + ' ' +
			    sizeText(f.size) + ' > ' + sizeText(ATTACH_MAX);
			file.focus();
			return;
		}
		q.set('name', f.name);
		if (caption.value.trim())
			q.set('caption', caption.value.trim());
		if (conf.checked)
			q.set('confidential', '1');
		if (officer.value.trim())
			q.set('officer', officer.value.trim());
		save.disabled = true;
		say(T('Uploading...'));
		var gen = GEN;
		fetch(path + '?' + q.toString(), {
			method: 'POST',
			headers: { 'Accept-Language': LANG, 'X-CSRF-Token': CSRF,
			    'Content-Type': 'application/octet-stream' },
			body: f,
			credentials: 'same-origin'
		}).then(function (r) {
			return r.json().then(function (d) { return { status: r.status, doc: d }; });
		}).then(function (r) {
			if (gen !== GEN)
				return;
			save.disabled = false;
			if (r.status !== 201) {
				say('');
				err.textContent = errorText(r.doc);
				return;
			}
			form.reset();
			say(T('Attached.') + ' ' + r.doc.attachments.map(function (a) { return a.name; }).join('、'));
			load();
		}).catch(function () {
			save.disabled = false;
			say('');
			err.textContent = errorText(null);
		});
	});
	sec.appendChild(list);
	sec.appendChild(state);
	sec.appendChild(form);
	load();
	return sec;
}

/* Where a step leads once done: the record it made or acted on. */
function after(noun, verb, id, doc) {
	var made = doc && (doc.id || (doc.output || '').trim().split(/\s+/)[0]);
	if (noun === 'case' || (noun === 'referral' && verb === 'extend'))
		return '#/case/' + encodeURIComponent(id);
	if (noun === 'liaison')
		return '#/r/liaison';
	if (made && typeOf(made) === noun)
		return '#/r/' + noun + '/' + encodeURIComponent(made);
	return id ? '#/r/' + noun + '/' + encodeURIComponent(id) : '#/r/' + noun;
}

/* An input for a field or option described as /api/commands gives it. */
function inputFor(f, id) {
	var input;
	if (f.type === 'enum') {
		input = h('select', { id: id, name: f.option || f.field });
		input.appendChild(h('option', { value: '' }, ''));
		f.values.forEach(function (v) {
			input.appendChild(h('option', { value: v.name }, v.label));
		});
	} else if (f.type === 'textarea' || f.type === 'list') {
		input = h('textarea', { id: id, name: f.option || f.field });
	} else if (f.type === 'bool') {
		input = h('input', { type: 'checkbox', id: id, name: f.option || f.field });
	} else {
		input = h('input', { type: 'text', id: id, name: f.option || f.field,
		    placeholder: f.type === 'time' ? 'YYYY-MM-DD HH:MM' : null,
		    maxlength: f.max || null });
	}
	return input;
}

/* The value of an input as the API takes it, or undefined for none. */
function valueOf(f, e) {
	if (f.type === 'bool')
		return e.checked ? true : undefined;
	if (f.type === 'list') {
		var items = e.value.split('\n').map(function (s) { return s.trim(); })
		    .filter(function (s) { return s !== ''; });
		return items.length ? items : undefined;
	}
	return e.value.trim() !== '' ? e.value.trim() : undefined;
}

/* The form of a command: NOUN VERB [ID]. */
function commandForm(noun, verb, id) {
	api('/api/commands/' + noun + '/' + verb).then(function (r) {
		if (r.status !== 200)
			return fail(r);
		var c = r.doc, form = h('form', { id: 'command-form', class: 'fields', novalidate: '' });
		var general = h('p', { id: 'form-error', class: 'error', role: 'alert' });
		form.appendChild(general);
		if (id)
			form.appendChild(h('p', null, T('Record') + ': ', recordLink(id)));
		c.options.forEach(function (f) {
			var fid = 'f-' + f.option, input = inputFor(f, fid);
			input.setAttribute('aria-describedby', 'err-' + f.option);
			if (f.required)
				input.setAttribute('aria-required', 'true');
			form.appendChild(h('label', { for: fid }, f.label, f.required ? ' *' : null, ' ',
			    h('span', { class: 'help' }, f.help,
				f.type === 'list' ? ' (' + T('one per line') + ')' : null)));
			form.appendChild(input);
			form.appendChild(h('span', { id: 'err-' + f.option, class: 'field-error', 'aria-live': 'polite' }));
		});
		form.appendChild(h('button', { type: 'submit', id: 'save' }, T('Save')));
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			var opts = {};
			c.options.forEach(function (f) {
				var e = document.getElementById('f-' + f.option), v = valueOf(f, e);
				document.getElementById('err-' + f.option).textContent = '';
				e.removeAttribute('aria-invalid');
				if (v !== undefined)
					opts[f.option] = v;
			});
			general.textContent = '';
			api('/api/run/' + noun + '/' + verb, { body: { args: id ? [id] : [], options: opts } })
			    .then(function (res) {
				if (res.status === 200) {
					location.hash = after(noun, verb, id, res.doc);
					return;
				}
				showError(general, res.doc);
			});
		});
		show(verbLabel(noun, verb) === verb ? T('New') + ' ' + typeLabel(noun) : verbLabel(noun, verb),
		    h('p', { class: 'help' }, c.summary), form);
	});
}

/* A printable record: a referral's letter (移送函) with its materials, a
 * meeting's minutes with its resolutions. */
function printView(noun, id) {
	Promise.all([api('/api/run/' + noun + '/show?id=' + encodeURIComponent(id)), labelsOf(noun)])
	    .then(function (rs) {
		var r = rs[0];
		if (r.status !== 200)
			return fail(r);
		var x = r.doc[noun] || {}, doc = h('article', { id: 'printable', class: 'printable' });
		var dl = h('dl'), i;
		function row(label, v) {
			v = shown(v);
			if (v === null)
				return;
			dl.appendChild(h('dt', null, label));
			dl.appendChild(h('dd', null, v));
		}
		function items(title, list, id2) {
			var ol = h('ol', { id: id2 });
			(list || []).forEach(function (s) { ol.appendChild(h('li', null, shown(s))); });
			return [h('h3', null, title), (list || []).length ? ol : h('p', null, T('None.'))];
		}
		var btn = h('button', { type: 'button', id: 'print', class: 'no-print' }, T('Print'));
		btn.addEventListener('click', function () { window.print(); });
		if (noun === 'referral') {
			doc.appendChild(h('h2', { class: 'letter-title' }, T('Referral letter')));
			doc.appendChild(h('p', { class: 'letter-no', id: 'letter-no' }, x.letter || ''));
			doc.appendChild(h('p', { class: 'to' }, (x.to || '') + colon()));
			row(T('Case'), x['case']);
			row(T('Matter'), x.matter);
			row(T('Category'), x.category);
			row(T('Location'), x.location);
			row(T('Discovered'), x.discovered_at);
			row(T('Description'), x.description);
			row(T('Urgent'), x.urgent);
			row(T('Note'), x.note);
			doc.appendChild(dl);
			items(T('Source materials'), x.sources, 'sources').forEach(function (e) { doc.appendChild(e); });
			items(T('Evidence'), x.evidence, 'evidence').forEach(function (e) { doc.appendChild(e); });
			var sig = h('dl', { class: 'signature' });
			[[T('Sent by'), x.unit], [T('Officer'), x.officer], [T('Sent'), when(x.sent_at || x.created_at)],
			    [T('Received by'), x.to], [T('Received'), x.received && x.received.at || x.received_at],
			    [T('Acknowledge by'), x.ack_due], [T('Status'), x.status_label || x.status]]
			    .forEach(function (p) {
				if (shown(p[1]) === null)
					return;
				sig.appendChild(h('dt', null, p[0]));
				sig.appendChild(h('dd', null, shown(p[1])));
			    });
			doc.appendChild(sig);
		} else if (noun === 'meeting') {
			doc.appendChild(h('h2', { class: 'letter-title' }, T('Minutes of the meeting')));
			row(T('Meeting'), id);
			row(T('Form'), shown(x.form, rs[1].form));
			row(T('Time'), x.at);
			row(T('Convened by'), x.unit);
			row(T('Units'), x.units);
			row(T('Officer'), x.officer);
			doc.appendChild(dl);
			items(T('Topics'), (x.topics || []).map(function (t) {
				return (t.unit ? t.unit + colon() : '') + (t.topic || '');
			}), 'topics').forEach(function (e) { doc.appendChild(e); });
			doc.appendChild(h('h3', null, T('Minutes')));
			doc.appendChild(h('p', { id: 'minutes', class: 'minutes' }, x.minutes ? x.minutes.text : T('None.')));
			var tb = h('tbody', { id: 'resolution-rows' });
			for (i = 0; i < (x.resolutions || []).length; i++) {
				var res = x.resolutions[i];
				tb.appendChild(h('tr', null, h('td', null, res.ref || String(res.index)),
				    h('td', null, res.text), h('td', null, res.owner),
				    h('td', null, res.status_label || res.status)));
			}
			doc.appendChild(h('h3', null, T('Resolutions')));
			doc.appendChild((x.resolutions || []).length ? h('table', { id: 'resolutions' },
			    h('thead', null, h('tr', null, h('th', null, 'No.'), h('th', null, T('Resolution')),
				h('th', null, T('Owner')), h('th', null, T('Status')))), tb) : h('p', null, T('None.')));
		}
		doc.appendChild(h('p', { class: 'printed' }, T('Printed') + ' ' + cst(Date.now())));
		var m = show(typeLabel(noun) + ' ' + id, h('p', { class: 'no-print' }, btn, ' ',
		    h('a', { href: '#/r/' + noun + '/' + encodeURIComponent(id) }, T('Back'))), doc);
		m.querySelector('h2').classList.add('no-print');
	});
}

function route() {
	var hash = location.hash || '#/';
	GEN++;
	if (syncTimer !== null) {
		clearTimeout(syncTimer);
		syncTimer = null;
	}
	syncLine();
	alertsBadge();
	var m;
	if (hash === '#/alerts')
		alertsPage();
	else if ((m = /^#\/r\/([a-z]+)\/([^?]+)$/.exec(hash)))
		recordShow(m[1], decodeURIComponent(m[2]), false);
	else if ((m = /^#\/r\/([a-z]+)(\?.*)?$/.exec(hash)))
		recordList(m[1], query(hash));
	else if ((m = /^#\/do\/([a-z]+)\/([a-z]+)(?:\/(.+))?$/.exec(hash)))
		commandForm(m[1], m[2], m[3] ? decodeURIComponent(m[3]) : null);
	else if ((m = /^#\/print\/([a-z]+)\/(.+)$/.exec(hash)))
		printView(m[1], decodeURIComponent(m[2]));
	else if (hash.indexOf('#/cases') === 0)
		cases(query(hash));
	else if (hash.indexOf('#/case/') === 0)
		caseShow(decodeURIComponent(hash.slice(7)));
	else if (hash === '#/open')
		openForm();
	else
		workbench();
}

/* The API's token: given once, in the fragment of the login's redirect
 * (#t=...), then kept for this origin (localStorage: this port's alone,
 * shared by its tabs) and taken out of the address. */
function takeToken() {
	var key = 'liandong_t';
	var m = /^#t=([0-9A-Za-z_-]+)$/.exec(location.hash);

	if (m) {
		localStorage.setItem(key, m[1]);
		history.replaceState(null, '', location.pathname);
	}
	CSRF = localStorage.getItem(key) || '';
}

function start() {
	takeToken();
	Promise.all([api('/api/strings'), api('/api/session')]).then(function (rs) {
		if (rs[0].status !== 200 || rs[1].status !== 200)
			return fail(rs[0].status !== 200 ? rs[0] : rs[1]);
		S = rs[0].doc.strings;
		TYPES = rs[0].doc.types || {};
		KINDS = rs[0].doc.kinds || {};
		LANG = rs[0].doc.lang;
		ATTACH_TYPES = rs[0].doc.attachment_types || {};
		ATTACH_MAX = typeof rs[1].doc.attach_max === 'number' ? rs[1].doc.attach_max : null;
		document.documentElement.lang = LANG;
		document.querySelectorAll('[data-t]').forEach(function (e) {
			e.textContent = T(e.getAttribute('data-t'));
		});
		recordsNav();
		/* What a daemon syncing alongside brought: the badge and the
		 * last sync, looked at each minute. */
		setInterval(function () {
			alertsBadge();
			syncLine();
		}, 60000);
		window.addEventListener('hashchange', route);
		route();
	}).catch(function () {
		show(T('The console cannot be reached: is \'liandong ui\' still running?'));
	});
}

document.addEventListener('DOMContentLoaded', start);
