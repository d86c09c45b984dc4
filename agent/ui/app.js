/*
 * app.js - the station console's pages, a thin client of the local JSON
 * API (docs/console-api.md). Routes: #/ the workbench (工作台), #/cases
 * the case list, #/case/ID a case and its timeline, #/open the form that
 * opens a case. Text comes translated from /api/strings (gettext, in the
 * agent's locale); what users typed is only ever set as text, never as
 * markup.
 */
'use strict';

var S = {};          /* translated page strings, by their English text */
var LANG = 'en';     /* the language of the strings, asked of the API too */
var CSRF = '';

function T(s) { return S[s] || s; }

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

function api(path, opts) {
	opts = opts || {};
	var headers = { 'Accept-Language': LANG };
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		headers['X-CSRF-Token'] = CSRF;
	}
	return fetch(path, {
		method: opts.body !== undefined ? 'POST' : 'GET',
		headers: headers,
		body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
		credentials: 'same-origin'
	}).then(function (r) {
		return r.json().then(function (d) { return { status: r.status, doc: d }; });
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

function statusText(s) {
	return s === 'open' ? T('In progress') : s === 'closed' ? T('Closed') : s;
}

function recordLink(id) {
	return id && id.indexOf('C-') === 0 ? h('a', { href: '#/case/' + id }, id) : id;
}

/* 工作台: what this unit owes, soonest first, overdue in red. */
function workbench() {
	api('/api/due').then(function (r) {
		if (r.status !== 200)
			return fail(r);
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
		show(T('Workbench'), h('p', null, T('What this unit owes, soonest first')),
		    obs.length === 0 ? h('p', { id: 'due-none' }, T('Nothing is owed.')) :
		    h('table', { id: 'due' }, h('thead', null, h('tr', null,
			h('th', null, T('Due')), h('th', null, T('Obligation')),
			h('th', null, T('Owed by')), h('th', null, T('Record')))), tb));
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
		var list = r.doc.cases, tb = h('tbody', { id: 'case-rows' }), i, c;
		for (i = 0; i < list.length; i++) {
			c = list[i];
			tb.appendChild(h('tr', null,
			    h('td', null, h('a', { href: '#/case/' + c.entity }, c.entity),
				c.urgent ? h('span', { class: 'urgent' }, ' ! ' + T('Urgent')) : null),
			    h('td', null, statusText(c.status)),
			    h('td', null, cst(c.discovered_at)),
			    h('td', null, c.category),
			    h('td', null, c.location),
			    h('td', null, c.matter || c.description)));
		}
		show(T('Cases'), f, list.length === 0 ? h('p', null, T('No cases.')) :
		    h('table', { id: 'cases' }, h('thead', null, h('tr', null,
			h('th', null, 'ID'), h('th', null, T('Status')),
			h('th', null, T('Discovered')), h('th', null, T('Category')),
			h('th', null, T('Location')), h('th', null, T('Matter')))), tb));
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
		var c = r.doc['case'], dl = h('dl', { id: 'case-fields' }), tl = h('ol', { id: 'timeline' });
		var labels = fieldLabels(), fields = rs[1].status === 200 ? rs[1].doc.fields : [];
		labels.discovered_at = T('Discovered');
		function row(label, v) {
			if (v === undefined || v === null || v === '')
				return;
			dl.appendChild(h('dt', null, label));
			dl.appendChild(h('dd', null, v));
		}
		row(T('Status'), statusText(c.status));
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
		(r.doc.events || []).forEach(function (e) {
			tl.appendChild(h('li', null, cst(e.at), ' ', e.kind, ' ',
			    e.author || '', ' ', e.unit ? '(' + e.unit + ')' : ''));
		});
		show(id, dl, h('h3', null, T('Timeline')), tl);
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
				var f = res.doc.field && document.getElementById('f-' + res.doc.field);
				if (f) {
					document.getElementById('err-' + res.doc.field).textContent = res.doc.error;
					f.setAttribute('aria-invalid', 'true');
					general.textContent = T('Please correct the field marked below.');
					f.focus();
				} else {
					general.textContent = res.doc.error;
				}
			});
		});
		show(T('Open a case'), form);
	});
}

function route() {
	var hash = location.hash || '#/';
	syncLine();
	if (hash.indexOf('#/cases') === 0)
		cases(query(hash));
	else if (hash.indexOf('#/case/') === 0)
		caseShow(decodeURIComponent(hash.slice(7)));
	else if (hash === '#/open')
		openForm();
	else
		workbench();
}

function start() {
	Promise.all([api('/api/strings'), api('/api/session')]).then(function (rs) {
		if (rs[0].status !== 200 || rs[1].status !== 200)
			return fail(rs[0].status !== 200 ? rs[0] : rs[1]);
		S = rs[0].doc.strings;
		LANG = rs[0].doc.lang;
		CSRF = rs[1].doc.csrf;
		document.documentElement.lang = LANG;
		document.querySelectorAll('[data-t]').forEach(function (e) {
			e.textContent = T(e.getAttribute('data-t'));
		});
		window.addEventListener('hashchange', route);
		route();
	}).catch(function () {
		show(T('The console cannot be reached: is \'liandong ui\' still running?'));
	});
}

document.addEventListener('DOMContentLoaded', start);
