// app.js - the statewall web UI: four views over the REST API (/api/v1/);
// Objects › Services is objects.js.
// Plain DOM, no framework, no external resources.  Every change goes through
// the same registry commands as the CLI (the server turns them into
// `clear session ...` or `configure` / `set ...` / `commit`).  The session
// event stream (GET /api/v1/events, Server-Sent Events) updates the session
// browser and the dashboard as sessions start, half-close and end; while it
// is down the views poll instead.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

const S = { csrf: null, timers: [], cleanup: [], view: null };

// ---- API -------------------------------------------------------------------

async function api(method, path, body) {
  const opt = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = S.csrf || '';
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch('/api/v1/' + path, opt);
  if (r.status === 401) {
    location.href = '/login';
    throw new Error('not logged in');
  }
  let data = null;
  try { data = await r.json(); } catch (e) { data = { error: 'HTTP ' + r.status }; }
  return { status: r.status, ok: r.ok, data };
}

function toast(msg, bad) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = 'toast show' + (bad ? ' bad' : '');
  clearTimeout(toast.t);
  toast.t = setTimeout(() => { t.className = 'toast'; }, 5000);
}

function every(ms, fn) {
  fn();
  S.timers.push(setInterval(fn, ms));
}

const fmt = (n, d = 0) => (n === null || n === undefined) ? '–' :
  Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---- the event stream ----------------------------------------------------------

const LIVE = { es: null, open: false, listeners: new Set(), log: [], counts: {} };

function liveStatus() {
  const t = $('#live-status');
  t.textContent = LIVE.open ? 'live' : 'polling (event stream down)';
  t.className = 'live' + (LIVE.open ? ' on' : '');
}

// One EventSource for the page; it reconnects by itself, resuming with Last-Event-ID.
function liveStart() {
  const es = new EventSource('/api/v1/events');
  LIVE.es = es;
  es.onopen = () => { LIVE.open = true; liveStatus(); };
  es.onerror = () => { LIVE.open = es.readyState === EventSource.OPEN; liveStatus(); };
  es.onmessage = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    LIVE.log.unshift(ev);
    if (LIVE.log.length > 50) LIVE.log.pop();
    LIVE.counts[ev.event] = (LIVE.counts[ev.event] || 0) + 1;
    for (const fn of LIVE.listeners) fn(ev);
  };
}

// Call fn for every event while the current view is shown.
function onLive(fn) {
  LIVE.listeners.add(fn);
  S.cleanup.push(() => LIVE.listeners.delete(fn));
}

function evText(ev) {
  const t = ev.ts ? new Date(ev.ts * 1000).toLocaleTimeString() : '';
  if (ev.event === 'overflow') return `${t} overflow: ${ev.lost} events lost (the page fell behind)`;
  const s = ev.session || {};
  let what = ev.event;
  if (ev.event === 'half-close') what += ` (${ev.side} FIN)`;
  if (ev.event === 'timer') what += ` ${ev.from || '–'} → ${ev.to || '–'}`;
  if (ev.event === 'end') what += ` ${ev.reason}${ev.timer ? ' ' + ev.timer : ''}${ev.late_pkts ? `, ${ev.late_pkts} late` : ''}`;
  return `${t} #${s.id} ${s.proto} ${s.orig_h}:${s.orig_p} → ${s.resp_h}:${s.resp_p} ${what}`;
}

// Keep a view's event panel current.
function eventPanel(main) {
  const ol = $('.event-log', main), counts = $('.ev-counts', main);
  const draw = () => {
    ol.replaceChildren(...LIVE.log.slice(0, 20).map((ev) => el('li', {
      'data-event': ev.event, 'data-session': ev.session ? ev.session.id : null }, evText(ev))));
    if (!LIVE.log.length) ol.append(el('li', { class: 'muted' }, 'no event since this page opened'));
    counts.textContent = Object.entries(LIVE.counts).map(([k, n]) => `${k} ${fmt(n)}`).join(' · ') ||
      'starts, half-closes, timer changes and ends appear here as they happen';
  };
  draw();
  onLive(draw);
}

// fn at most once per ms, the last call not lost.
function throttle(ms, fn) {
  let t = null, again = false;
  return () => {
    if (t) { again = true; return; }
    fn();
    t = setTimeout(() => { t = null; if (again) { again = false; fn(); } }, ms);
  };
}

// ---- router ------------------------------------------------------------------

const VIEWS = {
  '#/dashboard': ['dashboard', 'tpl-dashboard', viewDashboard, 'Dashboard'],
  '#/monitor/sessions': ['sessions', 'tpl-sessions', viewSessions, 'Session Browser'],
  '#/objects/services': ['objects', 'tpl-objects', viewObjects, 'Objects Services'],
  '#/device/setup/session': ['setup', 'tpl-setup', viewSetup, 'Device Setup Session'],
};

function route() {
  const v = VIEWS[location.hash] || VIEWS['#/dashboard'];
  S.timers.forEach(clearInterval);
  S.timers = [];
  S.cleanup.forEach((fn) => fn());
  S.cleanup = [];
  const main = $('#main');
  main.replaceChildren($('#' + v[1]).content.cloneNode(true));
  document.title = 'statewall — ' + v[3];
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === v[0]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  S.view = v[0];
  v[2](main);
}

// ---- dashboard ---------------------------------------------------------------

function spark(svg, hist) {
  const max = Math.max(1, ...hist);
  const pts = hist.map((v, i) => `${(i * 120 / 59).toFixed(1)},${(29 - v / max * 27).toFixed(1)}`);
  $('polyline', svg).setAttribute('points', pts.join(' '));
}

function viewDashboard(main) {
  const hist = { pps: [], cps: [] };
  let prev = null;
  eventPanel(main);
  const update = async () => {
    let info, ctr;
    try {
      [info, ctr] = await Promise.all([api('GET', 'session/info'), api('GET', 'counters')]);
    } catch (e) { return; }
    if (S.view !== 'dashboard' || !info.ok || !ctr.ok) return;
    const i = info.data, c = ctr.data;
    $('#d-util', main).textContent = fmt(i.utilization_pct, 2);
    $('#d-util-meter', main).value = i.utilization_pct;
    $('#d-active', main).textContent = fmt(i.active);
    $('#d-supported', main).textContent = fmt(i.supported);
    $('#d-cps', main).textContent = fmt(i.new_session_rate, 1);
    $('#d-pps', main).textContent = fmt(i.packet_rate, 0);
    $('#d-half', main).textContent = fmt(i.half_closed);
    $('#d-mode', main).textContent = i.half_close_mode;
    $('#d-broken-hc', main).textContent = fmt(i.broken_half_closed_sessions);
    $('#d-broken', main).textContent = fmt(i.broken_sessions);
    $('#d-late', main).textContent = fmt(c.counters['late-packets']);
    for (const k of ['pps', 'cps']) {
      hist[k].push(k === 'pps' ? i.packet_rate : i.new_session_rate);
      if (hist[k].length > 60) hist[k].shift();
      spark($('#s-' + k, main), hist[k]);
    }
    const tb = $('#drops tbody', main);
    const rows = Object.entries(c.drops).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
    const dt = prev ? Math.max(0.001, c.elapsed - prev.elapsed) : 0;
    tb.replaceChildren(...(rows.length ? rows.map(([r, n]) => el('tr', {},
      el('th', { scope: 'row' }, r), el('td', { class: 'num' }, fmt(n)),
      el('td', { class: 'num' }, dt ? fmt((n - (prev.drops[r] || 0)) / dt, 1) : '–'),
      el('td', { class: 'muted' }, DROP_HELP[r] || ''))) :
      [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'no drops'))]));
    prev = c;
    $('#dash-updated', main).textContent = 'Last update ' + new Date().toLocaleTimeString();
  };
  every(1000, update);
  // a session starts, half-closes or ends: the numbers now, not at the next tick
  const soon = throttle(250, update);
  onLive((ev) => { if (ev.event !== 'timer') soon(); });
}

const DROP_HELP = {
  'non-syn-tcp': 'TCP packet that is not a SYN and matches no session',
  'session-aged-out': 'packet of a session a timer already ended',
  'policy-deny': 'a security rule denies the flow',
  'resources-unavailable': 'session table full',
  'tcp-seq-above-window': 'segment beyond what the receiver allowed',
  'tcp-seq-below-window': 'segment before the receive window',
  'unsupported-l2': 'not IP',
};

// ---- session browser -----------------------------------------------------------

function viewSessions(main) {
  const form = $('#filter', main);
  const tb = $('#sessions tbody', main);
  const selected = new Set();
  let starts = [0], page = null, busy = false;

  const filter = () => {
    const f = {};
    for (const [k, v] of new FormData(form)) if (v !== '' && k !== 'limit') f[k] = v;
    return f;
  };
  const query = () => {
    const q = new URLSearchParams(filter());
    q.set('limit', form.elements.limit.value);
    const s = starts[starts.length - 1];
    if (s) q.set('start_at', s);
    return q.toString();
  };
  const updateButtons = () => {
    $('#clear-selected', main).disabled = selected.size === 0;
    $('#clear-selected', main).textContent = selected.size ? `Clear selected (${selected.size})` : 'Clear selected';
    $('#prev', main).disabled = starts.length < 2;
    $('#first', main).disabled = starts.length < 2;
    $('#next', main).disabled = !page || page.next_start_at === null;
  };

  async function refresh() {
    if (busy || S.view !== 'sessions' || $('dialog[open]', main)) return;
    busy = true;
    try {
      const r = await api('GET', 'sessions?' + query());
      if (!r.ok) {
        $('#filter-error', main).textContent = r.data.error;
        return;
      }
      $('#filter-error', main).textContent = '';
      page = r.data;
      const ids = new Set(page.sessions.map((s) => s.id));
      for (const id of [...selected]) if (!ids.has(id)) selected.delete(id);
      tb.replaceChildren(...page.sessions.map(row));
      if (!page.sessions.length)
        tb.append(el('tr', {}, el('td', { colspan: 11, class: 'muted' }, 'no session matches')));
      $('#list-status', main).textContent =
        `${page.sessions.length} shown of ${page.matched}${page.next_start_at !== null ? '+' : ''} matching, ${page.active} active`;
      $('#select-all', main).checked = page.sessions.length > 0 && page.sessions.every((s) => selected.has(s.id));
      updateButtons();
    } finally {
      busy = false;
    }
  }

  function row(s) {
    const cb = el('input', { type: 'checkbox', 'aria-label': `Select session ${s.id}` });
    cb.checked = selected.has(s.id);
    cb.addEventListener('change', () => {
      if (cb.checked) selected.add(s.id); else selected.delete(s.id);
      updateButtons();
    });
    return el('tr', { 'data-id': s.id, class: s.state === 'HALF-CLOSED' ? 'half' : s.state === 'DISCARD' ? 'discard' : '' },
      el('td', {}, cb),
      el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => detail(s.id),
        'aria-label': `Details of session ${s.id}` }, s.id)),
      el('td', {}, s.proto), el('td', {}, s.state),
      el('td', {}, s.orig_state || '–'), el('td', {}, s.resp_state || '–'),
      el('td', { title: s.timer ? `${s.timer} = ${s.timer_value} s (${s.timer_kind}, ${s.timer_source})` : '' },
        s.timer ? `${s.timer} (${s.timer_kind})` : '–'),
      el('td', { class: 'num' }, fmt(s.remaining, 1) + ' s'),
      el('td', {}, `${s.orig_h}:${s.orig_p}`), el('td', {}, `${s.resp_h}:${s.resp_p}`),
      el('td', { class: 'num' }, `${fmt(s.orig_pkts)} / ${fmt(s.resp_pkts)}`));
  }

  const LABELS = [
    ['id', 'Session'], ['proto', 'Protocol'], ['state', 'State'], ['orig_h', 'Client'], ['orig_p', 'Client port'],
    ['resp_h', 'Server'], ['resp_p', 'Server port'], ['orig_state', 'Client TCP state'], ['resp_state', 'Server TCP state'],
    ['timer', 'Timer in force'], ['timer_value', 'Timer value (s)'], ['timer_kind', 'Timer kind'],
    ['timer_source', 'Timer value from'], ['remaining', 'Remaining (s)'], ['expires', 'Expires'], ['start', 'Started'],
    ['last_seen', 'Last packet'], ['half_closed_at', 'Half-closed since'], ['orig_pkts', 'Packets c→s'],
    ['resp_pkts', 'Packets s→c'], ['orig_ip_bytes', 'IP bytes c→s'], ['resp_ip_bytes', 'IP bytes s→c'],
    ['conn_state', 'conn_state (Zeek)'], ['history', 'History (Zeek)'], ['picked_up', 'Picked up mid-stream'],
    ['discard', 'Discard session'], ['rule_name', 'Rule'], ['service', 'Service'],
  ];
  const TIMES = new Set(['expires', 'start', 'last_seen', 'half_closed_at']);

  let detailId = null;
  async function detail(id) {
    const d = $('#detail', main);
    const r = await api('GET', 'sessions/' + id);
    detailId = id;
    $('#detail-error', main).textContent = '';
    $('#detail-title', main).textContent = `Session ${id}`;
    const dl = $('#detail-fields', main);
    // every timer that applies to the session, its value and where it comes from
    $('#detail-timers tbody', main).replaceChildren(...((r.ok && r.data.timers) || []).map((t) =>
      el('tr', { 'data-timer': t.name, class: t.in_force ? 'inforce' : null },
        el('th', { scope: 'row' }, t.name + (t.in_force ? ' (in force)' : '')),
        el('td', { class: 'num' }, fmt(t.value)), el('td', {}, t.source))));
    if (!r.ok) {
      dl.replaceChildren();
      $('#detail-error', main).textContent = r.data.error;
    } else {
      dl.replaceChildren(...LABELS.flatMap(([k, label]) => {
        let v = r.data[k];
        if (TIMES.has(k) && v) v = new Date(v * 1000).toLocaleString();
        if (k === 'remaining') v = fmt(v, 1);
        if (v === null || v === undefined || v === '') v = '–';
        return [el('dt', {}, label), el('dd', { 'data-field': k }, String(v))];
      }));
    }
    if (!d.open) d.showModal();
  }
  $('#detail-close', main).addEventListener('click', () => $('#detail', main).close());
  $('#detail-clear', main).addEventListener('click', async () => {
    const r = await api('DELETE', 'sessions/' + detailId);
    if (!r.ok) {
      $('#detail-error', main).textContent = r.data.error;
      return;
    }
    $('#detail', main).close();
    selected.delete(detailId);
    toast(`Session ${detailId} cleared`);
    refresh();
  });

  function confirmClear(text, body) {
    const d = $('#confirm', main);
    $('#confirm-text', main).textContent = text;
    d.showModal();
    $('#confirm-no', main).onclick = () => d.close();
    $('#confirm-yes', main).onclick = async () => {
      d.close();
      const r = await api('POST', 'sessions/clear', body);
      if (!r.ok) {
        toast(r.data.error, true);
        return;
      }
      selected.clear();
      toast(`${r.data.cleared} session${r.data.cleared === 1 ? '' : 's'} cleared` +
        (r.data.not_found.length ? ` (${r.data.not_found.length} had already ended)` : ''));
      refresh();
    };
  }
  $('#clear-selected', main).addEventListener('click', () =>
    confirmClear(`Clear ${selected.size} selected session${selected.size === 1 ? '' : 's'}? ` +
      'Their connections break: the next packets are dropped.', { ids: [...selected] }));
  $('#clear-matching', main).addEventListener('click', () => {
    const f = filter();
    const desc = Object.entries(f).map(([k, v]) => `${k} ${v}`).join(', ') || 'no filter: EVERY session';
    confirmClear(`Clear every session matching (${desc})?`, { filter: f });
  });
  $('#select-all', main).addEventListener('change', (ev) => {
    for (const s of (page ? page.sessions : [])) {
      if (ev.target.checked) selected.add(s.id); else selected.delete(s.id);
    }
    for (const cb of tb.querySelectorAll('input[type=checkbox]')) cb.checked = ev.target.checked;
    updateButtons();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    starts = [0];
    refresh();
  });
  $('#next', main).addEventListener('click', () => { if (page && page.next_start_at) { starts.push(page.next_start_at); refresh(); } });
  $('#prev', main).addEventListener('click', () => { if (starts.length > 1) { starts.pop(); refresh(); } });
  $('#first', main).addEventListener('click', () => { starts = [0]; refresh(); });
  // live: the event stream says when the table changed; polling only while it is down
  eventPanel(main);
  const soon = throttle(300, refresh);
  onLive((ev) => {
    if (!$('#auto', main).checked) return;
    const id = ev.session && ev.session.id;
    const tr = id ? $(`#sessions tbody tr[data-id="${id}"]`, main) : null;
    if (tr && ev.event === 'end') {
      tr.classList.add('ended');
      tr.title = `ended: ${ev.reason}`;
    }
    soon();
  });
  every(2000, () => { if ($('#auto', main).checked && !LIVE.open) refresh(); });
  refresh();
}

// ---- Device > Setup > Session -----------------------------------------------------

const SETTING_LABELS = {
  'max-sessions': 'Max sessions', 'half-close-mode': 'Half-close mode',
  'tcp-reject-non-syn': 'Reject non-SYN TCP', 'tcp-window-check': 'TCP window check',
  'tcp-checksum-check': 'Verify L4 checksums', 'default-action': 'Default action',
  'max-tombstones': 'Max tombstones', 'tombstone-ttl': 'Tombstone lifetime (s)',
  'max-sessions-per-source': 'Max sessions per source', 'table-full-action': 'Table-full action',
  'evict-min-idle': 'Evict min idle (s)', 'accelerated-aging': 'Accelerated Aging',
  'accelerated-aging-threshold': 'Accelerated Aging Threshold (%)',
  'accelerated-aging-scaling-factor': 'Accelerated Aging Scaling Factor',
  'tunnel-inspect': 'Tunnel content inspection', 'tunnel-max-depth': 'Tunnel max depth',
};
const label = (s) => s.label || SETTING_LABELS[s.name] || s.name;

// The Session Settings panel, grouped as PAN-OS groups it; a setting the
// server lists and no group names goes under "Other", so none is ever hidden.
const SETTING_GROUPS = [
  ['Session table', ['max-sessions', 'max-sessions-per-source', 'table-full-action', 'evict-min-idle']],
  ['Accelerated aging', ['accelerated-aging', 'accelerated-aging-threshold', 'accelerated-aging-scaling-factor']],
  ['TCP', ['half-close-mode', 'tcp-reject-non-syn', 'tcp-window-check', 'tcp-checksum-check']],
  ['Policy and tombstones', ['default-action', 'max-tombstones', 'tombstone-ttl']],
  ['Tunnels', ['tunnel-inspect', 'tunnel-max-depth']],
];
// A setting that only matters while another one has a given value: greyed out
// (and not sent) otherwise, as PAN-OS greys out the threshold without aging.
const SETTING_NEEDS = {
  'accelerated-aging-threshold': ['accelerated-aging', 'yes'],
  'accelerated-aging-scaling-factor': ['accelerated-aging', 'yes'],
  'evict-min-idle': ['table-full-action', 'evict'],
};
// Live rows under a group: what the table is doing now (GET session/info).
const SETTING_STATUS = {
  'Session table': [['sources-at-quota', 'Sources at their quota', (i) =>
    i.max_sessions_per_source ? fmt(i.sources_at_quota) : 'no quota set']],
  'Accelerated aging': [['accelerating', 'Accelerating now', (i) =>
    `${i.accelerating ? 'yes' : 'no'} (table ${fmt(i.utilization_pct, 2)}% full, threshold ${i.accelerated_aging_threshold}%` +
    `${i.accelerated_aging ? '' : ', aging off'})`]],
};
const isYesNo = (s) => s.type === 'choice' && s.choices.length === 2 && s.choices.includes('yes') && s.choices.includes('no');

function groupSettings(settings) {
  const by = new Map(settings.map((s) => [s.name, s]));
  const out = [];
  for (const [title, names] of SETTING_GROUPS) {
    const list = names.filter((n) => by.has(n)).map((n) => by.get(n));
    names.forEach((n) => by.delete(n));
    if (list.length) out.push([title, list]);
  }
  if (by.size) out.push(['Other', [...by.values()]]);
  return out;
}

function viewSetup(main) {
  let conf = null, editing = null;

  // what the dependent setting waits for, in `values` (name -> value); '' if it is in use
  const unused = (s, values) => {
    const need = SETTING_NEEDS[s.name];
    if (!need || !(need[0] in values) || values[need[0]] === need[1]) return '';
    return `not in use: ${label({ name: need[0] })} is ${values[need[0]]}`;
  };

  async function load() {
    const r = await api('GET', 'config');
    if (!r.ok) { toast(r.data.error, true); return; }
    conf = r.data;
    const values = Object.fromEntries(conf.settings.map((s) => [s.name, s.value]));
    const st = $('#settings-table tbody', main);
    const rows = [];
    for (const [title, list] of groupSettings(conf.settings)) {
      rows.push(el('tr', { class: 'group' }, el('th', { scope: 'rowgroup', colspan: 3 }, title)));
      for (const s of list) {
        const off = unused(s, values);
        rows.push(el('tr', { 'data-name': s.name, class: off ? 'unused' : null },
          el('th', { scope: 'row' }, label(s)),
          el('td', { class: 'value' }, String(s.value) + (s.value !== s.default ? '' : ' (default)')),
          el('td', { class: 'muted' }, s.help + (s.restart_needed ? ' — takes effect at the next start' : '') +
            (off ? ` (${off})` : ''))));
      }
      for (const [id, text] of SETTING_STATUS[title] || [])
        rows.push(el('tr', { class: 'status', 'data-status': id }, el('th', { scope: 'row' }, text),
          el('td', { class: 'value', 'aria-live': 'polite' }, '–'), el('td', { class: 'muted' }, 'now, updated every 2 s')));
    }
    st.replaceChildren(...rows);
    status();
    const tt = $('#timeouts-table tbody', main);
    tt.replaceChildren(...conf.timeouts.map((t) => el('tr', { 'data-name': t.name },
      el('th', { scope: 'row' }, t.label, el('br'), el('small', { class: 'muted' }, t.name)),
      el('td', { class: 'num value' + (t.value !== t.default ? ' changed' : '') }, fmt(t.value)),
      el('td', { class: 'num' }, fmt(t.default)),
      el('td', {}, `${fmt(t.min)} – ${fmt(t.max)}`),
      el('td', { class: 'muted' }, t.help))));
  }

  async function status() {
    let r;
    try { r = await api('GET', 'session/info'); } catch (e) { return; }
    if (S.view !== 'setup' || !r.ok) return;
    for (const rows of Object.values(SETTING_STATUS))
      for (const [id, , text] of rows) {
        const td = $(`#settings-table tr[data-status="${id}"] td.value`, main);
        if (td) td.textContent = text(r.data);
      }
  }

  function field(s) {
    const id = 'f-' + s.name, hint = 'h-' + s.name, err = 'e-' + s.name;
    let input;
    if (isYesNo(s)) {
      input = el('input', { id, name: s.name, type: 'checkbox', checked: s.value === 'yes',
        'aria-describedby': `${hint} ${err}` });
    } else if (s.type === 'choice') {
      input = el('select', { id, name: s.name, 'aria-describedby': `${hint} ${err}` },
        ...s.choices.map((c) => el('option', { value: c, selected: c === s.value }, c)));
    } else if (s.type === 'list') {
      input = el('input', { id, name: s.name, type: 'text', required: true, value: s.value,
        'aria-describedby': `${hint} ${err}` });
    } else {
      input = el('input', { id, name: s.name, type: 'number', inputmode: 'numeric', min: s.min, max: s.max,
        step: 1, required: true, value: s.value, 'aria-describedby': `${hint} ${err}` });
    }
    const range = isYesNo(s) ? 'checked means yes' : s.type === 'choice' ? `range one of ${s.choices.join(', ')}` :
      s.type === 'list' ? `all, none or a comma list of ${s.choices.slice(2).join(', ')}` :
      `range ${fmt(s.min)} – ${fmt(s.max)}${s.unit ? ' ' + s.unit : ''}`;
    return el('div', { class: 'field', 'data-name': s.name },
      el('label', { for: id }, label(s)), input,
      el('small', { id: hint, class: 'hint' }, `Default ${s.default}; ${range}. ${s.help}`),
      el('span', { id: err, class: 'field-error', role: 'alert' }));
  }

  const inputOf = (s) => $('#f-' + CSS.escape(s.name), main);
  const valueOf = (s, input) => isYesNo(s) ? (input.checked ? 'yes' : 'no') :
    s.type === 'choice' || s.type === 'list' ? input.value.trim() : Number(input.value);
  // the dialog's current values, for the dependencies
  const formValues = () => Object.fromEntries(editing.map((s) => [s.name, valueOf(s, inputOf(s))]));
  function updateDependents() {
    const values = formValues();
    for (const s of editing) {
      if (!SETTING_NEEDS[s.name]) continue;
      const off = unused(s, values), input = inputOf(s);
      input.disabled = !!off;
      $('#h-' + CSS.escape(s.name), main).dataset.unused = off;
      if (off) {
        input.setCustomValidity('');
        input.setAttribute('aria-invalid', 'false');
        $('#e-' + CSS.escape(s.name), main).textContent = '';
      }
    }
  }

  // the browser's check; the server checks again on commit
  function checkField(s, input) {
    let msg = '';
    if (s.type === 'list' && !input.disabled) {
      const words = input.value.trim().split(',');
      const bad = words.find((w) => !s.choices.includes(w));
      if (bad !== undefined || (words.length > 1 && words.some((w) => w === 'all' || w === 'none')))
        msg = `${label(s)}: all, none or a comma list of ${s.choices.slice(2).join(', ')}`;
    } else if (s.type !== 'choice' && !input.disabled) {
      const v = input.value.trim();
      if (v === '') msg = `${label(s)}: enter a value`;
      else if (!/^\d+$/.test(v)) msg = `${label(s)} must be a whole number`;
      else if (+v < s.min || +v > s.max) msg = `${label(s)} must be between ${fmt(s.min)} and ${fmt(s.max)}`;
    }
    input.setCustomValidity(msg);
    input.setAttribute('aria-invalid', msg ? 'true' : 'false');
    $('#e-' + CSS.escape(s.name), main).textContent = msg;
    return !msg;
  }

  function openEdit(which) {
    editing = which === 'timeouts' ? conf.timeouts.map((t) => ({ ...t, type: 'integer' })) : conf.settings;
    $('#edit-title', main).textContent = which === 'timeouts' ? 'Session Timeouts' : 'Session Settings';
    if (which === 'timeouts') {
      $('#edit-fields', main).replaceChildren(...editing.map(field));
    } else {
      const groups = groupSettings(editing);
      editing = groups.flatMap(([, list]) => list); // the dialog's order
      $('#edit-fields', main).replaceChildren(...groups.map(([title, list]) =>
        el('fieldset', {}, el('legend', {}, title), ...list.map(field))));
    }
    $('#edit-error', main).textContent = '';
    for (const s of editing) {
      const input = inputOf(s);
      input.addEventListener('change', () => { checkField(s, input); updateDependents(); });
      input.addEventListener('input', () => { if (input.getAttribute('aria-invalid') === 'true') checkField(s, input); });
    }
    updateDependents();
    $('#edit', main).showModal();
  }

  $('#edit-cancel', main).addEventListener('click', () => $('#edit', main).close());
  $('#edit-form', main).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('#edit-error', main).textContent = '';
    let good = true, first = null;
    const changes = {};
    for (const s of editing) {
      const input = inputOf(s);
      $('#e-' + CSS.escape(s.name), main).textContent = '';
      if (input.disabled) continue; // not in use: kept as it is
      if (!checkField(s, input)) {
        good = false;
        first = first || input;
        continue;
      }
      const v = valueOf(s, input);
      if (v !== s.value) changes[s.name] = v;
    }
    if (!good) {
      $('#edit-error', main).textContent = 'Fix the marked fields.';
      first.focus();
      return;
    }
    if (!Object.keys(changes).length) {
      $('#edit', main).close();
      return;
    }
    const btn = $('#edit-ok', main);
    btn.disabled = true;
    try {
      const r = await api('POST', 'config/commit', { settings: changes });
      if (r.ok) {
        $('#edit', main).close();
        const n = Object.keys(changes).length;
        toast(`Committed ${n} change${n === 1 ? '' : 's'}` + (r.data.saved_to ? ` (saved to ${r.data.saved_to})` : '') +
          (r.data.restart_needed ? '; table sizes take effect at the next start' : ''));
        await load();
        return;
      }
      const errs = (r.data && r.data.errors) || [];
      let focus = null;
      for (const e of errs) {
        const span = e.field && $('#e-' + CSS.escape(e.field), main);
        if (span) {
          span.textContent = e.message;
          const input = $('#f-' + CSS.escape(e.field), main);
          input.setAttribute('aria-invalid', 'true');
          focus = focus || input;
        } else {
          $('#edit-error', main).textContent += (e.line ? e.line + ': ' : '') + e.message + ' ';
        }
      }
      if (!errs.length) $('#edit-error', main).textContent = r.data.error || `Commit failed (${r.status})`;
      else if (focus) $('#edit-error', main).textContent ||= 'The server refused the marked fields; nothing was changed.';
      if (focus) focus.focus();
    } finally {
      btn.disabled = false;
    }
  });
  for (const b of main.querySelectorAll('[data-edit]')) b.addEventListener('click', () => openEdit(b.dataset.edit));
  load();
  S.timers.push(setInterval(status, 2000));
}

// ---- start -----------------------------------------------------------------------

(async function start() {
  try {
    const r = await api('GET', 'auth/session');
    S.csrf = r.data.csrf;
  } catch (e) { return; }
  $('#logout').addEventListener('click', async () => {
    await api('POST', 'auth/logout').catch(() => {});
    location.href = '/login';
  });
  liveStart();
  window.addEventListener('hashchange', route);
  if (!VIEWS[location.hash]) history.replaceState(null, '', '#/dashboard');
  route();
})();
