// GraphQL-over-HTTP conformance audit of the real customer-graph server, using
// the `serverAudits` of the npm package graphql-http.
//
// It creates a temp dir with a SQLite database, an organization and a bearer
// token (via the CLI), starts `customer-graph serve` on a free port (stderr to
// server.log in the temp dir), waits for GET /healthz, runs every server audit
// with the token added to each request, prints one line per audit, then stops
// the server and removes the temp dir.
//
// Exit code 1 if any MUST or SHOULD audit did not pass (MAY audits only warn),
// or if the server could not be set up. Every wait is bounded.
//
// Run:
//   cargo build
//   (cd tests/graphql-http-audit && npm ci)
//   node tests/graphql-http-audit/audit.mjs target/debug/customer-graph

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverAudits } from 'graphql-http';

const CLI_TIMEOUT_MS = 60_000; // one CLI call (includes migrating a fresh db)
const READY_TIMEOUT_MS = 30_000; // server answering GET /healthz
const REQUEST_TIMEOUT_MS = 10_000; // one HTTP request of an audit
const AUDIT_TIMEOUT_MS = 30_000; // one audit
const STOP_TIMEOUT_MS = 5_000; // SIGTERM grace before SIGKILL
const WATCHDOG_MS = 5 * 60_000; // the whole run

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node audit.mjs PATH/TO/customer-graph');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'graphql-http-audit-'));
const databaseUrl = `sqlite://${join(dir, 'audit.db')}?mode=rwc`;
const logPath = join(dir, 'server.log');
let server = null;

// Last-resort cleanup for every exit path (errors, signals, the watchdog).
process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));
setTimeout(() => {
  console.error(`audit: gave up after ${WATCHDOG_MS / 1000} s`);
  process.exit(1);
}, WATCHDOG_MS).unref();

function cli(...args) {
  const res = spawnSync(resolve(binary), [...args, '--database-url', databaseUrl], {
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  const out = (res.stdout ?? '').trim();
  if (res.error || res.status !== 0 || !out) {
    throw new Error(
      `customer-graph ${args.join(' ')} failed (${res.error?.message ?? `exit ${res.status ?? res.signal}`})\n${res.stderr ?? ''}`,
    );
  }
  return out.split('\n').pop().trim();
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function serverLogTail() {
  try {
    return readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no server log)';
  }
}

async function startServer(port) {
  const log = openSync(logPath, 'a');
  server = spawn(resolve(binary), ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', databaseUrl], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`server exited early (${server.exitCode ?? server.signalCode})\n${serverLogTail()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`GET /healthz did not answer 200 within ${READY_TIMEOUT_MS / 1000} s\n${serverLogTail()}`);
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((ok) => server.once('exit', ok));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

// fetch that adds the bearer token, bounds each request and records the
// exchange so that a non-passing audit can show what was sent and answered.
function authorizedFetch(token, record) {
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    const sent = { method: init.method ?? 'GET', url: String(url), headers: Object.fromEntries(headers), body: init.body };
    headers.set('authorization', `Bearer ${token}`);
    const res = await fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await res.clone().text();
    record({ sent, status: res.status, contentType: res.headers.get('content-type'), body });
    return res;
  };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const clip = (s, n = 400) => (s.length > n ? `${s.slice(0, n)}…` : s);

async function runAudits(url, token) {
  let passed = 0;
  let failed = 0;
  let warned = 0;
  let exchanges = [];
  const audits = serverAudits({ url, fetchFn: authorizedFetch(token, (exchange) => exchanges.push(exchange)) });
  for (const audit of audits) {
    exchanges = [];
    let result;
    try {
      result = await withTimeout(audit.fn(), AUDIT_TIMEOUT_MS, 'audit');
    } catch (err) {
      // graphql-http throws (instead of reporting) on fatal errors
      result = { status: 'error', reason: `fatal: ${err?.message ?? err}` };
    }
    if (result.status === 'ok') {
      passed++;
      console.log(`PASS ${audit.id} ${audit.name}`);
      continue;
    }
    const optional = audit.name.startsWith('MAY');
    if (optional) warned++;
    else failed++;
    console.log(`${optional ? 'WARN' : 'FAIL'} ${audit.id} ${audit.name}: ${result.reason}`);
    for (const { sent, status, contentType, body } of exchanges) {
      console.log(`       request:  ${sent.method} ${sent.url} ${JSON.stringify(sent.headers)}${sent.body === undefined ? '' : ` ${clip(String(sent.body))}`}`);
      console.log(`       response: ${status} ${contentType ?? '(no content-type)'} ${clip(body)}`);
    }
  }
  return { passed, failed, warned };
}

let exitCode = 1;
try {
  const org = cli('org', 'create', '--name', 'graphql-http audit');
  const token = cli('token', 'create', '--organization', org);
  const port = await freePort();
  await startServer(port);
  const { passed, failed, warned } = await runAudits(`http://127.0.0.1:${port}/graphql`, token);
  if (warned) console.log(`(${warned} optional MAY audits warned; they count neither as passed nor as failed)`);
  console.log(`graphql-http audit: ${passed} passed, ${failed} failed`);
  exitCode = failed > 0 ? 1 : 0;
} catch (err) {
  console.error(`audit: ${err?.message ?? err}`);
} finally {
  await withTimeout(stopServer(), STOP_TIMEOUT_MS + 2_000, 'stopping the server').catch(() => {});
}
process.exit(exitCode);
