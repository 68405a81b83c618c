// The dashboard's Pipeline page (static/js/views/pipeline.js) in Debian's
// Chromium through playwright-core, against a real airc web server reading a
// real Kafka and Cassandra. Run by tests/e2e/test_control_center.py, which
// brings the stack up, builds the topic and the consumer group, and passes:
//
//   AIRC_URL, AIRC_VIEWER_USER, AIRC_VIEWER_PASSWORD, AIRC_SCREENSHOTS,
//   CC_TOPIC, CC_GROUP, CC_LAG (the group's total lag), CC_ENDS (JSON
//   {partition: end offset} as kcat reported it), CC_KEYSPACE (holds a
//   table "users" of 5 rows)
//
// A viewer logs in (the page is read-only), opens #/pipeline, and the test
// checks what a user sees: each partition's high watermark, the group's lag,
// the components in the header, then takes tests/artifacts/screenshots/pipeline.png.

import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {chromium} from 'playwright-core';

const URL = (process.env.AIRC_URL || 'http://127.0.0.1:8080').replace(/\/$/, '') + '/';
const VIEWER = {user: process.env.AIRC_VIEWER_USER || 'viewer', pass: process.env.AIRC_VIEWER_PASSWORD || 'viewer'};
const SHOTS = process.env.AIRC_SCREENSHOTS || path.resolve('../artifacts/screenshots');
const TOPIC = process.env.CC_TOPIC;
const GROUP = process.env.CC_GROUP;
const LAG = Number(process.env.CC_LAG);
const ENDS = JSON.parse(process.env.CC_ENDS || '{}');

let browser, page;
const pageErrors = [];

before(async () => {
  assert.ok(TOPIC && GROUP, 'CC_TOPIC and CC_GROUP are set by tests/e2e/test_control_center.py');
  fs.mkdirSync(SHOTS, {recursive: true});
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({viewport: {width: 1400, height: 1300}});
  context.setDefaultTimeout(20_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`csp: ${m.text()}`);
  });
});
after(async () => { await browser?.close(); });

test('a viewer opens the Pipeline page from the top navigation', async () => {
  await page.goto(URL);
  await page.locator('#login-form').waitFor();
  await page.fill('#username', VIEWER.user);
  await page.fill('#password', VIEWER.pass);
  await page.click('#login-form button[type=submit]');
  await page.locator('#dag-table').waitFor();
  await page.click('.topnav a[href="#/pipeline"]');
  await page.locator('#pipeline-page').waitFor();
  await page.locator('#kafka-topics-table').waitFor();
  assert.equal(await page.title(), 'Pipeline — airc');
});

test('each partition of the topic shows the high watermark kcat reported', async () => {
  for (const [p, end] of Object.entries(ENDS)) {
    const cell = page.locator(`#kafka-topics-table tr.partition-row[data-topic="${TOPIC}"][data-partition="${p}"] td.hw`);
    await cell.waitFor();
    assert.equal((await cell.textContent()).replace(/,/g, ''), String(end));
  }
  const leader = page.locator(`#kafka-topics-table tr.partition-row[data-topic="${TOPIC}"] td.leader`).first();
  assert.match(await leader.textContent(), /^\d+$/);
});

test('the consumer group shows its lag, per partition and in total', async () => {
  const total = page.locator(`#kafka-groups-table tr.group-row[data-group="${GROUP}"] td.group-lag`);
  await total.waitFor();
  assert.equal((await total.textContent()).replace(/,/g, ''), String(LAG));
  const rows = page.locator(`#kafka-groups-table tr.group-offset-row[data-group="${GROUP}"][data-topic="${TOPIC}"]`);
  assert.equal(await rows.count(), Object.keys(ENDS).length);
});

test('the Spark query appears with the groups, its lag from its checkpoint', async (t) => {
  const group = process.env.CC_SPARK_GROUP;
  if (!group) { t.skip('no Spark query in this run'); return; }
  const row = page.locator(`#kafka-groups-table tr.group-row[data-group="${group}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-kind'), 'spark_checkpoint');
  assert.match(await row.textContent(), /Spark query/);
  assert.equal(await row.locator('td.group-lag').textContent(), '11');
});

test('components: Kafka and Cassandra up, the unset ones say not configured', async () => {
  const comp = (name) => page.locator(`#pipeline-components .pipe-component[data-component="${name}"]`);
  assert.equal(await comp('kafka').getAttribute('data-status'), 'up');
  assert.equal(await comp('cassandra').getAttribute('data-status'), 'up');
  assert.equal(await comp('schema_registry').getAttribute('data-status'), 'not_configured');
  assert.match(await page.locator('#schemas .pipe-error').textContent(), /\[registry\] url/);
  assert.equal(await page.locator('#kafka-controller').textContent(), 'broker 1');
  // the header lists the configured components with a green dot
  await page.locator('#health .health-item.ok[data-component="kafka"]').waitFor();
  assert.equal(await page.locator('#health .health-item[data-component="registry"]').count(), 0);
});

test('row counts of the Cassandra table the e2e test filled', async () => {
  const ks = process.env.CC_KEYSPACE;
  const cell = page.locator(`#tables-cassandra-table tr.table-row[data-table="${ks}.users"] td.rows`);
  await cell.waitFor();
  assert.equal(await cell.textContent(), '5');
  assert.equal(await page.locator('#tables-postgres').getAttribute('data-status'), 'not_configured');
});

test('screenshot of the Pipeline page; no page errors', async () => {
  await page.screenshot({path: path.join(SHOTS, 'pipeline.png'), fullPage: true});
  assert.deepEqual(pageErrors, []);
});
