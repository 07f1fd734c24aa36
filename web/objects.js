// objects.js - the web UI's Objects › Services page (loaded before app.js,
// whose helpers $, el, api, toast, fmt and S it uses when the page opens):
// service objects, service groups and applications of the running
// configuration with their timeout overrides and the rules that use them,
// and the security policy with the timers each rule's sessions get.  Add,
// edit and delete are set / delete lines committed through
// POST config/commit, as `configure` / `set` / `commit` in the CLI: the
// server checks them (unknown service, overlapping ports, an override
// without a protocol, a value out of range, a service a rule still uses)
// and its message is shown in the dialog; a commit re-evaluates live
// sessions, and the toast says how many.
'use strict';

const OBJ_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$/;
const OBJ_PORTS = /^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/;
// a name as a word of a set line
const objWord = (s) => (/\s/.test(s) ? `"${s}"` : s);

// The editable fields of each kind of object: [name, label, kind, extra].
const OBJ_FORMS = {
  service: {
    title: 'Service',
    fields: [
      ['name', 'Name', 'name'], ['protocol', 'Protocol', 'proto'],
      ['port', 'Destination port', 'ports', { required: true, hint: 'N, N-M or a comma list: 80,8000-8080' }],
      ['source_port', 'Source port', 'ports', { hint: 'empty: any' }],
      ['override', 'Override timeouts', 'check', { hint: 'yes: the timeouts below replace the global ones for the sessions of rules using this service' }],
      ['timeout', 'Timeout (s)', 'secs', { max: 604800, needs: 'override', hint: 'tcp: timeout-tcp, udp: timeout-udp' }],
      ['halfclose-timeout', 'Half-close timeout (s)', 'secs', { max: 604800, needs: 'override', tcp: true, hint: 'timeout-tcp-half-closed (half-close-mode tcpwait: timeout-tcpwait)' }],
      ['timewait-timeout', 'Time-wait timeout (s)', 'secs', { max: 600, needs: 'override', tcp: true, hint: 'timeout-tcp-time-wait' }],
    ],
  },
  group: {
    title: 'Service Group',
    fields: [['name', 'Name', 'name'], ['members', 'Members', 'members']],
  },
  app: {
    title: 'Application',
    fields: [
      ['name', 'Name', 'name'], ['protocol', 'Protocol', 'proto'],
      ['port', 'Port', 'ports', { required: true, hint: 'destination ports: N, N-M or a comma list' }],
      ['tcp-timeout', 'TCP timeout (s)', 'secs', { max: 604800, tcp: true, hint: 'timeout-tcp' }],
      ['tcp-half-closed-timeout', 'TCP half-closed timeout (s)', 'secs', { max: 604800, tcp: true, hint: 'timeout-tcp-half-closed' }],
      ['tcp-time-wait-timeout', 'TCP time-wait timeout (s)', 'secs', { max: 600, tcp: true, hint: 'timeout-tcp-time-wait' }],
      ['udp-timeout', 'UDP timeout (s)', 'secs', { max: 604800, udp: true, hint: 'timeout-udp' }],
    ],
  },
};

// The set / delete lines that make the running object `old` (null: new) into `v`.
function objLines(kind, v, old) {
  const n = objWord(v.name);
  if (kind === 'group')
    return [`set service-group ${n} members [ ${v.members.map(objWord).join(' ')} ]`];
  const timers = (names) => names.filter((k) => v[k]).map((k) => ` ${k} ${v[k]}`).join('');
  if (kind === 'app') {
    const lines = old ? [`delete application ${n}`] : [];
    lines.push(`set application ${n} protocol ${v.protocol} port ${v.port}` +
      timers(['tcp-timeout', 'tcp-half-closed-timeout', 'tcp-time-wait-timeout', 'udp-timeout']));
    return lines;
  }
  // a service a rule uses cannot be deleted: an edit starts it afresh by a protocol change
  const lines = old ? [`set service ${n} protocol ${old.protocol === 'tcp' ? 'udp' : 'tcp'}`] : [];
  lines.push(`set service ${n} protocol ${v.protocol} port ${v.port}` +
    (v.source_port ? ` source-port ${v.source_port}` : ''));
  if (v.override)
    lines.push(`set service ${n} protocol ${v.protocol} override yes` +
      timers(['timeout', 'halfclose-timeout', 'timewait-timeout']));
  return lines;
}

// The object's current values, as the form edits them.
function objValues(kind, o) {
  const v = { name: o.name, protocol: o.protocol, port: o.port };
  if (kind === 'group') return { name: o.name, members: o.members };
  if (kind === 'service') {
    v.source_port = o.source_port === 'any' ? '' : o.source_port;
    v.override = o.override;
  }
  for (const x of o.overrides || []) v[x.setting] = x.value;
  return v;
}

function viewObjects(main) {
  let data = null, editing = null;

  const usedBy = (o) => {
    const parts = [];
    if (o.rules && o.rules.length) parts.push((o.rules.length === 1 ? 'rule ' : 'rules ') + o.rules.join(', '));
    if (o.groups && o.groups.length) parts.push('in ' + o.groups.join(', '));
    return parts.join('; ') || '–';
  };
  const overrides = (o) => (o.overrides || []).map((x) =>
    `${x.setting} ${fmt(x.value)} s (replaces ${x.timer}, global ${fmt(x.global)} s)`).join('\n') || '–';
  const actions = (kind, o) => el('td', { class: 'actions' },
    el('button', { type: 'button', class: 'link', onclick: () => openEdit(kind, o), 'aria-label': `Edit ${o.name}` }, 'Edit'),
    ' ',
    el('button', { type: 'button', class: 'link', onclick: () => confirmDelete(kind, o), 'aria-label': `Delete ${o.name}` }, 'Delete'));
  const empty = (tb, n, text) => { if (!tb.children.length) tb.append(el('tr', {}, el('td', { colspan: n, class: 'muted' }, text))); };

  async function load() {
    let r;
    try {
      r = await Promise.all(['services', 'service-groups', 'applications', 'security-policy'].map((p) => api('GET', p)));
    } catch (e) { return; }
    if (S.view !== 'objects') return;
    const bad = r.find((x) => !x.ok);
    if (bad) { toast(bad.data.error, true); return; }
    data = { services: r[0].data.services, groups: r[1].data.groups, apps: r[2].data.applications, policy: r[3].data };
    const st = $('#services-table tbody', main);
    st.replaceChildren(...data.services.map((s) => el('tr', { 'data-name': s.name },
      el('th', { scope: 'row' }, s.name), el('td', {}, s.protocol), el('td', {}, s.port), el('td', {}, s.source_port),
      el('td', {}, s.override ? 'yes' : 'no'), el('td', { class: 'timers' }, overrides(s)),
      el('td', { class: 'used' }, usedBy(s)), actions('service', s))));
    empty(st, 8, 'no service objects: rules match by their own protocol and ports (service any)');
    const gt = $('#groups-table tbody', main);
    gt.replaceChildren(...data.groups.map((g) => el('tr', { 'data-name': g.name },
      el('th', { scope: 'row' }, g.name), el('td', {}, g.members.join(', ')),
      el('td', { class: 'used' }, usedBy(g)), actions('group', g))));
    empty(gt, 4, 'no service groups');
    const at = $('#apps-table tbody', main);
    at.replaceChildren(...data.apps.map((a) => el('tr', { 'data-name': a.name },
      el('th', { scope: 'row' }, a.name), el('td', {}, a.protocol), el('td', {}, a.port),
      el('td', { class: 'timers' }, overrides(a)),
      el('td', { class: 'used' }, a.rules.length ? 'application-default rules ' + a.rules.join(', ') : 'every session on its ports'),
      actions('app', a))));
    empty(at, 6, 'no applications');
    const pt = $('#policy-table tbody', main);
    pt.replaceChildren(...data.policy.rules.map((ru) => el('tr', { 'data-name': ru.name },
      el('td', { class: 'num' }, ru.index), el('th', { scope: 'row' }, ru.name),
      el('td', {}, `${ru.protocol} / ${ru.destination_port}`), el('td', {}, ru.service), el('td', {}, ru.action),
      el('td', { class: 'timers' }, ru.sessions.length ? ru.sessions.map((k) =>
        `${[k.service && 'service ' + k.service, k.application && 'application ' + k.application].filter(Boolean).join(', ') || 'every session'}: ` +
        k.timers.map((t) => `${t.timer} ${fmt(t.value)} (${t.source})`).join(', ')).join('\n') :
        ru.action === 'deny' ? 'discard sessions: global timers' : 'global timers'))));
    empty(pt, 6, `no rules: default action ${data.policy.default_action}, global timers`);
  }

  // ---- the edit dialog
  function field(kind, [name, text, type, x = {}], v) {
    const id = 'o-' + name, err = 'oe-' + name, hint = 'oh-' + name;
    let input;
    if (type === 'proto') {
      input = el('select', { id, name, 'aria-describedby': err }, ...['tcp', 'udp'].map((p) =>
        el('option', { value: p, selected: p === (v.protocol || 'tcp') }, p)));
    } else if (type === 'check') {
      input = el('input', { id, name, type: 'checkbox', checked: !!v[name], 'aria-describedby': `${hint} ${err}` });
    } else if (type === 'members') {
      input = el('fieldset', { id, class: 'members' }, el('legend', {}, text),
        ...data.services.map((s) => el('label', { class: 'inline' },
          el('input', { type: 'checkbox', name: 'member', value: s.name, checked: (v.members || []).includes(s.name) }), ' ', s.name)));
      return el('div', { class: 'field', 'data-name': name }, input, el('span', { id: err, class: 'field-error', role: 'alert' }));
    } else {
      input = el('input', { id, name, type: type === 'secs' ? 'number' : 'text', value: v[name] === undefined ? '' : v[name],
        min: type === 'secs' ? 1 : null, max: x.max || null, 'aria-describedby': `${hint} ${err}`,
        disabled: type === 'name' && editing.old ? true : null });
    }
    return el('div', { class: 'field', 'data-name': name },
      el('label', { for: id }, text), input,
      el('small', { id: hint, class: 'hint' }, type === 'secs' ? `1 – ${fmt(x.max)}; empty: not set. ${x.hint}` :
        type === 'name' ? 'letters, digits, space, - _ . (at most 63)' : x.hint || ''),
      el('span', { id: err, class: 'field-error', role: 'alert' }));
  }

  const inp = (name) => $('#o-' + CSS.escape(name), main);
  // grey out what does not apply: timers without override, tcp timers of a udp object
  function dependents() {
    const proto = inp('protocol') ? inp('protocol').value : 'tcp';
    for (const [name, , type, x = {}] of OBJ_FORMS[editing.kind].fields) {
      if (type !== 'secs') continue;
      const off = (x.needs && !inp(x.needs).checked) || (x.tcp && proto !== 'tcp') || (x.udp && proto !== 'udp');
      inp(name).disabled = off;
    }
  }

  function openEdit(kind, o) {
    if (kind === 'group' && !data.services.length) { toast('Add a service first: a group lists services', true); return; }
    editing = { kind, old: o || null };
    const v = o ? objValues(kind, o) : {};
    $('#obj-title', main).textContent = (o ? 'Edit ' : 'Add ') + OBJ_FORMS[kind].title + (o ? ` ${o.name}` : '');
    $('#obj-fields', main).replaceChildren(...OBJ_FORMS[kind].fields.map((f) => field(kind, f, v)));
    $('#obj-error', main).textContent = '';
    for (const i of $('#obj-fields', main).querySelectorAll('input, select')) i.addEventListener('change', dependents);
    dependents();
    $('#obj-edit', main).showModal();
  }

  // the browser's checks; the server checks again on commit
  function formValues() {
    const v = {}, errs = [];
    const mark = (name, msg) => {
      errs.push(name);
      $('#oe-' + CSS.escape(name), main).textContent = msg;
      const i = inp(name);
      if (i) i.setAttribute('aria-invalid', 'true');
    };
    for (const [name, text, type, x = {}] of OBJ_FORMS[editing.kind].fields) {
      const i = inp(name);
      $('#oe-' + CSS.escape(name), main).textContent = '';
      if (i && i.setAttribute) i.setAttribute('aria-invalid', 'false');
      if (type === 'members') {
        v.members = [...i.querySelectorAll('input:checked')].map((c) => c.value);
        if (!v.members.length) mark(name, 'Choose at least one service');
        continue;
      }
      if (type === 'check') { v[name] = i.checked; continue; }
      const s = i.value.trim();
      if (type === 'name') {
        v.name = editing.old ? editing.old.name : s;
        if (!editing.old && !OBJ_NAME.test(s)) mark(name, `${text}: 1 to 63 letters, digits, spaces, - _ . starting with a letter or digit`);
      } else if (type === 'proto') {
        v.protocol = s;
      } else if (type === 'ports') {
        v[name] = s;
        if ((s || x.required) && !OBJ_PORTS.test(s)) mark(name, `${text}: N, N-M or a comma list of them`);
      } else if (type === 'secs' && !i.disabled && s !== '') {
        if (!/^\d+$/.test(s) || +s < 1 || +s > x.max) mark(name, `${text} must be a whole number from 1 to ${fmt(x.max)}`);
        else v[name] = +s;
      }
    }
    if (editing.kind === 'service' && v.override && !['timeout', 'halfclose-timeout', 'timewait-timeout'].some((k) => v[k]))
      mark('timeout', 'An override needs at least one timeout');
    return errs.length ? null : v;
  }

  async function commit(lines, done) {
    const r = await api('POST', 'config/commit', { lines });
    if (r.ok) {
      toast(`${done} (committed; ${fmt(r.data.reevaluated)} live session${r.data.reevaluated === 1 ? '' : 's'} ` +
        `re-evaluated, ${fmt(r.data.retimed)} re-timed)`);
      await load();
      return null;
    }
    const errs = (r.data && r.data.errors) || [];
    return errs.map((e) => e.message).join(' ') || r.data.error || `Commit failed (${r.status})`;
  }

  $('#obj-cancel', main).addEventListener('click', () => $('#obj-edit', main).close());
  $('#obj-form', main).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('#obj-error', main).textContent = '';
    const v = formValues();
    if (!v) { $('#obj-error', main).textContent = 'Fix the marked fields.'; return; }
    const btn = $('#obj-ok', main);
    btn.disabled = true;
    try {
      const what = `${OBJ_FORMS[editing.kind].title} ${v.name} ${editing.old ? 'changed' : 'added'}`;
      const err = await commit(objLines(editing.kind, v, editing.old), what);
      if (err) $('#obj-error', main).textContent = err + ' Nothing was changed.';
      else $('#obj-edit', main).close();
    } finally {
      btn.disabled = false;
    }
  });

  function confirmDelete(kind, o) {
    const d = $('#obj-confirm', main);
    const word = { service: 'service', group: 'service-group', app: 'application' }[kind];
    $('#obj-confirm-text', main).textContent = `Delete ${word} ${o.name}?` +
      (o.rules && o.rules.length && kind !== 'app' ? ` Rules ${o.rules.join(', ')} use it: the server will refuse.` : '');
    $('#obj-confirm-error', main).textContent = '';
    d.showModal();
    $('#obj-confirm-no', main).onclick = () => d.close();
    $('#obj-confirm-yes', main).onclick = async () => {
      const err = await commit([`delete ${word} ${objWord(o.name)}`], `${OBJ_FORMS[kind].title} ${o.name} deleted`);
      if (err) $('#obj-confirm-error', main).textContent = err;
      else d.close();
    };
  }

  for (const [id, kind] of [['add-service', 'service'], ['add-group', 'group'], ['add-app', 'app']])
    $('#' + id, main).addEventListener('click', () => openEdit(kind, null));
  load();
}
