// Real-browser tests of the airc dashboard. scripts/browser-tests.sh starts a
// real airc (scheduler + webserver) on a temporary AIRC_HOME holding the DAGs
// of tests/browser/dags and passes its URL and the users' passwords here.
// Chromium is Debian's (/usr/bin/chromium) driven by playwright-core.
//
// Env: AIRC_URL, AIRC_ADMIN_PASSWORD, AIRC_VIEWER_PASSWORD, AIRC_SCREENSHOTS, AIRC_BIN, AIRC_OIDC_ISSUER (the
// OpenID provider of the single sign-on test; empty: skipped) and
// AIRC_HOME (the audit log test runs CLI commands on the same home).

import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import os from 'node:os';
import {chromium} from 'playwright-core';

const URL = (process.env.AIRC_URL || 'http://127.0.0.1:8080').replace(/\/$/, '') + '/';
const ADMIN = {user: process.env.AIRC_ADMIN_USER || 'admin', pass: process.env.AIRC_ADMIN_PASSWORD || 'admin'};
const VIEWER = {user: process.env.AIRC_VIEWER_USER || 'viewer', pass: process.env.AIRC_VIEWER_PASSWORD || 'viewer'};
const SHOTS = process.env.AIRC_SCREENSHOTS || path.resolve('../artifacts/screenshots');
const RUN_WAIT = 60_000;
const XSS_DAG = 'xss_probe';
const XSS_TASK = '<script>alert(1)<script>';
const RUN_ID = `browser_test_${Date.now()}`;

let browser;
const dialogs = [];       // every alert/confirm/prompt any page opened
const pageErrors = [];    // uncaught exceptions and CSP violations

before(async () => {
  fs.mkdirSync(SHOTS, {recursive: true});
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: !process.env.HEADFUL,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); });

async function newPage() {
  const context = await browser.newContext({viewport: {width: 1400, height: 900}});
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('dialog', async (d) => { dialogs.push(`${d.type()}: ${d.message()}`); await d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`csp: ${m.text()}`);
  });
  return page;
}

async function login(page, who) {
  await page.goto(URL);
  await page.locator('#login-form').waitFor();
  await page.fill('#username', who.user);
  await page.fill('#password', who.pass);
  await page.click('#login-form button[type=submit]');
  await page.locator('#dag-table').waitFor();
}

const shot = (page, name) => page.screenshot({path: path.join(SHOTS, `${name}.png`), fullPage: false});
const row = (page, dagId) => page.locator(`tr.dag-row[data-dag-id="${dagId.replace(/"/g, '\\"')}"]`);

// Column index of a run in the grid, once it appears there.
async function gridColumn(page, runId) {
  const th = page.locator(`#grid th.run-col[data-run-id="${runId}"]`);
  await th.waitFor({timeout: RUN_WAIT});
  return th.getAttribute('data-r');
}

async function waitRunSuccess(page, runId) {
  const r = await gridColumn(page, runId);
  await page.waitForFunction((col) => {
    const cells = [...document.querySelectorAll(`#grid tbody td.cell[data-r="${col}"]`)];
    return cells.length > 0 && cells.every((c) => c.classList.contains('s-success'));
  }, r, {timeout: RUN_WAIT, polling: 500});
  return r;
}

let admin;   // the admin page, shared by the tests that follow one another

test('login: a wrong password is refused with a message, the right one shows the DAG list', async () => {
  admin = await newPage();
  await admin.goto(URL);
  await admin.locator('#login-form').waitFor();
  await shot(admin, '01-login');
  await admin.fill('#username', ADMIN.user);
  await admin.fill('#password', 'not-the-password');
  await admin.click('#login-form button[type=submit]');
  await admin.locator('#login-error').waitFor({state: 'visible'});
  assert.match(await admin.locator('#login-error').textContent(), /invalid|password|unauthori/i);
  await admin.fill('#password', ADMIN.pass);
  await admin.click('#login-form button[type=submit]');
  await admin.locator('#dag-table').waitFor();
  await row(admin, 'example_etl').waitFor();
  await row(admin, 'fan_out').waitFor();
  await row(admin, XSS_DAG).waitFor();
  assert.match(await row(admin, 'example_etl').textContent(), /Extract, transform, load/);
  assert.match(await admin.locator('.user-button').textContent(), new RegExp(ADMIN.user));
});

test('DAG list: import errors banner names the broken file; health shows', async () => {
  const banner = admin.locator('#import-errors');
  await banner.waitFor();
  assert.match(await banner.textContent(), /broken\.ini/);
  assert.match(await banner.textContent(), /comand/);
  await admin.locator('#health .health-item').first().waitFor();
  await shot(admin, '02-dag-list');
});

test('unpause and trigger example_etl (conf validated), its tasks reach success in the grid', async () => {
  const sw = row(admin, 'example_etl').locator('input.switch-input');
  if (!(await sw.isChecked())) {
    const patched = admin.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/dags/example_etl'));
    await sw.click();
    assert.equal((await patched).status(), 200);
  }
  assert.equal(await sw.isChecked(), true);

  await row(admin, 'example_etl').locator('button.btn-trigger').click();
  const dlg = admin.locator('#trigger-dialog');
  await dlg.waitFor();
  await admin.fill('#trigger-conf', '{"source": ');
  await admin.click('#trigger-submit');
  await dlg.locator('.form-error').waitFor({state: 'visible'});
  assert.match(await dlg.locator('.form-error').textContent(), /not valid JSON/);
  await admin.fill('#trigger-conf', '[1, 2]');
  await admin.click('#trigger-submit');
  assert.match(await dlg.locator('.form-error').textContent(), /JSON object/);
  await shot(admin, '03-trigger-dialog');
  await admin.fill('#trigger-conf', '{"source": "browser-test"}');
  await admin.fill('#trigger-run-id', RUN_ID);
  const posted = admin.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/dagRuns'));
  await admin.click('#trigger-submit');
  const res = await posted;
  assert.ok(res.ok(), `trigger answered ${res.status()}`);
  assert.equal(res.request().headers()['x-csrf-token']?.length > 0, true, 'POST carries X-CSRF-Token');
  await dlg.waitFor({state: 'detached'});

  await row(admin, 'example_etl').locator('a.dag-link').click();
  await admin.locator('#grid').waitFor();
  await waitRunSuccess(admin, RUN_ID);
  for (const t of ['extract', 'transform', 'load']) await admin.locator(`#grid tr[data-task-id="${t}"]`).waitFor();
  await shot(admin, '04-grid');
});

test('trigger form from typed params: a bad value gets an inline error from the server, then it triggers', async () => {
  const listPage = await newPage();
  await login(listPage, ADMIN);
  await row(listPage, 'typed_params').locator('button.btn-trigger').click();
  const admin = listPage; // a page of its own: the shared one stays on example_etl's grid
  const dlg = admin.locator('#trigger-dialog');
  await dlg.locator('#param-form').waitFor();
  // inputs by type: number with min/max, enum as a select, pattern on the text input, a checkbox
  const count = dlg.locator('input[data-param="count"]');
  assert.equal(await count.getAttribute('type'), 'number');
  assert.equal(await count.getAttribute('min'), '1');
  assert.equal(await count.getAttribute('max'), '10');
  assert.equal(await count.inputValue(), '3');
  assert.equal(await dlg.locator('select[data-param="env"] option').count(), 3);
  assert.equal(await dlg.locator('input[data-param="label"]').getAttribute('maxlength'), '20');
  assert.match(await dlg.locator('input[data-param="label"]').getAttribute('pattern'), /\^\[a-z\]\+\$/);
  assert.equal(await dlg.locator('input[data-param="dry_run"]').getAttribute('type'), 'checkbox');
  assert.equal(await dlg.getByLabel('Row count').getAttribute('data-param'), 'count'); // labelled
  assert.equal(await admin.locator('#trigger-conf').isVisible(), false);

  await count.fill('0');
  const refused = admin.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/typed_params/dagRuns'));
  await admin.click('#trigger-submit');
  assert.equal((await refused).status(), 400);
  const fieldErr = dlg.locator('.param-field[data-param="count"] .field-error');
  await fieldErr.waitFor({state: 'visible'});
  assert.equal(await fieldErr.textContent(), 'count must be an integer >= 1 and <= 10 (got 0)');
  assert.equal(await count.getAttribute('aria-invalid'), 'true');
  assert.equal(await count.evaluate((el) => el === document.activeElement), true, 'focus moves to the bad field');
  await shot(admin, '03b-trigger-form-error');

  // keyboard: Raw JSON shows the conf the form would send, and back
  await dlg.locator('#trigger-raw-toggle').focus();
  await admin.keyboard.press('Enter');
  await admin.locator('#trigger-conf').waitFor({state: 'visible'});
  assert.deepEqual(JSON.parse(await admin.locator('#trigger-conf').inputValue()),
    {count: 0, env: 'dev', label: 'nightly', dry_run: false});
  await admin.fill('#trigger-conf', '{"count": 4, "env": "staging", "label": "nightly", "dry_run": false}');
  await admin.keyboard.press('Shift+Tab'); // back to the toggle
  await admin.keyboard.press('Enter');
  await dlg.locator('#param-form').waitFor({state: 'visible'});
  assert.equal(await count.inputValue(), '4');

  await count.fill('5');
  await dlg.locator('select[data-param="env"]').selectOption({label: 'prod'});
  await fieldErr.waitFor({state: 'hidden'}).catch(() => {});
  const posted = admin.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/typed_params/dagRuns'));
  await admin.click('#trigger-submit');
  const res = await posted;
  assert.equal(res.status(), 201);
  assert.deepEqual(JSON.parse(res.request().postData()).conf, {count: 5, env: 'prod', label: 'nightly', dry_run: false});
  await dlg.waitFor({state: 'detached'});
  await listPage.context().close();
});

test('task panel: the log of extract shows its output, XCom its value', async () => {
  const r = await gridColumn(admin, RUN_ID);
  await admin.locator(`#grid tr[data-task-id="extract"] td.cell[data-r="${r}"]`).click();
  await admin.locator('#task-panel').waitFor({state: 'visible'});
  assert.equal(await admin.locator('#panel-task-id').textContent(), 'extract');
  await admin.waitForFunction(() => document.querySelector('#task-log')?.dataset.complete === 'true', null, {timeout: 20_000});
  assert.match(await admin.locator('#task-log').textContent(), /extracting/);
  assert.match(await admin.locator('#task-xcom').textContent(), /"rows": 3/);
  assert.match(await admin.locator('#panel-state').textContent(), /success/);
  await shot(admin, '05-task-panel-log');
});

test('graph view: three boxes coloured by the chosen run, two arrows', async () => {
  await admin.click('.tabs a[data-tab="graph"]');
  await admin.locator('#graph').waitFor();
  await admin.locator('#run-picker').selectOption(RUN_ID);
  await admin.waitForFunction(() => document.querySelectorAll('#graph g.node.s-success').length === 3, null, {timeout: 10_000});
  assert.equal(await admin.locator('#graph path.edge').count(), 2);
  await shot(admin, '06-graph');
  // The fan-out DAG lays out in three layers.
  await admin.goto(`${URL}#/dags/fan_out/graph`);
  await admin.locator('#graph g.node').first().waitFor();
  assert.equal(await admin.locator('#graph g.node').count(), 5);
  assert.equal(await admin.locator('#graph path.edge').count(), 6);
  const xs = await admin.locator('#graph g.node').evaluateAll((gs) =>
    Object.fromEntries(gs.map((g) => [g.dataset.taskId, g.transform.baseVal[0].matrix.e])));
  assert.ok(xs.start < xs.work_a && xs.work_a === xs.work_b && xs.work_b < xs.join, JSON.stringify(xs));
  await shot(admin, '07-graph-fan-out');
});

test('task groups collapse in the grid and graph, a mapped task shows its instance count', async () => {
  const runId = `groups_${Date.now()}`;
  const statuses = await admin.evaluate(async (rid) => {
    const me = await (await fetch('/api/v1/auth/me')).json();
    const hdrs = {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || ''};
    const p = await fetch('/api/v1/dags/mapped_groups', {method: 'PATCH', headers: hdrs, body: '{"is_paused": false}'});
    const t = await fetch('/api/v1/dags/mapped_groups/dagRuns', {method: 'POST', headers: hdrs,
      body: JSON.stringify({dag_run_id: rid})});
    return [p.status, t.status];
  }, runId);
  assert.deepEqual(statuses, [200, 201]);
  await admin.goto(`${URL}#/dags/mapped_groups/grid`);
  const col = await gridColumn(admin, runId);
  // collapsed: two group rows and the ungrouped task, no member rows
  await admin.locator('#grid tr.group-row[data-group="extract"]').waitFor();
  assert.equal(await admin.locator('#grid tr.group-row').count(), 2);
  assert.equal(await admin.locator('#grid tr[data-task-id="each"]').count(), 0);
  await admin.waitForFunction((c) => [...document.querySelectorAll(`#grid tbody td.cell[data-r="${c}"]`)]
    .every((td) => td.classList.contains('s-success')), col, {timeout: RUN_WAIT, polling: 500});
  await shot(admin, '06b-grid-groups-collapsed');
  // open "transform": its tasks appear under it; the mapped one shows [4]
  await admin.locator('#grid button.group-toggle[data-group="transform"]').click();
  await admin.locator('#grid tr.in-group[data-task-id="each"]').waitFor();
  assert.equal((await admin.locator('#grid tr[data-task-id="each"] th').textContent()).trim(), 'each[4]');
  assert.equal(await admin.locator('#grid button.group-toggle[data-group="transform"]').getAttribute('aria-expanded'), 'true');
  await shot(admin, '06c-grid-group-open');
  // the mapped task's cell: the panel lists its instances and shows the first one's log
  await admin.locator(`#grid tr[data-task-id="each"] td.cell[data-r="${col}"]`).click();
  await admin.locator('#map-tabs button[data-map-index="3"]').waitFor();
  await admin.waitForFunction(() => /^a$/m.test(document.querySelector('#task-log')?.textContent || ''), null, {timeout: 10_000});
  await admin.locator('#map-tabs button[data-map-index="2"]').click();
  await admin.waitForFunction(() => /^c$/m.test(document.querySelector('#task-log')?.textContent || ''), null, {timeout: 10_000});
  await shot(admin, '06c2-mapped-instance-panel');
  await admin.click('#panel-close');
  // graph: the open group's tasks, the other group as one dashed node; click it to open
  await admin.click('.tabs a[data-tab="graph"]');
  await admin.locator('#graph').waitFor();
  await admin.locator('#run-picker').selectOption(runId);
  await admin.locator('#graph g.node.group[data-group="extract"]').waitFor();
  assert.equal(await admin.locator('#graph g.node').count(), 4);   // extract, each, check, report
  assert.match(await admin.locator('#graph g.node[data-task-id="each"] .node-label').textContent(), /each \[4\]/);
  await admin.waitForFunction(() => document.querySelector('#graph g.node.group')?.classList.contains('s-success'),
    null, {timeout: 10_000});
  await shot(admin, '06d-graph-groups');
  await admin.locator('#graph g.node.group[data-group="extract"]').click();
  await admin.locator('#graph g.node[data-task-id="fetch"]').waitFor();
  assert.equal(await admin.locator('#graph g.node.group').count(), 0);
  assert.equal(await admin.locator('#graph g.node').count(), 5);
  await admin.click('#collapse-groups');
  await admin.locator('#graph g.node.group[data-group="transform"]').waitFor();
  assert.equal(await admin.locator('#graph g.node').count(), 3);
  await shot(admin, '06e-graph-groups-collapsed');
});

test('Gantt and run durations views draw bars for the run', async () => {
  await admin.goto(`${URL}#/dags/example_etl/gantt?run=${encodeURIComponent(RUN_ID)}`);
  await admin.locator('#gantt').waitFor();
  await admin.waitForFunction(() => document.querySelectorAll('#gantt rect.bar.s-success').length === 3, null, {timeout: 10_000});
  await shot(admin, '08-gantt');
  await admin.click('.tabs a[data-tab="durations"]');
  await admin.locator('#durations rect.bar').first().waitFor();
  assert.ok(await admin.locator(`#durations rect.bar[data-run-id="${RUN_ID}"]`).count() === 1);
  await shot(admin, '09-durations');
});

test('actions: mark a task failed, then clear it and see it run again to success', async () => {
  await admin.goto(`${URL}#/dags/example_etl/grid`);
  const r = await gridColumn(admin, RUN_ID);
  const cell = admin.locator(`#grid tr[data-task-id="load"] td.cell[data-r="${r}"]`);
  await cell.click();
  await admin.locator('#btn-mark-failed').waitFor();
  const patched = admin.waitForResponse((x) => x.request().method() === 'PATCH' && x.url().includes('/taskInstances/load'));
  await admin.click('#btn-mark-failed');
  assert.ok((await patched).ok());
  await admin.waitForFunction((col) => document.querySelector(`#grid tr[data-task-id="load"] td.cell[data-r="${col}"]`)
    ?.classList.contains('s-failed'), r, {timeout: 10_000});
  const cleared = admin.waitForResponse((x) => x.request().method() === 'POST' && x.url().includes('/clearTaskInstances'));
  await admin.click('#btn-clear');
  assert.ok((await cleared).ok());
  // A second try of load ran: its try button appears and the run is green again.
  await admin.locator('.try-tab[data-try="2"]').waitFor({timeout: RUN_WAIT});
  await waitRunSuccess(admin, RUN_ID);
  await admin.waitForFunction(() => document.querySelector('#task-log')?.dataset.complete === 'true', null, {timeout: 20_000});
  assert.match(await admin.locator('#task-log').textContent(), /loading/);
});

test('pause example_etl from the DAG page: the switch stays off after a reload', async () => {
  await admin.goto(`${URL}#/dags`);
  const sw = row(admin, 'example_etl').locator('input.switch-input');
  await sw.waitFor({state: 'attached'});
  if (await sw.isChecked()) {
    const patched = admin.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/dags/example_etl'));
    await sw.click();
    assert.ok((await patched).ok());
  }
  await admin.reload();
  await row(admin, 'example_etl').waitFor();
  assert.equal(await row(admin, 'example_etl').locator('input.switch-input').isChecked(), false);
  await admin.goto(`${URL}#/dags/example_etl/grid`);
  await admin.locator('#paused-pill').waitFor();
});

test('XSS probe: markup from DAG files, logs and XCom is shown as text, never run', async () => {
  await admin.goto(`${URL}#/dags`);
  const r = row(admin, XSS_DAG);
  await r.waitFor();
  assert.ok((await r.textContent()).includes('<script>alert(1)</script> <img src=x onerror=alert(1)>'));
  assert.ok((await r.locator('.tags').textContent()).includes('<img src=x onerror=alert(1)>'));
  // Run it so that its log and XCom carry the payloads too.
  await r.locator('input.switch-input').click();
  await r.locator('button.btn-trigger').click();
  await admin.fill('#trigger-run-id', `xss_${RUN_ID}`);
  await admin.click('#trigger-submit');
  await admin.locator('#trigger-dialog').waitFor({state: 'detached'});
  await admin.goto(`${URL}#/dags/${XSS_DAG}/grid`);
  const col = await waitRunSuccess(admin, `xss_${RUN_ID}`);
  assert.equal(await admin.locator('#dag-description').textContent(), '<script>alert(1)</script> <img src=x onerror=alert(1)>');
  assert.equal(await admin.locator('#grid tbody tr').first().locator('th').textContent(), XSS_TASK);
  await admin.locator(`#grid tbody tr[data-task-id="${XSS_TASK}"] td.cell[data-r="${col}"]`).click();
  await admin.waitForFunction(() => document.querySelector('#task-log')?.dataset.complete === 'true', null, {timeout: 20_000});
  assert.ok((await admin.locator('#task-log').textContent()).includes('<script>alert(1)</script>'));
  assert.ok((await admin.locator('#task-xcom').textContent()).includes('<img src=x onerror=alert(1)>'));
  await shot(admin, '10-xss-grid');
  await admin.click('.tabs a[data-tab="graph"]');
  await admin.locator('#graph g.node').first().waitFor();
  await shot(admin, '11-xss-graph');

  const dom = await admin.evaluate(() => ({
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src') || `inline:${s.textContent}`),
    imgX: document.querySelectorAll('img[src="x"], img[onerror]').length,
    italic: document.querySelectorAll('i').length,
    onAttrs: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
  }));
  assert.deepEqual(dom.scripts, ['js/app.js']);
  assert.equal(dom.imgX, 0);
  assert.equal(dom.italic, 0);
  assert.equal(dom.onAttrs, 0);
  await admin.waitForTimeout(500);
  assert.deepEqual(dialogs, [], 'no alert() ever fired');
});

test('live control: stop a running task (confirmed), notes, a backfill with progress and cancel, delete a DAG', async () => {
  const LIVE = `live_${Date.now()}`;
  await admin.goto(`${URL}#/dags`);
  const sw = row(admin, 'live_control').locator('input.switch-input');
  if (!(await sw.isChecked())) await sw.click();
  await row(admin, 'live_control').locator('button.btn-trigger').click();
  await admin.fill('#trigger-run-id', LIVE);
  await admin.click('#trigger-submit');
  await admin.locator('#trigger-dialog').waitFor({state: 'detached'});
  await admin.goto(`${URL}#/dags/live_control/grid`);
  const r = await gridColumn(admin, LIVE);
  await admin.locator(`#grid tr[data-task-id="nap"] td.cell[data-r="${r}"]`).click();
  await admin.waitForFunction(() => document.querySelector('#panel-state')?.textContent === 'running', null,
    {timeout: RUN_WAIT, polling: 250});
  // marking a running task asks first; Cancel changes nothing
  await admin.click('#btn-mark-failed');
  await admin.locator('#confirm-dialog').waitFor();
  assert.match(await admin.locator('#confirm-text').textContent(), /nap is running.*SIGTERM/);
  await admin.click('#confirm-cancel');
  await admin.locator('#confirm-dialog').waitFor({state: 'detached'});
  assert.equal(await admin.locator('#panel-state').textContent(), 'running');
  await admin.click('#btn-mark-failed');
  await shot(admin, '20-stop-running-task-confirm');
  const patched = admin.waitForResponse((x) => x.request().method() === 'PATCH' && x.url().includes('/taskInstances/nap'));
  await admin.click('#confirm-ok');
  assert.ok((await patched).ok());
  await admin.waitForFunction((col) => document.querySelector(`#grid tr[data-task-id="nap"] td.cell[data-r="${col}"]`)
    ?.classList.contains('s-failed'), r, {timeout: 10_000});
  await admin.waitForFunction(() => /stopped on request/.test(document.querySelector('#task-log')?.textContent || ''),
    null, {timeout: 20_000, polling: 250});
  // notes on the task instance and on the run
  await admin.click('#ti-note-edit');
  await admin.fill('#ti-note-input', 'stopped from the browser test');
  await admin.click('#ti-note-save');
  await admin.waitForFunction(() => document.querySelector('#ti-note')?.textContent === 'stopped from the browser test');
  await admin.click('#run-note-edit');
  await admin.fill('#run-note-input', 'run looked at');
  await admin.click('#run-note-save');
  await admin.waitForFunction(() => document.querySelector('#run-note')?.textContent === 'run looked at');
  await shot(admin, '21-task-panel-notes-and-run-actions');

  // a backfill of a paused DAG: dry run, then progress (queued), then cancel
  await admin.goto(`${URL}#/dags/bf_quick/grid`);
  await admin.click('#btn-backfill');
  await admin.locator('#backfill-dialog').waitFor();
  await admin.fill('#backfill-from', '2026-01-01');
  await admin.fill('#backfill-to', '2026-01-03');
  await admin.fill('#backfill-max-active', '1');
  await admin.click('#backfill-dry');
  await admin.waitForFunction(() => document.querySelectorAll('#backfill-plan li').length === 3);
  assert.match(await admin.locator('#backfill-plan').textContent(), /2026-01-01 — create/);
  await admin.click('#backfill-submit');
  await admin.waitForFunction(() => /0 of 3 runs done.*3 queued/.test(document.querySelector('#backfill-progress')?.textContent || ''));
  await shot(admin, '22-backfill-progress');
  await admin.click('#backfill-cancel');
  await admin.click('#confirm-ok');
  await admin.waitForFunction(() => /3 of 3 runs done.*canceled/.test(document.querySelector('#backfill-progress')?.textContent || ''));
  await admin.click('#backfill-close');

  // delete the DAG: asks, goes back to the list; its file brings it back, paused
  await admin.click('#btn-delete-dag');
  assert.match(await admin.locator('#confirm-text').textContent(), /bf_quick/);
  const deleted = admin.waitForResponse((x) => x.request().method() === 'DELETE' && x.url().includes('/dags/bf_quick'));
  await admin.click('#confirm-ok');
  assert.equal((await deleted).status(), 204);
  await admin.locator('#dag-table').waitFor();
  await row(admin, 'bf_quick').waitFor({timeout: 20_000});
});

test('viewer: can look but cannot trigger, pause or change task instances', async () => {
  const page = await newPage();
  await login(page, VIEWER);
  const r = row(page, 'example_etl');
  await r.waitFor();
  assert.equal(await r.locator('button.btn-trigger').isDisabled(), true);
  assert.equal(await r.locator('input.switch-input').isDisabled(), true);
  assert.match(await page.locator('.role-pill').textContent(), /viewer/);
  await shot(page, '12-viewer-dag-list');
  // The server refuses too, whatever the page shows.
  const status = await page.evaluate(async () => {
    const me = await (await fetch('/api/v1/auth/me')).json();
    const res = await fetch('/api/v1/dags/example_etl/dagRuns', {method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || ''}, body: '{}'});
    return res.status;
  });
  assert.equal(status, 403);
  await page.goto(`${URL}#/dags/example_etl/grid`);
  const col = await gridColumn(page, RUN_ID);
  await page.locator(`#grid tr[data-task-id="extract"] td.cell[data-r="${col}"]`).click();
  await page.locator('#btn-clear').waitFor();
  assert.equal(await page.locator('#btn-clear').isDisabled(), true);
  assert.equal(await page.locator('#btn-mark-success').isDisabled(), true);
  for (const id of ['#btn-run-failed', '#btn-run-delete', '#btn-backfill', '#btn-delete-dag', '#ti-note-edit'])
    assert.equal(await page.locator(id).isDisabled(), true, id);
  await shot(page, '13-viewer-task-panel');
  await page.context().close();
});

test('audit log: web and CLI actions, filters by event and DAG, pages of 25; viewers read it', async () => {
  // CLI actions on the same home: bulk pause/unpause of 13 DAGs, one row per DAG each (>= 26 rows)
  const cli = (...args) => execFileSync(process.env.AIRC_BIN, args, {env: process.env, encoding: 'utf8'});
  const pattern = '^zz_page_(0[1-9]|1[0-3])$';
  for (const verb of ['pause', 'unpause', 'pause']) cli('dags', verb, '--pattern', pattern, '--yes');
  const page = await newPage();
  await login(page, VIEWER);
  await page.click('.topnav a[href="#/audit"]');
  await page.locator('#audit-table tbody tr.audit-row').first().waitFor();
  assert.equal(await page.title(), 'Audit log — airc');
  // newest first: this viewer's login, then the last CLI bulk pause, owner cli:<login name>
  const owner = `cli:${os.userInfo().username}`;
  const rows = page.locator('#audit-table tbody tr.audit-row');
  assert.equal(await rows.nth(0).getAttribute('data-event'), 'login');
  assert.equal(await rows.nth(0).locator('td').nth(2).textContent(), VIEWER.user);
  const first = rows.nth(1);
  assert.equal(await first.getAttribute('data-event'), 'paused');
  assert.equal(await first.locator('td').nth(2).textContent(), owner);
  assert.match(await first.locator('td').nth(6).textContent(), /source=cli/);
  assert.equal(await page.locator('#audit-table tbody tr.audit-row').count(), 25);
  assert.match(await page.locator('#audit-page-status').textContent(), /^Events 1–25 of \d+$/);
  // next page: the API is asked for offset 25
  const next = page.waitForResponse((x) => x.url().includes('/api/v1/eventLogs') && x.url().includes('offset=25'));
  await page.click('#audit-page-next');
  assert.ok((await next).ok());
  await page.waitForFunction(() => /^Events 26–/.test(document.querySelector('#audit-page-status')?.textContent || ''));
  assert.equal(await page.locator('#audit-page-prev').isDisabled(), false);
  // filter by event: the web actions of the earlier tests (admin's trigger of example_etl)
  await page.selectOption('#audit-event', 'trigger');
  await page.waitForFunction(() => /^Events 1–/.test(document.querySelector('#audit-page-status')?.textContent || ''));
  const events = await page.locator('#audit-table tbody tr.audit-row').evaluateAll((rs) => rs.map((r) => r.dataset.event));
  assert.ok(events.length >= 1 && events.every((e) => e === 'trigger'), String(events));
  assert.ok(await page.locator('#audit-table tbody tr.audit-row', {hasText: RUN_ID}).count() >= 1);
  assert.match(page.url(), /#\/audit\?event=trigger/);
  // filter by DAG (with the event filter off): that DAG's rows only
  await page.selectOption('#audit-event', '');
  await page.fill('#audit-dag', 'zz_page_05');
  await page.press('#audit-dag', 'Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr.audit-row')].length > 0
    && [...document.querySelectorAll('#audit-table tbody tr.audit-row td:nth-child(4)')].every((td) => td.textContent === 'zz_page_05'));
  assert.ok((await page.locator('#audit-table tbody tr.audit-row').count()) >= 2);
  await page.fill('#audit-dag', '');
  await page.press('#audit-dag', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr.audit-row').length === 25);
  await shot(page, '16-audit-log');
  await page.context().close();
});

test('grid renders 1000 tasks x 25 runs quickly (synthetic API replies)', async () => {
  const page = await newPage();
  // no event stream for this page: the dashboard falls back to polling every
  // 2 s, which this test measures (and so shows that the fallback works)
  await page.route('**/api/v1/events/stream', (r) => r.abort());
  await login(page, ADMIN);
  const tasks = Array.from({length: 1000}, (_, i) => ({task_id: `t${i}`, type: 'shell',
    downstream_task_ids: i < 999 ? [`t${i + 1}`] : [], upstream_task_ids: i ? [`t${i - 1}`] : []}));
  const runs = Array.from({length: 25}, (_, j) => ({dag_run_id: `r${j}`, state: 'success', run_type: 'scheduled',
    logical_date: new Date(Date.UTC(2026, 0, j + 1)).toISOString(), start_date: new Date(Date.UTC(2026, 0, j + 1, 0, 0, 1)).toISOString(),
    end_date: new Date(Date.UTC(2026, 0, j + 1, 0, 5)).toISOString()}));
  const states = ['success', 'failed', 'running', 'queued', 'skipped', 'upstream_failed', 'up_for_retry', 'scheduled', null];
  const json = (body) => ({status: 200, contentType: 'application/json', body: JSON.stringify(body)});
  await page.route('**/api/v1/dags/perf_probe', (r) => r.fulfill(json({dag_id: 'perf_probe', description: 'synthetic',
    is_paused: false, is_active: true, schedule_interval: '@daily', tags: [], next_dagrun: null})));
  await page.route('**/api/v1/dags/perf_probe/tasks', (r) => r.fulfill(json({tasks, total_entries: 1000})));
  await page.route(/\/api\/v1\/dags\/perf_probe\/grid(\?|$)/, (r) => r.fulfill(json({dag_runs: runs,
    tasks: tasks.map((t, i) => ({task_id: t.task_id, instances: runs.map((run, j) => ({run_id: run.dag_run_id, state: states[(i + j) % 9]}))}))})));
  await page.route(/\/api\/v1\/dags\/perf_probe\/dagRuns(\?|$)/, (r) => r.fulfill(json({dag_runs: runs, total_entries: 25})));
  let gridPolls = 0;
  page.on('request', (req) => { if (/\/perf_probe\/grid/.test(req.url())) gridPolls++; });
  const t0 = Date.now();
  await page.goto(`${URL}#/dags/perf_probe/grid`);
  await page.waitForFunction(() => document.querySelectorAll('#grid td.cell').length === 25000, null, {timeout: 20_000});
  const ms = Date.now() - t0;
  console.log(`# grid 1000x25: first render ${ms} ms`);
  // Polls repaint in place: no main-thread task over 300 ms during three polls.
  const longest = await page.evaluate(() => new Promise((resolve) => {
    let max = 0;
    const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) max = Math.max(max, e.duration); });
    obs.observe({type: 'longtask'});
    setTimeout(() => { obs.disconnect(); resolve(max); }, 6500);
  }));
  console.log(`# grid 1000x25: longest main-thread task while polling ${longest} ms`);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.live), 'polling');
  assert.ok(gridPolls >= 3, `without the event stream the grid is polled (${gridPolls} requests)`);
  await page.locator('#grid tr[data-task-id="t500"] td.cell[data-r="3"]').click();
  await page.locator('#task-panel').waitFor({state: 'visible'});
  await shot(page, '14-grid-1000x25');
  assert.ok(ms < 5000, `first render of 25 000 cells took ${ms} ms`);
  assert.ok(longest < 300, `a poll blocked the page for ${longest} ms`);
  await page.context().close();
});

test('logout from the user menu returns to the login form', async () => {
  await admin.goto(`${URL}#/dags`);
  await admin.click('.user-button');
  await admin.click('#logout');
  await admin.locator('#login-form').waitFor();
  await admin.goto(`${URL}#/dags`);
  await admin.locator('#login-form').waitFor();
  assert.deepEqual(pageErrors, [], 'no page errors or CSP violations');
  await admin.context().close();
});

test('DAG list pages: 25/50/100 per page, next and previous by keyboard, position announced', async () => {
  const page = await newPage();
  await login(page, VIEWER);
  const status = page.locator('#dag-page-status');
  await page.waitForFunction(() => /of \d+\)$/.test(document.querySelector('#dag-page-status')?.textContent || ''));
  const total = Number((await status.textContent()).match(/of (\d+)\)$/)[1]);
  assert.ok(total > 60, `the 60 zz_page DAGs and the others: ${total}`);
  assert.equal(await status.getAttribute('role'), 'status');
  assert.equal(await page.locator('nav.pager').getAttribute('aria-label'), 'DAG list pages');
  assert.equal(await page.locator('label[for="dag-page-size"]').count(), 1);
  assert.equal(await page.locator('#dag-page-size').inputValue(), '50');
  assert.equal(await page.locator('tr.dag-row').count(), 50);
  assert.match(await status.textContent(), new RegExp(`^Page 1 of 2 \\(DAGs 1–50 of ${total}\\)$`));
  assert.equal(await page.locator('#dag-page-prev').isDisabled(), true);
  // next, by keyboard: focus the button and press Enter; focus stays on it
  await page.locator('#dag-page-next').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#dag-page-status').textContent.startsWith('Page 2 of 2'));
  assert.equal(await page.locator('tr.dag-row').count(), total - 50);
  assert.equal(await page.locator('#dag-page-next').isDisabled(), true);
  await row(page, 'zz_page_60').waitFor();
  // 25 per page: back to the first page, three pages
  await page.locator('#dag-page-size').selectOption('25');
  await page.waitForFunction(() => document.querySelector('#dag-page-status').textContent.startsWith('Page 1 of 3'));
  assert.equal(await page.locator('tr.dag-row').count(), 25);
  await page.locator('#dag-page-next').click();
  await page.waitForFunction(() => document.querySelector('#dag-page-status').textContent.startsWith('Page 2 of 3'));
  assert.match(await status.textContent(), new RegExp(`\\(DAGs 26–50 of ${total}\\)$`));
  await page.locator('#dag-page-prev').focus();
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('#dag-page-status').textContent.startsWith('Page 1 of 3'));
  // 100 per page: everything on one page
  await page.locator('#dag-page-size').selectOption('100');
  await page.waitForFunction(() => document.querySelector('#dag-page-status').textContent.startsWith('Page 1 of 1'));
  assert.equal(await page.locator('tr.dag-row').count(), total);
  await page.locator('#dag-page-size').selectOption('25');
  await page.waitForFunction(() => document.querySelector('#dag-page-status').textContent.startsWith('Page 1 of 3'));
  await page.locator('nav.pager').scrollIntoViewIfNeeded();
  await shot(page, '20-dag-list-pages');
  await page.context().close();
});

// WCAG contrast ratio of two computed "rgb(r, g, b)" colours.
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

test('calendar: a year of runs per day coloured by the worst state, labelled, with a legend', async () => {
  const page = await newPage();
  await login(page, VIEWER);
  await page.goto(`${URL}#/dags/example_etl/calendar`);
  await page.locator('#calendar').waitFor();
  const year = new Date().getUTCFullYear();
  assert.equal(await page.locator('#calendar-year').textContent(), String(year));
  const doc = await page.evaluate(async (y) => (await fetch(`/api/v1/dags/example_etl/calendar?year=${y}`)).json(), year);
  assert.ok(doc.days.length >= 1 && doc.total_runs >= 1, JSON.stringify(doc));
  const nDays = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86400000;
  assert.equal(await page.locator('#calendar rect.cal-day').count(), nDays);
  for (const d of doc.days) {   // each day with runs: its worst state's colour, a label and a tooltip
    const cell = page.locator(`#calendar rect.cal-day[data-date="${d.date}"]`);
    assert.match(await cell.getAttribute('class'), new RegExp(`\\bs-${d.state}\\b`));
    const label = await cell.getAttribute('aria-label');
    assert.ok(label.startsWith(`${d.date}: ${d.total} run`), label);
    for (const [st, n] of Object.entries(d.counts)) assert.ok(label.includes(`${n} ${st}`), label);
    assert.equal(await cell.locator('title').textContent(), label);
  }
  const today = new Date().toISOString().slice(0, 10);   // the runs triggered above
  assert.ok(doc.days.some((d) => d.date === today), `runs today: ${JSON.stringify(doc.days)}`);
  const empty = page.locator('#calendar rect.cal-empty').first();
  assert.match(await empty.getAttribute('aria-label'), /: no runs$/);
  assert.deepEqual(await page.locator('.calendar-legend li').allTextContents(), ['failed', 'running', 'queued', 'success', 'no runs']);
  // a failed day is red, a success day green (Airflow's colours)
  const fill = (sel) => page.locator(sel).first().evaluate((e) => getComputedStyle(e).fill);
  if (doc.days.some((d) => d.state === 'success')) assert.equal(await fill('#calendar rect.s-success'), 'rgb(0, 128, 0)');
  await shot(page, '21-calendar');
  // the previous year: asked for and drawn
  const prev = page.waitForResponse((x) => x.url().includes(`/calendar?year=${year - 1}`));
  await page.click('#cal-prev');
  assert.ok((await prev).ok());
  await page.waitForFunction((y) => document.querySelector('#calendar-year').textContent === String(y), year - 1);
  await page.context().close();
});

test('source tab: the DAG file as text in a <pre> with the version hash', async () => {
  const page = await newPage();
  await login(page, VIEWER);
  await page.goto(`${URL}#/dags/xss_probe/source`);
  await page.locator('#source-text').waitFor();
  const details = await page.evaluate(async () => (await fetch('/api/v1/dags/xss_probe/details')).json());
  assert.equal(await page.locator('#source-hash').textContent(), details.dag_hash);
  const src = await page.evaluate(async () => (await fetch('/api/v1/dags/xss_probe/source')).json());
  const file = fs.readdirSync(path.resolve('dags')).find((f) => f.startsWith('xss_probe'));
  assert.equal(src.content, fs.readFileSync(path.resolve('dags', file), 'utf8'));
  assert.equal(await page.locator('#source-text').textContent(), src.content);   // markup stays text
  assert.equal(await page.locator('#source-text').evaluate((e) => e.tagName), 'PRE');
  assert.equal(await page.locator('#source-text *').count(), 0);
  assert.deepEqual(dialogs, []);
  await shot(page, '22-source');
  await page.context().close();
});

test('dark theme follows the system setting, with readable contrast', async () => {
  const page = await newPage();
  await page.emulateMedia({colorScheme: 'dark'});
  await login(page, VIEWER);
  const colors = () => page.evaluate(() => {
    const card = document.querySelector('.card') || document.body;
    const st = (e) => getComputedStyle(e);
    return {bg: st(document.documentElement).backgroundColor, card: st(card).backgroundColor, text: st(document.body).color,
      muted: st(document.querySelector('.muted') || document.body).color};
  });
  let c = await colors();
  assert.equal(c.bg, 'rgb(13, 17, 23)');
  assert.ok(contrast(c.text, c.card) >= 7, `text ${c.text} on ${c.card}`);
  assert.ok(contrast(c.muted, c.card) >= 4.5, `muted ${c.muted} on ${c.card}`);
  await shot(page, '23-dark-dag-list');
  await page.goto(`${URL}#/dags/example_etl/calendar`);
  await page.locator('#calendar').waitFor();
  const empty = await page.locator('#calendar rect.cal-empty').first().evaluate((e) => getComputedStyle(e).fill);
  assert.notEqual(empty, 'rgb(235, 237, 240)', 'empty days are dark too');
  await shot(page, '24-dark-calendar');
  await page.goto(`${URL}#/dags/example_etl/source`);
  await page.locator('#source-text').waitFor();
  const pre = await page.locator('#source-text').evaluate((e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]);
  assert.ok(contrast(pre[0], pre[1]) >= 7, `source ${pre}`);
  await shot(page, '25-dark-source');
  await page.goto(`${URL}#/dags/example_etl/grid`);
  await page.locator('#grid').waitFor();
  await shot(page, '26-dark-grid');
  // back to light: the same page follows at once
  await page.emulateMedia({colorScheme: 'light'});
  c = await colors();
  assert.equal(c.bg, 'rgb(244, 246, 249)');
  assert.deepEqual(pageErrors, [], 'no page errors or CSP violations');
  await page.context().close();
});

test('datasets page: producer -> dataset -> consumer, and the run an event triggered', async () => {
  const cli = (...args) => execFileSync(process.env.AIRC_BIN, args, {env: process.env, encoding: 'utf8'});
  cli('dags', 'unpause', 'ds_producer');
  cli('dags', 'unpause', 'ds_consumer');
  cli('dags', 'trigger', 'ds_producer', '--run-id', 'ds_browser_run');
  const page = await newPage();
  await login(page, VIEWER);
  await page.click('.topnav a[href="#/datasets"]');
  const dsRow = page.locator('#datasets-table tr.ds-row[data-uri="file:///data/users_raw.jsonl"]');
  await dsRow.waitFor();
  assert.equal(await page.title(), 'Datasets — airc');
  assert.equal(await dsRow.locator('.ds-producer').getAttribute('data-dag-id'), 'ds_producer');
  assert.equal(await dsRow.locator('.ds-producer').getAttribute('data-task-id'), 'extract');
  assert.equal(await dsRow.locator('.ds-consumer').getAttribute('data-dag-id'), 'ds_consumer');
  // the producer's success records an event; the consumer's dataset-triggered run shows under it (polled)
  const ev = page.locator('#dataset-events tr.ds-event-row').filter({hasText: 'ds_browser_run'});
  await ev.locator('.ds-run').filter({hasText: 'dataset_triggered__'}).waitFor({timeout: RUN_WAIT});
  await shot(page, '20-datasets');
  // the consumer link opens its DAG page
  await dsRow.locator('.ds-consumer a').click();
  await page.waitForFunction(() => location.hash.startsWith('#/dags/ds_consumer'));
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

const OIDC = process.env.AIRC_OIDC_ISSUER || '';

test('single sign-on: "Sign in with SSO" goes through the OpenID provider and back with a session',
  {skip: OIDC ? false : 'java is not installed: no OpenID provider (scripts/oidc-provider.sh) to sign in with'}, async () => {
    const page = await newPage();
    await page.goto(`${URL}#/audit`);
    await page.locator('#login-form').waitFor();
    const sso = page.locator('#sso-login');
    await sso.waitFor();
    assert.equal(await sso.textContent(), 'Sign in with SSO');
    await shot(page, '27-login-sso');
    await sso.click();
    // the provider's own login form: any subject, claims as JSON
    await page.waitForURL((u) => u.href.startsWith(`${OIDC}/authorize?`));
    assert.match(page.url(), /code_challenge_method=S256/);
    await page.fill('input[name=username]', 'sso.browser');
    await page.fill('textarea[name=claims]', JSON.stringify({preferred_username: 'sso.browser', groups: ['airc-ops']}));
    await shot(page, '28-provider-form');
    await page.click('input[type=submit]');
    // back on the page asked for, signed in as the new user with the mapped role
    await page.locator('#audit-table').waitFor();
    assert.match(page.url(), /#\/audit$/);
    assert.match(await page.locator('.user-button').textContent(), /sso\.browser/);
    assert.match(await page.locator('.user-button .role-pill').textContent(), /^op$/);
    // the session carries on across pages like a password login
    await page.goto(`${URL}#/dags`);
    await row(page, 'fan_out').waitFor();
    await shot(page, '29-sso-signed-in');
    assert.deepEqual(pageErrors, [], 'no page errors or CSP violations');
    await page.context().close();
  });

test('API tokens page: create (shown once), use, revoke; admins see every user\'s tokens, viewers only theirs', async () => {
  const page = await newPage();
  await login(page, ADMIN);
  await page.click('.topnav a[href="#/tokens"]');
  await page.locator('#my-tokens-table').waitFor();
  await page.fill('#token-name', 'browser-ci');
  await page.fill('#token-days', '7');
  await page.click('#token-create');
  const value = page.locator('#token-value');
  await value.waitFor();
  const token = await value.inputValue();
  assert.match(token, /^airc_\d+_[0-9a-f]{64}$/);
  assert.match(await page.locator('.token-once').textContent(), /shown only this once/);
  await page.locator('#my-tokens tr.token-row[data-name="browser-ci"]').waitFor();
  assert.match(await page.locator('#my-tokens tr.token-row[data-name="browser-ci"]').textContent(), /browser-ci/);
  // the admin's table lists it with its owner
  await page.locator('#all-tokens tr.token-row[data-name="browser-ci"][data-user="admin"]').waitFor();
  await shot(page, '30-tokens-created');
  // the token works from a script (no cookie)
  const ctx2 = await browser.newContext();
  let r = await ctx2.request.get(`${URL}api/v1/dags?limit=1`, {headers: {Authorization: `Bearer ${token}`}});
  assert.equal(r.status(), 200);
  // shown once: after a reload only the name is there
  await page.reload();
  await page.locator('#my-tokens tr.token-row[data-name="browser-ci"]').waitFor();
  assert.equal(await page.locator('#token-value').count(), 0);
  assert.ok(!(await page.content()).includes(token.slice(-64)), 'the secret is not on the page any more');
  // revoke: a second click confirms
  const revoke = page.locator('#my-tokens tr.token-row[data-name="browser-ci"] .token-revoke');
  await revoke.click();
  assert.equal(await revoke.textContent(), 'Click again to revoke');
  await revoke.click();
  await page.locator('#my-tokens tr.token-row[data-name="browser-ci"]').waitFor({state: 'detached'});
  r = await ctx2.request.get(`${URL}api/v1/dags?limit=1`, {headers: {Authorization: `Bearer ${token}`}});
  assert.equal(r.status(), 401);
  await ctx2.close();
  await page.context().close();

  // a viewer manages their own tokens and sees no one else's
  const v = await newPage();
  await login(v, VIEWER);
  await v.goto(`${URL}#/tokens`);
  await v.locator('#my-tokens-table').waitFor();
  await v.fill('#token-name', 'viewer-script');
  await v.click('#token-create');
  await v.locator('#token-value').waitFor();
  await v.locator('#my-tokens tr.token-row[data-name="viewer-script"]').waitFor();
  assert.equal(await v.locator('#all-tokens-table').count(), 0);
  await shot(v, '31-tokens-viewer');
  assert.deepEqual(pageErrors, [], 'no page errors or CSP violations');
  await v.context().close();
});

test('live updates: a run\'s states arrive by Server-Sent Events, without a reload and without polling', async () => {
  const page = await newPage();
  const gridRequests = [];
  let streams = 0;
  page.on('request', (req) => {
    if (req.url().includes('/api/v1/events/stream')) streams++;
    if (req.url().includes('/api/v1/dags/fan_out/grid')) gridRequests.push(Date.now());
  });
  let navigations = 0;
  await login(page, ADMIN);
  await page.goto(`${URL}#/dags/fan_out/grid`);
  await page.locator('#grid').waitFor();
  await page.waitForFunction(() => document.documentElement.dataset.live === 'sse');
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  const live = () => page.evaluate(() => ({...window.aircLive}));

  // quiet: no change, no grid request (a poller would ask every 2 s)
  await page.waitForTimeout(1000);
  let before = await live(), n0 = gridRequests.length;
  await page.waitForTimeout(5000);
  let after = await live();
  assert.ok(gridRequests.length - n0 <= after.changes - before.changes,
    `grid requests ${gridRequests.length - n0} vs change events ${after.changes - before.changes} while quiet`);

  // a run triggered elsewhere (the API) shows up and goes green on its own
  const me = await (await page.request.get(`${URL}api/v1/auth/me`)).json();
  const hdr = {'X-CSRF-Token': me.csrf_token, 'Content-Type': 'application/json'};
  let r = await page.request.patch(`${URL}api/v1/dags/fan_out`, {headers: hdr, data: {is_paused: false}});
  assert.equal(r.status(), 200);
  const runId = `live_sse_${Date.now()}`;
  before = await live();
  n0 = gridRequests.length;
  r = await page.request.post(`${URL}api/v1/dags/fan_out/dagRuns`, {headers: hdr, data: {dag_run_id: runId}});
  assert.ok([200, 201].includes(r.status()), await r.text());
  await waitRunSuccess(page, runId);
  after = await live();
  assert.equal(navigations, 0, 'no reload');
  assert.equal(after.mode, 'sse');
  assert.ok(after.changes > before.changes, 'change events arrived');
  // every grid request followed a change event (at most one refresh per event, plus one that was running)
  assert.ok(gridRequests.length - n0 <= after.changes - before.changes + 1,
    `grid requests ${gridRequests.length - n0} vs change events ${after.changes - before.changes}`);
  assert.equal(streams, 1, 'one event stream for the page');
  await shot(page, '32-live-grid');
  await page.request.patch(`${URL}api/v1/dags/fan_out`, {headers: hdr, data: {is_paused: true}});
  assert.deepEqual(pageErrors, [], 'no page errors or CSP violations');
  await page.context().close();
});
