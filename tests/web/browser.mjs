// browser.mjs - the web UI as an operator uses it, in headless Debian chromium
// driven by playwright-core (run by test_browser.sh, which starts the lab,
// the daemon and a live transfer).  Every step leaves a screenshot in $ART.
//
// env: BASE (http://127.0.0.1:PORT), PW, SW_BIN, CTL, LIVE_PORT, ART, CHROMIUM,
//      NS_C and SERVER_IP (a ping from the client namespace, seen live)
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const { BASE, PW, SW_BIN, CTL, LIVE_PORT, ART, NS_C, SERVER_IP } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(ART, { recursive: true });

let passes = 0, fails = 0, shot = 0;
const ok = (what) => { passes++; console.log(`  ok    ${what}`); };
const bad = (what) => { fails++; console.log(`  FAIL  ${what}`); };
async function step(what, fn) {
  try {
    const extra = await fn();
    ok(what + (extra ? `: ${extra}` : ''));
    return true;
  } catch (e) {
    bad(`${what}: ${String(e.message || e).split('\n')[0]}`);
    return false;
  }
}
const cli = (cmd) => execFileSync(SW_BIN, ['cli', '--ctl', CTL, '-c', cmd],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const expectText = async (loc, re, timeout = 10000) => {
  const t0 = Date.now();
  for (;;) {
    const t = (await loc.textContent({ timeout }).catch(() => '')) || '';
    if (re.test(t)) return t.trim();
    if (Date.now() - t0 > timeout) throw new Error(`expected ${re} in "${t.trim().slice(0, 200)}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-proxy-server'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(10000);
const consoleErrors = [];
// the 401 of the wrong password and the 422 of the refused commit are expected answers
page.on('console', (m) => {
  if (m.type() === 'error' && !/Failed to load resource: .*status of (401|422)/.test(m.text()))
    consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(String(e)));
const snap = async (name) => {
  const f = `${ART}/${String(++shot).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: f, fullPage: true });
  return f;
};

try {
  // ---- log in
  await step('GET / without a session redirects to the login page', async () => {
    await page.goto(BASE + '/');
    if (!page.url().endsWith('/login')) throw new Error('at ' + page.url());
    await snap('login');
  });
  await step('a wrong password is refused with a message', async () => {
    await page.getByLabel('Administrator password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const t = await expectText(page.locator('#login-error'), /Wrong password/);
    await snap('login-wrong');
    return t;
  });
  await step('log in; the dashboard updates live', async () => {
    await page.getByLabel('Administrator password').fill(PW);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/#\/dashboard$/);
    const first = await expectText(page.locator('#dash-updated'), /Last update/);
    // It refreshes every second; allow a loaded (sanitizer) build ten.
    await page.waitForFunction((f) => document.querySelector('#dash-updated').textContent !== f,
      first, { timeout: 10000 }).catch(() => { throw new Error(`not updated in 10 s: still "${first}"`); });
    const pps = await page.locator('#d-pps').textContent();
    const util = await page.locator('#d-util').textContent();
    await page.waitForTimeout(1200);
    await snap('dashboard');
    return `packets/s ${pps}, utilization ${util} %`;
  });

  // ---- Device > Setup > Session
  await step('open Device > Setup > Session: both panels from the tables', async () => {
    await page.getByRole('link', { name: /Device.*Setup.*Session/ }).click();
    await page.waitForURL(/#\/device\/setup\/session$/);
    const row = page.locator('#timeouts-table tr[data-name="timeout-tcp-half-closed"]');
    await expectText(row, /TCP Half Closed.*timeout-tcp-half-closed/s);
    const rows = await page.locator('#timeouts-table tbody tr').count();
    if (rows !== 13) throw new Error(`${rows} timer rows, expected 13`);
    await expectText(page.locator('#settings-table tr[data-name="half-close-mode"]'), /idle/);
    await expectText(page.locator('#settings-table tr[data-name="max-sessions"]'), /\d/);
    await expectText(page.locator('#settings-table tr[data-name="tcp-reject-non-syn"]'), /yes/);
    await snap('setup-session');
    return `${rows} timers: ${(await row.textContent()).replace(/\s+/g, ' ').trim()}`;
  });
  const half = () => page.getByLabel('TCP Half Closed', { exact: true });
  const halfErr = page.locator('#e-timeout-tcp-half-closed');
  await step('edit Session Timeouts: TCP Half Closed 0 is refused by the browser, next to the field', async () => {
    await page.getByRole('button', { name: 'Edit Session Timeouts' }).click();
    await page.locator('#edit[open]').waitFor();
    await half().fill('0');
    await page.getByRole('button', { name: 'OK' }).click();
    const t = await expectText(halfErr, /between 1 and 604,800/);
    if ((await half().getAttribute('aria-invalid')) !== 'true') throw new Error('not marked aria-invalid');
    await snap('half-closed-0-refused-in-browser');
    return t;
  });
  await step('TCP Half Closed 5 passes the browser but the server refuses it (time-wait 15 s is longer)', async () => {
    await half().fill('5');
    await page.getByRole('button', { name: 'OK' }).click();
    const t = await expectText(halfErr, /timeout-tcp-time-wait/);
    if (!(await page.locator('#edit').evaluate((d) => d.open))) throw new Error('dialog closed');
    await snap('half-closed-5-refused-by-server');
    const info = cli('show session info');
    if (!/timeout-tcp-half-closed\):\s+120 secs/.test(info)) throw new Error('the running value changed');
    return t;
  });
  await step('TCP Half Closed 240 is committed; the table shows it', async () => {
    await half().fill('240');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.locator('#edit').waitFor({ state: 'hidden' });
    const toast = await expectText(page.locator('#toast'), /Committed 1 change/);
    await expectText(page.locator('#timeouts-table tr[data-name="timeout-tcp-half-closed"] td.value'), /^240$/);
    await snap('half-closed-240-committed');
    return toast;
  });
  await step('statewall cli -c "show session info" shows 240 secs', async () => {
    const info = cli('show session info');
    writeFileSync(`${ART}/show-session-info.txt`, info);
    const line = info.split('\n').find((l) => l.includes('timeout-tcp-half-closed'));
    if (!/240 secs \(configured\)/.test(line || '')) throw new Error(line);
    return line.replace(/\s+/g, ' ').trim();
  });

  // ---- Session Settings: the table-pressure settings
  const thr = () => page.getByLabel('Accelerated Aging Threshold (%)', { exact: true });
  await step('Session Settings lists the table-pressure settings, grouped, with their defaults', async () => {
    const t = [];
    for (const [name, re] of [['accelerated-aging', /yes \(default\)/], ['accelerated-aging-threshold', /80 \(default\)/],
      ['accelerated-aging-scaling-factor', /2 \(default\)/], ['table-full-action', /evict \(default\)/],
      ['evict-min-idle', /60 \(default\)/], ['max-sessions-per-source', /0 \(default\)/]])
      t.push(await expectText(page.locator(`#settings-table tr[data-name="${name}"] td.value`), re));
    const groups = await page.locator('#settings-table tr.group').allTextContents();
    if (!groups.includes('Accelerated aging') || !groups.includes('Session table')) throw new Error(groups.join(', '));
    t.push('accelerating now: ' + await expectText(page.locator('#settings-table tr[data-status="accelerating"] td.value'),
      /^no \(table [\d.]+% full, threshold 80%\)$/));
    await snap('session-settings-pressure');
    return t.join(', ');
  });
  await step('edit Session Settings: threshold 100 is refused by the browser with the range 50 – 99', async () => {
    await page.getByRole('button', { name: 'Edit Session Settings' }).click();
    await page.locator('#edit[open]').waitFor();
    if (!(await page.getByLabel('Accelerated Aging', { exact: true }).isChecked())) throw new Error('aging not checked');
    await thr().fill('100');
    await page.getByRole('button', { name: 'OK' }).click();
    const t = await expectText(page.locator('#e-accelerated-aging-threshold'), /between 50 and 99/);
    if ((await thr().getAttribute('aria-invalid')) !== 'true') throw new Error('not marked aria-invalid');
    await snap('threshold-100-refused-in-browser');
    const info = cli('show session info');
    if (!/threshold[^\n]*80/i.test(info)) throw new Error('the running threshold changed');
    return t;
  });
  await step('unchecking Accelerated Aging greys out its threshold and scaling factor', async () => {
    await page.getByLabel('Accelerated Aging', { exact: true }).uncheck();
    if (!(await thr().isDisabled()) || !(await page.getByLabel('Accelerated Aging Scaling Factor').isDisabled()))
      throw new Error('still enabled');
    const err = (await page.locator('#e-accelerated-aging-threshold').textContent()).trim();
    if (err) throw new Error(`the disabled field still says "${err}"`);
    await snap('aging-off-greys-out');
    await page.getByLabel('Accelerated Aging', { exact: true }).check();
    if (await thr().isDisabled()) throw new Error('not enabled again');
  });
  await step('threshold 90 and max sessions per source 500 are committed; the panel shows them', async () => {
    await thr().fill('90');
    await page.getByLabel('Max sessions per source').fill('500');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.locator('#edit').waitFor({ state: 'hidden' });
    const toast = await expectText(page.locator('#toast'), /Committed 2 changes/);
    await expectText(page.locator('#settings-table tr[data-name="accelerated-aging-threshold"] td.value'), /^90$/);
    await expectText(page.locator('#settings-table tr[data-name="max-sessions-per-source"] td.value'), /^500$/);
    await snap('threshold-90-committed');
    return toast;
  });
  await step('statewall cli -c "show session info" shows threshold 90 and 500 per source', async () => {
    const info = cli('show session info');
    writeFileSync(`${ART}/show-session-info-pressure.txt`, info);
    const lines = info.split('\n').filter((l) => /threshold|per source/i.test(l));
    if (!lines.some((l) => /threshold[^\n]*\b90\b/i.test(l)) || !lines.some((l) => /per source[^\n]*\b500\b/i.test(l)))
      throw new Error(lines.join(' | ') || 'no such lines');
    return lines.map((l) => l.replace(/\s+/g, ' ').trim()).join(' | ');
  });

  // ---- Objects > Services: the live transfer's rule uses svc-live (test_browser.sh's configuration)
  const objDialog = page.locator('#obj-edit');
  await step('open Objects > Services: svc-live, used by rule live, no override; the policy lists rule live', async () => {
    await page.getByRole('link', { name: /Objects.*Services/ }).click();
    await page.waitForURL(/#\/objects\/services$/);
    const row = page.locator('#services-table tr[data-name="svc-live"]');
    const t = await expectText(row, new RegExp(`svc-live\\s*tcp\\s*${LIVE_PORT}\\s*any\\s*no.*rule live`, 's'));
    await expectText(page.locator('#policy-table tr[data-name="live"]'), /svc-live.*allow.*global timers/s);
    await snap('objects-services');
    return t.replace(/\s+/g, ' ');
  });
  await step('edit svc-live: an override without a timeout is refused by the browser', async () => {
    await page.getByRole('button', { name: 'Edit svc-live' }).click();
    await page.locator('#obj-edit[open]').waitFor();
    if (!(await page.getByLabel('Half-close timeout (s)').isDisabled())) throw new Error('timers enabled without override');
    await page.getByLabel('Override timeouts').check();
    await page.getByRole('button', { name: 'OK' }).click();
    return expectText(page.locator('#oe-timeout'), /at least one timeout/);
  });
  await step('half-close timeout 600 is committed; the toast says the live session was re-timed', async () => {
    await page.getByLabel('Half-close timeout (s)').fill('600');
    await page.getByRole('button', { name: 'OK' }).click();
    await objDialog.waitFor({ state: 'hidden' });
    const toast = await expectText(page.locator('#toast'), /Service svc-live changed \(committed; \d+ live sessions? re-evaluated, [1-9]\d* re-timed\)/);
    await expectText(page.locator('#services-table tr[data-name="svc-live"] td.timers'),
      /halfclose-timeout 600 s \(replaces timeout-tcp-half-closed, global 240 s\)/);
    await expectText(page.locator('#policy-table tr[data-name="live"] td.timers'),
      /timeout-tcp-half-closed 600 \(service svc-live override\)/);
    await snap('objects-override-committed');
    return toast;
  });
  await step('add application app-live: tcp port 5301, time-wait 20 s; its row says every session on its ports', async () => {
    await page.getByRole('button', { name: 'Add application' }).click();
    await page.locator('#obj-edit[open]').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('app-live');
    await page.getByLabel('Port', { exact: true }).fill(String(LIVE_PORT));
    if (!(await page.getByLabel('UDP timeout (s)').isDisabled())) throw new Error('udp timeout enabled for tcp');
    await page.getByLabel('TCP time-wait timeout (s)').fill('20');
    await page.getByRole('button', { name: 'OK' }).click();
    await objDialog.waitFor({ state: 'hidden' });
    return expectText(page.locator('#apps-table tr[data-name="app-live"]'), /tcp-time-wait-timeout 20 s.*every session on its ports/s);
  });
  await step('a service whose port is out of range passes the browser and the server refuses it, in the dialog', async () => {
    await page.getByRole('button', { name: 'Add service', exact: true }).click();
    await page.locator('#obj-edit[open]').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('svc-bad');
    await page.getByLabel('Destination port').fill('99999');
    await page.getByRole('button', { name: 'OK' }).click();
    const t = await expectText(page.locator('#obj-error'), /99999.*Nothing was changed/);
    await snap('objects-server-refuses');
    await page.getByRole('button', { name: 'Cancel' }).click();
    if (/svc-bad/.test(cli('show service'))) throw new Error('svc-bad was created');
    return t;
  });
  await step('deleting svc-live is refused: rule live uses it', async () => {
    await page.getByRole('button', { name: 'Delete svc-live' }).click();
    await page.locator('#obj-confirm[open]').waitFor();
    await page.locator('#obj-confirm').getByRole('button', { name: 'Delete', exact: true }).click();
    const t = await expectText(page.locator('#obj-confirm-error'), /rule 'live'/);
    await snap('objects-delete-refused');
    await page.locator('#obj-confirm').getByRole('button', { name: 'Cancel' }).click();
    return t;
  });
  await step('add service group g-live with svc-live, then delete it', async () => {
    await page.getByRole('button', { name: 'Add service group' }).click();
    await page.locator('#obj-edit[open]').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('g-live');
    await page.locator('#obj-fields').getByLabel('svc-live').check();
    await page.getByRole('button', { name: 'OK' }).click();
    await objDialog.waitFor({ state: 'hidden' });
    await expectText(page.locator('#groups-table tr[data-name="g-live"]'), /svc-live/);
    await expectText(page.locator('#services-table tr[data-name="svc-live"] td.used'), /in g-live/);
    await page.getByRole('button', { name: 'Delete g-live' }).click();
    await page.locator('#obj-confirm').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('#groups-table tr[data-name="g-live"]').waitFor({ state: 'detached' });
    return cli('show service-group').split('\n').find((l) => /service-group/.test(l));
  });

  // ---- Monitor > Session Browser during the live transfer
  let id = null;
  await step(`open the Session Browser, filter destination port ${LIVE_PORT}: the live transfer is listed`, async () => {
    await page.getByRole('link', { name: /Session Browser/ }).click();
    await page.waitForURL(/#\/monitor\/sessions$/);
    await page.getByLabel('Dst port').fill(String(LIVE_PORT));
    await page.getByRole('button', { name: 'Apply' }).click();
    // The unfiltered page may still be on screen: wait for the filtered rows.
    const row = page.locator('#sessions tbody tr[data-id]', { hasText: `:${LIVE_PORT}` });
    await row.first().waitFor();
    id = await row.first().getAttribute('data-id');
    const t = (await row.first().textContent()).replace(/\s+/g, ' ');
    if (!/tcp/.test(t) || !/198\.18\.1\.3:/.test(t)) throw new Error(t);
    await snap('session-browser-live');
    return `session ${id}: ${t.trim()}`;
  });
  await step('the detail view: per-direction state, timer in force, remaining time, every timer and its source', async () => {
    await page.getByRole('button', { name: `Details of session ${id}` }).click();
    await page.locator('#detail[open]').waitFor();
    const state = await page.locator('#detail dd[data-field="state"]').textContent();
    const timer = await page.locator('#detail dd[data-field="timer"]').textContent();
    const cs = await page.locator('#detail dd[data-field="orig_state"]').textContent();
    const ss = await page.locator('#detail dd[data-field="resp_state"]').textContent();
    const rem = await page.locator('#detail dd[data-field="remaining"]').textContent();
    await snap('session-detail');
    if (!/HALF-CLOSED/.test(state) || timer !== 'timeout-tcp-half-closed') throw new Error(`${state} ${timer}`);
    // each timer with its value and source: the override and the application committed above
    const hc = await expectText(page.locator('#detail-timers tr.inforce'), /timeout-tcp-half-closed \(in force\)\s*600\s*service svc-live override/);
    await expectText(page.locator('#detail-timers tr[data-timer="timeout-tcp-time-wait"]'), /20\s*application app-live/);
    await expectText(page.locator('#detail-timers tr[data-timer="timeout-tcp"]'), /3,600\s*default/);
    await expectText(page.locator('#detail dd[data-field="service"]'), /^svc-live$/);
    await page.getByRole('button', { name: 'Close' }).click();
    return `${state}, client ${cs}, server ${ss}, ${timer}, ${rem} s left; ${hc.replace(/\s+/g, ' ')}`;
  });
  await step('the page follows the event stream: a ping through the wire appears as it starts', async () => {
    await expectText(page.locator('#live-status'), /^live$/);
    execFileSync('ip', ['netns', 'exec', NS_C, 'ping', '-c', '1', '-W', '2', SERVER_IP], { stdio: 'ignore' });
    const li = page.locator('.event-log li[data-event="start"]', { hasText: 'icmp' });
    await li.first().waitFor();
    await snap('live-event-start');
    return (await li.first().textContent()).trim();
  });
  await step('select it and clear it; it is gone from the table and from the CLI', async () => {
    await page.getByLabel(`Select session ${id}`).check();
    await page.getByRole('button', { name: /Clear selected \(1\)/ }).click();
    await page.locator('#confirm[open]').waitFor();
    await snap('clear-confirm');
    await page.locator('#confirm').getByRole('button', { name: 'Clear', exact: true }).click();
    const t = await expectText(page.locator('#toast'), /1 session cleared/);
    await page.locator(`#sessions tbody tr[data-id="${id}"]`).waitFor({ state: 'detached' });
    await snap('session-cleared');
    let gone = false;
    try { cli(`show session id ${id}`); } catch (e) { gone = true; }
    if (!gone) throw new Error('the CLI still shows it');
    return t;
  });
  await step('its end arrives on the event stream with reason cleared', async () => {
    const li = page.locator(`.event-log li[data-event="end"][data-session="${id}"]`);
    return expectText(li.first(), /cleared/);
  });
  await step('the dashboard shows the stream too: start and end counts, the last events', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(/#\/dashboard$/);
    const c = await expectText(page.locator('.ev-counts'), /start \d+.*end \d+|end \d+.*start \d+/);
    await page.locator(`.event-log li[data-event="end"][data-session="${id}"]`).waitFor();
    await snap('dashboard-live-events');
    return c;
  });
  await step('no error in the browser console (CSP, scripts)', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join(' | '));
  });
  await step('log out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
  });
} finally {
  await browser.close();
}
console.log(`browser: ${passes} passed, ${fails} failed (screenshots in ${ART})`);
process.exit(fails ? 1 : 0);
