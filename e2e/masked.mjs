// Browser test of the masked view: Debian's Chromium, headless, through playwright-core,
// against a real `custos serve --demo` on a fresh SQLite database. A course is required for
// privacy officers; one who has not completed it signs in, opens a customer's page and sees the
// personal data masked with the reason; once the completion is recorded the same page shows
// the data. Screenshots go to target/e2e-screenshots/masked-*.png.
//
// It also opens the demo's vendor register and its data-flow diagram.
//
//   node e2e/masked.mjs         (uses target/debug/custos; `cargo build --bin custos` first)
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { apiClient, launch, serve, shots, signIn } from './lib.mjs';

const custos = serve('masked', ['--demo-subjects', '20']);
let browser;
try {
  const { base, key } = await custos.started;
  const api = apiClient(base, key);
  custos.createUser('pia@e2e.test', 'privacy_officer');
  const course = await api('/v1/trainings', { name: 'Handling customer data', validity_months: 12, required_for: ['privacy_officer'] });
  const subject = await api('/v1/subjects?external_id=demo-000001');

  browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, base, 'pia@e2e.test');

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
  // 4. The demo's vendors and where customer data goes.
  await page.goto(`${base}/console/vendors`);
  const vendors = await page.locator('main').innerText();
  assert.match(vendors, /Mailwave Ltd/);
  assert.match(vendors, /standard contractual clauses \(Art\. 46\)/);
  assert.ok(await page.locator('figure.chart svg').count() >= 1, 'the data-flow diagram');
  await page.screenshot({ path: join(shots, 'masked-3-vendors.png'), fullPage: true });
  console.log(`e2e masked: passed (screenshots in ${shots})`);
} finally {
  if (browser) await browser.close();
  await custos.stop();
}
