// Browser test of the masked view: Debian's Chromium, headless, through playwright-core,
// against a real `custos serve --demo` on a fresh SQLite database. A course is required for
// privacy officers; one who has not completed it signs in, opens a customer's page and sees the
// personal data masked with the reason; once the completion is recorded the same page shows
// the data. Screenshots go to target/e2e-screenshots/masked-*.png.
//
//   node e2e/masked.mjs         (uses target/debug/custos; `cargo build --bin custos` first)
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
const work = mkdtempSync(join(tmpdir(), 'custos-e2e-masked-'));
const db = ['--database-url', `sqlite://${work}/custos.db`, '--master-key-file', `${work}/master.key`];

const server = spawn(bin, ['serve', '--demo', '--demo-subjects', '20', '--listen', '127.0.0.1:0', ...db],
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
  const api = async (path, body) => {
    const res = await fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.ok, `${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const r = spawnSync(bin, ['admin', 'create-user', '--email', 'pia@e2e.test', '--role', 'privacy_officer', '--password-stdin', ...db],
    { input: `${PASSWORD}\n`, env: { ...process.env, CUSTOS_LOG: 'warn' } });
  assert.equal(r.status, 0, `create-user: ${r.stderr}`);
  const course = await api('/v1/trainings', { name: 'Handling customer data', validity_months: 12, required_for: ['privacy_officer'] });
  const subject = await api('/v1/subjects?external_id=demo-000001');

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

  // 1. Without the course: the page opens, the values are masked and the reason is given.
  await page.goto(`${base}/console/subjects/${subject.subject_id}`);
  const notice = await page.locator('#masked').innerText();
  assert.match(notice, /Personal data is masked for you/);
  assert.match(notice, /Handling customer data/);
  const masked = await page.locator('main').innerText();
  assert.ok(!masked.includes('demo-000001'), 'the external id is masked');
  assert.ok(!/@/.test(await page.locator('main table').first().innerText()), 'no e-mail address is shown');
  assert.match(masked, /masked/);
  await page.screenshot({ path: join(shots, 'masked-1-without-training.png'), fullPage: true });

  // 2. The completion recorded: the same page shows the data.
  await api('/v1/training-records', { training_id: course.training_id, user: 'pia@e2e.test', completed_on: new Date().toISOString().slice(0, 10), evidence: 'e2e certificate' });
  await page.reload();
  assert.equal(await page.locator('#masked').count(), 0);
  assert.match(await page.locator('main').innerText(), /demo-000001/);
  await page.screenshot({ path: join(shots, 'masked-2-trained.png'), fullPage: true });

  // 3. The training page shows the coverage.
  await page.goto(`${base}/console/trainings`);
  assert.match(await page.locator('main').innerText(), /Staff holding every course their role requires/);
  console.log(`e2e masked: passed (screenshots in ${shots})`);
} finally {
  if (browser) await browser.close();
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  rmSync(work, { recursive: true, force: true });
}
