// What the browser tests share: a real `custos serve --demo` on a fresh SQLite database in a
// temporary directory, staff accounts made the way an operator makes them, Debian's Chromium
// through playwright-core, and signing in to the console.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = process.env.CUSTOS_BIN ?? join(root, 'target/debug/custos');
export const shots = join(root, 'target/e2e-screenshots');
mkdirSync(shots, { recursive: true });

/// The password of every account the tests make.
export const PASSWORD = 'a long e2e password';

/// Starts `custos serve --demo` with `args` on a fresh database; `started` resolves to the base
/// URL and the admin key it prints once; `stop()` ends it and removes its files.
export function serve(name, args) {
  const work = mkdtempSync(join(tmpdir(), `custos-e2e-${name}-`));
  const db = ['--database-url', `sqlite://${work}/custos.db`, '--master-key-file', `${work}/master.key`];
  const server = spawn(bin, ['serve', '--demo', '--listen', '127.0.0.1:0', ...args, ...db],
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
  const createUser = (email, role) => {
    const r = spawnSync(bin, ['admin', 'create-user', '--email', email, '--role', role, '--password-stdin', ...db],
      { input: `${PASSWORD}\n`, env: { ...process.env, CUSTOS_LOG: 'warn' } });
    assert.equal(r.status, 0, `create-user ${email}: ${r.stderr}`);
  };
  const stop = async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    rmSync(work, { recursive: true, force: true });
  };
  return { started, createUser, stop, db };
}

/// Debian's Chromium, headless.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/// Signs `page` in to the console as `email`.
export async function signIn(page, base, email) {
  await page.goto(`${base}/console/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/// A caller of custos's API with `key`: `api(path)` GETs, `api(path, body)` POSTs JSON; the
/// answer's JSON, or an assertion naming the path and the status.
export function apiClient(base, key) {
  return async (path, body) => {
    const res = await fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.ok, `${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

