// Browser test of the consent snippet: Debian's Chromium, headless, through playwright-core.
// A page of "the business's own site" (a second origin, served here) embeds
// /embed/consent.js with a consent token its backend minted; the visitor (German browser)
// reads the purposes in German and switches one, which custos records as from the website.
// A page on an origin custos does not allow gets nothing; a browser sending Global Privacy
// Control has it recorded. Screenshots go to target/e2e-screenshots/embed-*.png.
//
//   node e2e/embed.mjs         (uses target/debug/custos; `cargo build --bin custos` first)
import { createServer } from 'node:http';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { apiClient, launch, serve, shots } from './lib.mjs';

// The business's pages: the snippet with the token of the moment.
let page_html = '';
const site = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page_html);
});
const elsewhere = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page_html);
});
await new Promise((r) => site.listen(0, '127.0.0.1', r));
await new Promise((r) => elsewhere.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${site.address().port}`;
const foreign = `http://127.0.0.1:${elsewhere.address().port}`;

const custos = serve('embed', ['--demo-subjects', '20', '--embed-origin', origin]);
let browser;
try {
  const { base, key } = await custos.started;
  const api = apiClient(base, key);
  const subject = await api('/v1/subjects?external_id=demo-000002');
  const { token } = await api('/v1/consent-tokens', { external_id: 'demo-000002' });
  page_html = `<!doctype html><html lang="de"><head><title>Shop</title></head><body><h1>Demo-Shop</h1>
    <div id="custos-consent"></div>
    <script src="${base}/embed/consent.js" data-token="${token}"></script></body></html>`;
  const history = async () => (await api(`/v1/subjects/${subject.subject_id}/consents`)).history;

  browser = await launch();
  // 1. A German visitor on the shop's page: the snippet in German, a switch per purpose.
  const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.getByRole('heading', { name: 'Ihre Einwilligungen' }).waitFor();
  const switches = page.getByRole('switch');
  const count = await switches.count();
  assert.ok(count > 0, 'a switch per purpose resting on consent');
  await page.screenshot({ path: join(shots, 'embed-1-german.png'), fullPage: true });
  const first = switches.first();
  const was = await first.isChecked();
  const before = (await history()).length;
  await first.click();
  const said = was ? 'Ihre Einwilligung ist widerrufen' : 'Vielen Dank';
  await page.getByRole('status').filter({ hasText: said.slice(0, 12) }).waitFor({ timeout: 10_000 }).catch(async () => {
    throw new Error(`no confirmation: ${await page.getByRole('status').innerText()}`);
  });
  const after = await history();
  assert.equal(after.length, before + 1, 'one consent event');
  const last = after[after.length - 1];
  assert.equal(last.method, 'website');
  assert.equal(last.source, `consent snippet on ${origin}`);
  assert.equal(last.status, was ? 'withdrawn' : 'granted');
  assert.equal(await switches.first().isChecked(), !was, 'the switch shows the new state');
  await page.screenshot({ path: join(shots, 'embed-2-answered.png'), fullPage: true });

  // 2. A page on another origin: the browser refuses the answer (no CORS), nothing changes.
  const stranger = await context.newPage();
  await stranger.goto(`${foreign}/`);
  await stranger.getByRole('alert').waitFor({ timeout: 10_000 });
  assert.equal(await stranger.getByRole('switch').count(), 0);
  assert.equal((await history()).length, after.length);

  // 3. A browser sending Global Privacy Control: recorded as the visitor's opt-out.
  assert.equal((await api(`/v1/subjects/${subject.subject_id}`)).gpc, false);
  const gpc = await browser.newContext({ locale: 'en-US', extraHTTPHeaders: { 'Sec-GPC': '1' } });
  const gpcPage = await gpc.newPage();
  await gpcPage.goto(`${origin}/`);
  await gpcPage.getByRole('heading', { name: 'Your consents' }).waitFor();
  await gpcPage.getByText(/Your browser sends a Global Privacy Control signal/).waitFor();
  assert.equal((await api(`/v1/subjects/${subject.subject_id}`)).gpc, true, 'GPC recorded from the snippet');
  await gpcPage.screenshot({ path: join(shots, 'embed-3-gpc.png'), fullPage: true });
  console.log('embed: ok');
} finally {
  await browser?.close();
  await custos.stop();
  site.close();
  elsewhere.close();
}
