// Browser test of governance for a privacy officer: Debian's Chromium, headless, through
// playwright-core, against a real `custos serve --demo` on a fresh SQLite database. The privacy
// officer classifies an AI system under the EU AI Act in the console (a form generated from the
// questionnaire), sees the tier, the path and the obligations, submits and approves it; fills a
// DPIA screening and sees that a DPIA is required; opens a personal data breach she became
// aware of 40 hours ago and watches its 72-hour clock on the overview (half the time used);
// raises a risk from the alert the clock fired and finds it in the risk register with its heat
// map; evaluates the compliance controls and follows a failing one to its evidence and ledger
// entry. Screenshots go to target/e2e-screenshots/governance-*.png.
//
//   node e2e/governance.mjs         (uses target/debug/custos; `cargo build --bin custos` first)
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, serve, shots, signIn } from './lib.mjs';

const custos = serve('governance', ['--demo-subjects', '30']);
let browser;
try {
  const { base, key } = await custos.started;
  custos.createUser('pia@e2e.test', 'privacy_officer');
  const system = await fetch(`${base}/v1/ai-systems`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Card limits', description: 'Sets credit-card limits from the applicant file.', business_owner: 'Head of credit', jurisdictions: ['DE'] }),
  });
  assert.equal(system.status, 201, await system.text());

  browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, base, 'pia@e2e.test');

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
  // The demo has an incident already, so the form starts folded.
  await page.locator('details:has(#kind)').evaluate((d) => { d.open = true; });
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

  // 5. Compliance: evaluate now; the failing controls are on the page, down to a control's
  // evidence with its ledger entry (the demo's expired agreement is the visible reason).
  await page.goto(`${base}/console/compliance`);
  await Promise.all([
    page.waitForResponse((r) => r.url() === `${base}/console/compliance` && r.request().method() === 'GET'),
    page.click('#run'),
  ]);
  assert.match(await page.locator('#summary').innerText(), /What fails:/);
  assert.ok(await page.locator('figure.chart svg').count() >= 1, 'the status chart');
  const failing = page.locator('#controls tr', { hasText: 'Every processor under a valid agreement' });
  assert.match(await failing.innerText(), /Failing/);
  await Promise.all([page.waitForURL(/\/console\/compliance\/controls\/processors_under_contract$/), failing.getByRole('link').click()]);
  const evidence = await page.locator('#evidence').innerText();
  assert.match(evidence, /Failed/);
  assert.match(evidence, /Lookalike Audiences BV/);
  assert.match(evidence, /#\d+/);
  await page.screenshot({ path: join(shots, 'governance-5-compliance.png'), fullPage: true });
  console.log(`e2e governance: passed (screenshots in ${shots})`);
} finally {
  if (browser) await browser.close();
  await custos.stop();
}
