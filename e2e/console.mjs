// Browser test of the privacy center and the staff console: Debian's Chromium, headless,
// through playwright-core, against a real `custos serve --demo` on a fresh SQLite database.
// A customer signs in with the demo's single-use link, withdraws a consent (the gate then denies
// that purpose), downloads their data and requests erasure. A staff member signs in, reads the
// overview, works the customer's contest of a decision as a blind review (the customer then
// reads the outcome), finds the customer, completes the erasure request (verified: the customer signed in) from the queue, sees
// the subject erased and the overview updated; a forged form post (wrong CSRF token) is refused;
// signing out ends the session. Screenshots of every page go to target/e2e-screenshots/.
//
//   node e2e/console.mjs            (uses target/debug/custos; `cargo build --bin custos` first)
import { spawn } from 'node:child_process';
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
const work = mkdtempSync(join(tmpdir(), 'custos-e2e-'));

// Start the server and read its URL and the demo console credentials from stdout.
// (The contest below is of a decision by a model the review rule names and nobody registered:
// this server accepts unregistered models; e2e/approvals.mjs runs with the default.)
const server = spawn(bin, ['serve', '--demo', '--demo-subjects', '300', '--listen', '127.0.0.1:0', '--allow-unregistered-models',
  '--database-url', `sqlite://${work}/custos.db`, '--master-key-file', `${work}/master.key`],
  { env: { ...process.env, CUSTOS_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
const started = new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const m = out.match(/console: (http:\/\/\S+)\/console\/login\s+email (\S+)\s+password (\S+)/);
    const link = out.match(/privacy center of demo-000001 \(single use, 15 minutes\): (\S+)/);
    const key = out.match(/admin API key \(scope all; shown once\): (\S+)/);
    if (m && link && key) resolve({ base: m[1], email: m[2], password: m[3], link: link[1], key: key[1] });
  });
  server.on('exit', (code) => reject(new Error(`custos serve exited with ${code}: ${out}`)));
  // unref: a pending timer must not keep node alive after the test.
  setTimeout(() => reject(new Error(`custos serve did not start: ${out}`)), 120_000).unref();
});

let browser;
try {
  const { base, email, password, link, key } = await started;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const api = async (path, body) => {
    const r = await fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return r.json();
  };

  // ---- The customer, on a phone-sized screen ----
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
  const snap = (name) => phone.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  await phone.goto(link);
  await phone.getByRole('heading', { name: 'Your consents' }).waitFor();
  await snap('c1-consents');
  const withdraw = phone.getByRole('button', { name: /^Withdraw my consent to/ }).first();
  const label = await withdraw.innerText();
  const purposeName = label.match(/"(.+)"/)[1];
  const section = phone.locator('section.purpose', { has: phone.getByRole('heading', { name: purposeName }) });
  const purposeKey = await section.locator('input[name=purpose]').getAttribute('value');
  await withdraw.click();
  await phone.getByText('Your consent is withdrawn.').waitFor();
  assert.equal(await section.locator('.status').innerText(), 'withdrawn');
  await snap('c2-withdrawn');
  // The gate denies that purpose now.
  const me = await api('/v1/subjects?external_id=demo-000001');
  assert.ok(me.subject_id, JSON.stringify(me));
  const check = await api('/v1/gate/check', { subject_id: me.subject_id, purpose: purposeKey, data_categories: ['user.contact.email'] });
  assert.equal(check.decision, 'deny', JSON.stringify(check));
  // My data, downloaded.
  await phone.getByRole('link', { name: 'My data' }).click();
  await phone.getByRole('heading', { name: 'The data we hold about you' }).waitFor();
  await snap('c3-data');
  const [download] = await Promise.all([phone.waitForEvent('download'), phone.getByRole('link', { name: /Download all of it/ }).click()]);
  assert.equal(download.suggestedFilename(), 'my-data.json');
  // Ask for erasure.
  await phone.getByRole('link', { name: 'My requests' }).click();
  await phone.getByLabel('What do you want us to do?').selectOption('erasure');
  await phone.getByRole('button', { name: 'Send request' }).click();
  await phone.getByText('Your request is recorded.').waitFor();
  await snap('c4-requested');
  await phone.getByRole('link', { name: 'Decisions about me' }).click();
  await phone.getByRole('heading', { name: 'Automated decisions about you' }).waitFor();
  await snap('c5-decisions');
  // Contest a decision of a model that a blind review rule covers.
  const logged = await api('/v1/decisions', { subject_id: me.subject_id, purpose: purposeKey, model: 'e2e-limits', model_version: '1', outcome: 'declined', score: 0.41 });
  assert.equal(logged.status, 'final', JSON.stringify(logged));
  const rule = await api('/v1/review-rules', { name: 'Credit limits, blind', conditions: { model: 'e2e-limits' }, sla_hours: 48, blind: true });
  assert.ok(rule.rule_id, JSON.stringify(rule));
  await phone.reload();
  const contested = phone.locator('section.decision', { has: phone.locator(`input[value="${logged.decision_id}"]`) });
  await contested.locator('textarea').fill('My income doubled this year.');
  await contested.getByRole('button', { name: 'Contest this decision' }).click();
  await phone.getByText('Your request is recorded.').waitFor();
  await phone.getByRole('link', { name: 'Decisions about me' }).click();
  await phone.getByText(/You asked for a review on .+; a person will answer by .+\./).waitFor();
  assert.equal(await phone.locator(`input[value="${logged.decision_id}"]`).count(), 0, 'no second contest while the review is open');
  await snap('c6-contested');

  // The start-up evaluation found the seeded ledger signed (a checkpoint before the first sweep).
  const controls = await api('/v1/compliance/controls');
  const ledger = controls.find((c) => c.control === 'ledger_intact');
  assert.equal(ledger?.status, 'passing', JSON.stringify(ledger));

  // ---- A customer whose browser speaks German ----
  const deLink = await api('/v1/privacy-center/links', { external_id: 'demo-000002' });
  assert.ok(deLink.path, JSON.stringify(deLink));
  const german = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 } });
  const de = await german.newPage();
  await de.goto(`${base}${deLink.path}`);
  await de.getByRole('heading', { name: 'Ihre Einwilligungen' }).waitFor();
  assert.equal(await de.locator('html').getAttribute('lang'), 'de');
  // The demo publishes every notice in German too.
  await de.getByText(/Wir nutzen Ihre bisherigen Käufe/).first().waitFor();
  await de.getByRole('link', { name: 'Meine Daten' }).click();
  await de.getByText('E-Mail-Adresse', { exact: true }).waitFor();
  await de.getByRole('link', { name: 'Meine Anfragen' }).click();
  await de.getByLabel(/Was sollen wir für Sie tun/).selectOption('access');
  await de.getByRole('button', { name: 'Anfrage senden' }).click();
  // The state and the date of the request in German ("3. Januar 2027").
  await de.getByText('in Bearbeitung').first().waitFor();
  const due = await de.locator('td time').first().innerText();
  assert.match(due, /^\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}$/, due);
  await de.screenshot({ path: join(shots, 'c7-german.png'), fullPage: true });
  await german.close();

  // ---- The staff member ----
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  // Pages need a session.
  await page.goto(`${base}/console`);
  assert.match(page.url(), /\/console\/login$/);
  await shot('01-login');

  // A wrong password is refused with one message.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('The email or the password is wrong.').waitFor();

  // Sign in; the overview shows the request counts and SVG charts.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  assert.ok(await page.locator('svg').count() >= 2, 'the overview has SVG charts');
  const overdueBefore = await page.locator('#overdue').innerText();
  const requestsChartBefore = await page.locator('figure', { hasText: 'Requests by status' }).innerText();
  assert.ok(!requestsChartBefore.includes('Completed'), 'no request is completed yet');
  await shot('02-overview');

  // The contest waits in the review queue; the reviewer works it blind.
  await page.getByRole('link', { name: 'Reviews' }).click();
  await page.getByRole('heading', { name: 'Decisions waiting for a person' }).waitFor();
  await shot('02b-reviews');
  const queue = await api('/v1/reviews?status=open');
  const contestReview = queue.reviews.find((r) => r.decision_id === logged.decision_id);
  assert.ok(contestReview && contestReview.blind, JSON.stringify(queue));
  await page.locator(`a[href="/console/reviews/${contestReview.review_id}"]`).click();
  await page.locator('#model-hidden').waitFor();
  assert.equal(await page.locator('#model-outcome').count(), 0, 'blind: the model\'s outcome is hidden');
  assert.match(await page.locator('#contest-statement').innerText(), /income doubled/);
  await page.getByRole('button', { name: 'Take this review' }).click();
  await page.getByLabel('Replace it with').check();
  await page.getByLabel('Outcome (to replace it)').fill('approved');
  await page.getByLabel('Reason code').fill('income_verified');
  await shot('02c-review-blind');
  await page.getByRole('button', { name: 'Record my judgement' }).click();
  await page.getByText('Resolved: Overridden · approved.').waitFor();
  assert.equal(await page.locator('#model-outcome').innerText(), 'declined', 'after judging, the model\'s outcome shows');
  await shot('02d-review-resolved');
  // The customer reads the outcome and the reason in words.
  await phone.getByRole('link', { name: 'Decisions about me' }).click();
  await phone.getByText(/A person reviewed this decision on .+ The decision was changed to “approved”\. Reason: income verified\./).waitFor();
  assert.equal(await phone.locator(`input[value="${logged.decision_id}"]`).count(), 0, 'a replaced decision is not contested; the person\'s is');
  await phone.getByText('decided by a person who reviewed it').waitFor();
  await snap('c7-reviewed');

  // Find a subject by external id and open it (a ledger leaf records the view).
  await page.getByRole('link', { name: 'Subjects' }).click();
  await page.getByLabel('External id').fill('demo-000001');
  await page.getByRole('button', { name: 'Find' }).click();
  await shot('03-subjects');
  await page.locator('table a').first().click();
  await page.getByText('This view of personal data is recorded in the audit ledger.').waitFor();
  await shot('04-subject');

  // The request queue: the customer signed in to ask, so the request is verified already;
  // complete it.
  await page.getByRole('link', { name: 'Requests' }).click();
  await page.getByRole('heading', { name: 'Data-subject requests' }).waitFor();
  await shot('05-requests');
  const row = page.locator('tr', { has: page.locator(`a[href="/console/subjects/${me.subject_id}"]`) }).filter({ hasText: 'erasure' }).first();
  const rowId = await row.getAttribute('id');
  assert.ok(rowId, 'the demo has a pending request');
  assert.equal(await row.getByRole('button', { name: 'Verify identity' }).count(), 0, 'a signed-in customer is not asked to verify again');
  await page.locator(`#${rowId}`).getByLabel('Outcome note').fill('Erased everything on request.');
  await page.locator(`#${rowId}`).getByRole('button', { name: 'Complete' }).click();
  await page.getByText('Request completed.').waitFor();
  assert.equal(await page.locator(`#${rowId}`).count(), 0, 'a completed request leaves the queue');
  await shot('06-request-completed');
  await page.goto(`${base}/console/subjects/${me.subject_id}`);
  await page.getByText('erased', { exact: true }).waitFor();
  await shot('06b-subject-erased');

  // A forged form post (same cookie, wrong CSRF token) is refused and changes nothing.
  const forged = await page.evaluate(async (path) => {
    const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=forged' });
    return r.status;
  }, `/console/dsr/${rowId.replace('dsr-', '')}/complete`);
  assert.equal(forged, 403);

  // A decision with its explanation: the attributions as a chart and the customer's reasons.
  await page.getByRole('link', { name: 'Decisions' }).click();
  await page.getByRole('heading', { name: 'Decisions' }).waitFor();
  await shot('08-decisions');
  // (The newest are the contest's: the model's and the reviewer's, which has no explanation;
  // the demo's lapses, logged without inputs, have no score and no explanation either.)
  await page
    .locator('tbody tr')
    .filter({ hasNotText: 'e2e-limits' })
    .filter({ has: page.locator('td[data-label="Score"]', { hasText: /\d/ }) })
    .first()
    .locator('a')
    .click();
  await page.getByRole('heading', { name: 'Why, in numbers' }).waitFor();
  assert.ok(await page.locator('svg rect').count() >= 2, 'attributions are drawn');
  await page.getByRole('heading', { name: 'What the customer is told' }).waitFor();
  await shot('09-decision-explained');

  // Fairness: the demo's scheduled audit has run; start another and read its report.
  await page.getByRole('link', { name: 'Fairness' }).click();
  await page.getByRole('heading', { name: 'Fairness audits' }).waitFor();
  await page.getByRole('button', { name: 'Start audit' }).click();
  await page.getByText('The audit is running').waitFor();
  const auditId = new URL(page.url()).searchParams.get('started');
  for (let i = 0; i < 50; i++) {
    if ((await page.locator(`#audit-${auditId} .status`).innerText()) === 'Finished') break;
    await page.waitForTimeout(200);
    await page.reload();
  }
  assert.equal(await page.locator(`#audit-${auditId} .status`).innerText(), 'Finished');
  await shot('10-fairness');
  await page.locator(`#audit-${auditId}`).getByRole('link', { name: 'Read the report' }).click();
  await page.getByRole('heading', { name: 'Fairness audit' }).waitFor();
  assert.ok((await page.content()).includes('Four-fifths rule'), 'the report gives the four-fifths verdict');
  await shot('11-fairness-report');
  await page.goto(`${base}/console/admin`);
  await page.getByRole('heading', { name: 'Administration' }).waitFor();
  await page.getByRole('button', { name: 'Verify now' }).click();
  await page.locator('#verify-result').waitFor();
  assert.match(await page.locator('#verify-result').innerText(), /^Verified:/);
  await shot('12-administration');
  await page.goto(`${base}/console`);

  // Exports: the privacy budget as a chart with its numbers, the demo's export with what it
  // achieved, and a new export of the saved segment whose file downloads as CSV.
  await page.getByRole('link', { name: 'Exports' }).click();
  await page.getByRole('heading', { name: 'Exports', exact: true }).waitFor();
  const budget = page.locator('figure', { hasText: 'Privacy budget per purpose' });
  assert.ok(await budget.locator('svg rect').count() >= 2, 'spent and remaining are drawn');
  assert.match(await budget.locator('table').innerText(), /Targeted offers\s+0\.5 ε\s+1\.5 ε\s+2 ε/, 'the numbers under the chart');
  const before = await page.locator('#exports tbody tr').count();
  assert.ok(before >= 1, 'the demo made an export');
  assert.match(await page.locator('#exports tbody tr').first().innerText(), /at least \d+ \(required 10\)/);
  await page.locator('#export-segment').selectOption({ label: 'EU customers' });
  await page.locator('#export-format').selectOption('csv');
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await page.locator('#exports').waitFor();
  assert.equal(await page.locator('#exports tbody tr').count(), before + 1, 'the new export is listed');
  const newest = page.locator('#exports tbody tr').first();
  assert.match(await newest.innerText(), /Anonymized rows as CSV/);
  assert.match(await newest.innerText(), /left out: \d+ \(/, 'people left out, with the reason in words');
  const href = await newest.getByRole('link', { name: 'Download' }).getAttribute('href');
  const file = await page.request.get(`${base}${href}`);
  assert.equal(file.status(), 200);
  assert.match(file.headers()['content-type'], /^text\/csv/);
  const csv = await file.text();
  assert.equal(csv.split('\n')[0], 'user.demographic.age_range');
  assert.ok(csv.split('\n').slice(1).every((l) => l === '' || ['18-34', '35-54', '55+', '*', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'].includes(l)), 'only age ranges leave');
  await shot('13-exports');
  await page.goto(`${base}/console`);


  // ---- The console's building blocks ----
  // Paging: subjects and decisions come in pages with the total and links both ways.
  const summary = async () => (await page.locator('.paging .summary').first().innerText()).trim();
  await page.goto(`${base}/console/subjects`);
  assert.match(await summary(), /^1–50 of 300 subjects$/);
  await page.getByRole('link', { name: 'Next page' }).first().click();
  assert.match(await summary(), /^51–100 of 300 subjects$/);
  const secondPageFirst = await page.locator('table a').first().innerText();
  await page.getByRole('link', { name: 'Next page' }).first().click();
  await page.getByRole('link', { name: 'Previous page' }).first().click();
  assert.match(await summary(), /^51–100 of 300 subjects$/, 'previous comes back to the same page');
  assert.equal(await page.locator('table a').first().innerText(), secondPageFirst);
  await page.getByRole('link', { name: 'Previous page' }).first().click();
  assert.match(await summary(), /^1–50 of 300 subjects$/);
  assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0, 'no previous page on the first');
  await page.goto(`${base}/console/decisions`);
  const decisionsTotal = Number((await summary()).match(/of ([\d,]+) decisions/)[1].replace(/,/g, ''));
  assert.ok(decisionsTotal > 50, `the demo logs more than a page of decisions: ${decisionsTotal}`);
  assert.match(await summary(), /^1–50 of /);
  await page.getByRole('link', { name: 'Next page' }).first().click();
  assert.match(await summary(), new RegExp(`^51–${Math.min(100, decisionsTotal)} of `));
  // Dates read as people read them, with the exact time in a title.
  const time = page.locator('table time').first();
  assert.match(await time.innerText(), /^\d{1,2} [A-Z][a-z]{2} \d{4}/);
  assert.match(await time.getAttribute('title'), /^\d{4}-\d{2}-\d{2}T/);
  // A chart's numbers are text: in its table and in the SVG's description.
  await page.goto(`${base}/console`);
  const chart = page.locator('figure', { hasText: 'Gate checks by decision' });
  const numbers = await chart.locator('table.chart-numbers').innerText();
  assert.match(numbers, /(Allowed|Denied)\s+\d+/, `the chart's numbers as text: ${numbers}`);
  assert.match(await chart.locator('svg desc').textContent(), /(Allowed|Denied): \d+/);
  // Every console page fits a phone's width: no sideways scrolling, tables become cards.
  const small = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await small.context().addCookies((await page.context().cookies()).map((c) => ({ ...c })));
  for (const path of ['/console', '/console/subjects', `/console/subjects/${me.subject_id}`, '/console/dsr', '/console/decisions', '/console/fairness', '/console/admin']) {
    await small.goto(`${base}${path}`);
    const { scroll, width } = await small.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${path} fits a 360 px screen (${scroll} > ${width})`);
    await small.screenshot({ path: join(shots, `phone${path.replaceAll('/', '-')}.png`), fullPage: true });
  }
  await small.close();

  // The overview still renders after the change; sign out ends the session.
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  assert.ok((await page.locator('#overdue').innerText()).length > 0 && overdueBefore.length > 0);
  // The dashboard shows the completed erasure.
  const requestsChartAfter = await page.locator('figure', { hasText: 'Requests by status' }).innerText();
  assert.ok(requestsChartAfter.includes('Completed'), `the overview counts the completed request: ${requestsChartAfter}`);
  await shot('07-overview-after');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.goto(`${base}/console/dsr`);
  assert.match(page.url(), /\/console\/login$/, 'signed out');
  console.log(`e2e console: passed (screenshots in ${shots})`);
} finally {
  if (browser) await browser.close();
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  rmSync(work, { recursive: true, force: true });
}
