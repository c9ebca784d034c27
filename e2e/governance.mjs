// Browser test of governance for a privacy officer: Debian's Chromium, headless, through
// playwright-core, against a real `custos serve --demo` on a fresh SQLite database. The privacy
// officer classifies an AI system under the EU AI Act in the console (a form generated from the
// questionnaire), sees the tier, the path and the obligations, submits and approves it; fills a
// DPIA screening and sees that a DPIA is required; opens a personal data breach she became
// aware of 40 hours ago and watches its 72-hour clock on the overview (half the time used);
// raises a risk from the alert the clock fired and finds it in the risk register with its heat
// map. Screenshots go to target/e2e-screenshots/governance-*.png.
//
//   node e2e/governance.mjs         (uses target/debug/custos; `cargo build --bin custos` first)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.CUSTOS_BIN ?? join(root, 'target/debug/custos');
const shots = join(root, 'target/e2e-screenshots');
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'custos-e2e-governance-'));
const db = ['--database-url', `sqlite://${work}/custos.db`, '--master-key-file', `${work}/master.key`];

const server = spawn(bin, ['serve', '--demo', '--demo-subjects', '30', '--listen', '127.0.0.1:0', ...db],
  { env: { ...process.env, CUSTOS_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
const started = new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const url = out.match(/custos is listening on (http:\/\/\S+)/);
    const key = out.match(/admin API key \(scope all; shown once\): (\S+)/);
    if (url && key && out.includes('console:')) resolve({ base: url[1], key: key[1] });
  });
  server.on('exit', (code) => reject(new Error(`custos serve exited with ${code}: ${out}`)));
  setTimeout(() => reject(new Error(`custos serve did not start: ${out}`)), 120_000).unref();
});

const PASSWORD = 'a long e2e password';
let browser;
try {
  const { base, key } = await started;
  const r = spawnSync(bin, ['admin', 'create-user', '--email', 'pia@e2e.test', '--role', 'privacy_officer', '--password-stdin', ...db],
    { input: `${PASSWORD}\n`, env: { ...process.env, CUSTOS_LOG: 'warn' } });
  assert.equal(r.status, 0, `create-user: ${r.stderr}`);
  const system = await fetch(`${base}/v1/ai-systems`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Card limits', description: 'Sets credit-card limits from the applicant file.', business_owner: 'Head of credit', jurisdictions: ['DE'] }),
  });
  assert.equal(system.status, 201, await system.text());

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/console/login`);
  await page.getByLabel('Email').fill('pia@e2e.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();

  // 1. The AI Act classification of the card-limit system, filled in the console.
  const start = async (questionnaire) => {
    await page.goto(`${base}/console/assessments`);
    await page.selectOption('#start-system', { label: 'Card limits' });
    await page.selectOption('#start-questionnaire', questionnaire);
    await Promise.all([page.waitForURL(/\/console\/assessments\/[0-9a-f-]{36}$/), page.click('#start')]);
  };
  const answerAllNo = async () => {
    for (const radio of await page.locator('input[type=radio][value=no]').all()) await radio.check();
  };
  await start('ai_act');
  await answerAllNo();
  await page.check('input[name="a.profiling"][value="yes"]');
  await page.selectOption('select[name="a.annex_iii_area"]', 'creditworthiness');
  await Promise.all([page.waitForLoadState('load'), page.click('#submit')]);
  await page.locator('#tier').waitFor();
  assert.match(await page.locator('#tier').innerText(), /High-risk/);
  assert.match(await page.locator('#status').innerText(), /Waiting for approval/);
  const obligations = await page.locator('#obligations').innerText();
  assert.match(obligations, /Fundamental rights impact assessment/);
  assert.match(obligations, /Deployer duties/);
  assert.match(await page.locator('ol.path').innerText(), /Annex III point 5\(b\)/);
  await page.screenshot({ path: join(shots, 'governance-1-ai-act.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('#approve')]);
  assert.match(await page.locator('#status').innerText(), /^Approved/);

  // 2. The DPIA screening: scoring people and sensitive data, two WP248 criteria.
  await start('dpia');
  await answerAllNo();
  await page.check('input[name="a.evaluation_or_scoring"][value="yes"]');
  await page.check('input[name="a.sensitive_data"][value="yes"]');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await page.locator('#dpia-required').waitFor();
  assert.match(await page.locator('#dpia-required').innerText(), /a DPIA is required/);
  await page.screenshot({ path: join(shots, 'governance-2-dpia.png'), fullPage: true });

  // 3. A breach she became aware of 40 hours ago: the 72-hour clock is past half.
  await page.goto(`${base}/console/incidents`);
  const aware = new Date(Date.now() - 40 * 3600 * 1000).toISOString().slice(0, 16);
  await page.selectOption('#kind', 'personal_data_breach');
  await page.fill('#title', 'Limit letters sent to old addresses');
  await page.fill('#description', 'A batch of limit letters went to addresses customers had moved from.');
  await page.fill('#became-aware', aware);
  await page.fill('#jurisdictions', 'DE');
  await page.selectOption('#risk', 'risk');
  await page.fill('#affected', '120');
  await Promise.all([page.waitForURL(/\/console\/incidents\/[0-9a-f-]{36}$/), page.click('#open')]);
  const clocks = await page.locator('#clocks').innerText();
  assert.match(clocks, /Notify the supervisory authority/);
  assert.match(clocks, /half the time used/);
  await page.goto(`${base}/console`);
  const overview = await page.locator('#incident-clocks').innerText();
  assert.match(overview, /Limit letters sent to old addresses/);
  assert.match(overview, /1 day [78] h left \(half the time used\)/);
  await page.screenshot({ path: join(shots, 'governance-3-overview.png'), fullPage: true });

  // 4. The clock's alert raised as a risk in one step; the register keeps the link.
  await page.goto(`${base}/console/alerts`);
  const row = page.locator('tr', { hasText: 'Limit letters sent to old addresses' }).first();
  await Promise.all([page.waitForURL(/\/console\/risks/), row.getByRole('button', { name: 'Raise a risk' }).click()]);
  const register = await page.locator('main').innerText();
  assert.match(register, /Limit letters sent to old addresses/);
  assert.match(register, /Raised from an alert/);
  assert.ok(await page.locator('figure.chart svg').count() >= 2, 'both heat maps');
  await page.screenshot({ path: join(shots, 'governance-4-risks.png'), fullPage: true });
  await page.goto(`${base}/console/alerts`);
  assert.match(await page.locator('tr', { hasText: 'Limit letters sent to old addresses' }).first().innerText(), /In the risk register/);
  console.log(`e2e governance: passed (screenshots in ${shots})`);
} finally {
  if (browser) await browser.close();
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  rmSync(work, { recursive: true, force: true });
}
