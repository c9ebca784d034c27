// Browser test of sign-off that gates deployment: Debian's Chromium, headless, through
// playwright-core, against a real `custos serve --demo` (which refuses unregistered and
// unapproved models) on a fresh SQLite database. The demo's model decides (it was approved
// through the same sign-off when the demo was seeded). A new version is refused until its owner
// submits it in the console and legal and compliance approve it there, each with a comment;
// then its decisions flow. Another version, rejected by legal, stays refused. Screenshots go to
// target/e2e-screenshots/approvals-*.png.
//
//   node e2e/approvals.mjs          (uses target/debug/custos; `cargo build --bin custos` first)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, root, serve, shots, signIn as signInTo } from './lib.mjs';

const custos = serve('approvals', ['--demo-subjects', '50']);
const createUser = custos.createUser;

let browser;
try {
  const { base, key } = await custos.started;
  const api = async (path, body, method) => {
    const r = await fetch(`${base}${path}`, {
      method: method ?? (body ? 'POST' : 'GET'),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json() };
  };
  createUser('owner@e2e.test', 'model_owner');
  createUser('legal@e2e.test', 'legal');
  createUser('compliance@e2e.test', 'compliance');

  // The demo's approved version decides.
  const models = (await api('/v1/models')).body;
  const demo = models.find((m) => m.name === 'next-best-offer');
  assert.equal(demo.state, 'approved', JSON.stringify(demo));
  const me = (await api('/v1/subjects?external_id=demo-000002')).body;
  const decide = (version) => api('/v1/decisions', { subject_id: me.subject_id, purpose: demo.purpose, model: demo.name, model_version: version, outcome: 'offer' });
  const flows = await decide(demo.version);
  assert.equal(flows.status, 201, JSON.stringify(flows.body));
  assert.equal((await api('/v1/decisions', { subject_id: me.subject_id, purpose: demo.purpose, model: 'nobody-registered-this', model_version: '1', outcome: 'offer' })).status, 422);

  // A new version: a draft, refused.
  const file = readFileSync(join(root, 'crates/custos-service/data/demo_offer_model.txt'), 'utf8');
  const register = async (version) => {
    const r = await api('/v1/models', { name: demo.name, version, model: file, owner: 'owner@e2e.test', purpose: demo.purpose,
      intended_use: 'Chooses the weekly offer.', limitations: 'Not for pricing.', training_data: 'Orders of 2026.' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'draft');
    return r.body;
  };
  const next = await register('2026.12');
  const refused = await decide('2026.12');
  assert.equal(refused.status, 422);
  assert.match(refused.body.detail, /version `2026\.12` is draft/);

  const signIn = async (email) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInTo(page, base, email);
    return page;
  };
  browser = await launch();

  // The owner submits it from the model page.
  const owner = await signIn('owner@e2e.test');
  await owner.getByRole('link', { name: 'Models' }).click();
  await owner.getByRole('heading', { name: 'Models' }).waitFor();
  await owner.screenshot({ path: join(shots, 'approvals-1-models.png'), fullPage: true });
  await owner.locator(`a[href="/console/models/${next.model_id}"]`).click();
  await owner.getByText('Chooses the weekly offer.').waitFor();
  await owner.getByLabel('Note for the signers').fill('Retrained on November orders; same inputs.');
  await owner.getByRole('button', { name: 'Submit for approval' }).click();
  await owner.getByRole('heading', { name: `Approval of ${demo.name} 2026.12` }).waitFor();
  await owner.getByText(/Waiting for sign-off\. Needs sign-off from Compliance and Legal/).waitFor();
  assert.equal(await owner.getByRole('button', { name: 'Approve' }).count(), 0, 'the owner holds no signing role');
  await owner.screenshot({ path: join(shots, 'approvals-2-submitted.png'), fullPage: true });
  const approvalUrl = owner.url();
  assert.equal((await decide('2026.12')).status, 422, 'in review: still refused');

  // Legal and compliance approve from their inbox, each with a comment.
  for (const [email, role] of [['legal@e2e.test', 'Legal'], ['compliance@e2e.test', 'Compliance']]) {
    const page = await signIn(email);
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Waiting for you' }).waitFor();
    await page.getByRole('link', { name: `${demo.name} 2026.12` }).first().click();
    await page.getByLabel('Signing as').selectOption({ label: role });
    await page.getByLabel('Comment (required)').fill(`${role}: reviewed the evidence, fine.`);
    await page.screenshot({ path: join(shots, `approvals-3-${role.toLowerCase()}.png`), fullPage: true });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(`${role}: reviewed the evidence, fine.`).first().waitFor();
    await page.close();
  }
  await owner.goto(approvalUrl);
  await owner.getByText(/^Approved\./).waitFor();
  await owner.screenshot({ path: join(shots, 'approvals-4-approved.png'), fullPage: true });
  const approved = await decide('2026.12');
  assert.equal(approved.status, 201, JSON.stringify(approved.body));
  assert.equal(approved.body.status, 'final');

  // Another version, rejected by legal: refused.
  const bad = await register('2026.13');
  await owner.goto(`${base}/console/models/${bad.model_id}`);
  await owner.getByRole('button', { name: 'Submit for approval' }).click();
  await owner.getByRole('heading', { name: `Approval of ${demo.name} 2026.13` }).waitFor();
  const legal = await signIn('legal@e2e.test');
  await legal.goto(owner.url());
  await legal.getByLabel('Comment (required)').fill('The notice does not cover the new input.');
  await legal.getByRole('button', { name: 'Reject' }).click();
  await legal.getByText(/^Rejected\./).waitFor();
  await legal.screenshot({ path: join(shots, 'approvals-5-rejected.png'), fullPage: true });
  const rejected = await decide('2026.13');
  assert.equal(rejected.status, 422);
  assert.match(rejected.body.detail, /rejected/);
  console.log(`e2e approvals: passed (screenshots in ${shots})`);
} finally {
  if (browser) await browser.close();
  await custos.stop();
}
