// Browser test of the pages the real customer-graph server shows a person,
// driven through Debian's Chromium (/usr/bin/chromium) by playwright-core
// (which downloads no browser of its own).
//
// It starts `customer-graph serve --demo` on a free loopback port in a fresh
// temp directory (so the server creates a new SQLite demo database there;
// its stderr goes to server.log beside it), waits for the demo banner and for
// GET /healthz, then checks:
//   (a) the GraphiQL playground (/graphql): the token typed into the page's
//       token input, the default query run with the run button, and the
//       result pane showing the customer names that POST /graphql (sent from
//       Node, outside the browser) answers for the same token;
//   (b) the REST API docs (/api/v1/docs): Swagger UI renders every operation
//       of /api/v1/openapi.json, and "Try it out" on list_customers, with the
//       playground's token filled in, answers 200 with those customers;
//   (c) the index page (/): it links exactly the expected routes, and each
//       link, clicked, answers 200 with the expected content type;
//   (d) the `playground : …/graphql#token=…` link of the demo banner opens
//       the playground authorized, the token gone from the address bar;
//   (e) cross-origin access (CORS): a page served by the test from another
//       loopback port, the one the server is started to allow with
//       --cors-allowed-origins, fetches /graphql with the bearer token and a
//       REST route (reading its ETag); the same page from a third port, not
//       allowed, has its fetch blocked by the browser.
//   (f) a subscription in the playground: `feedbackCreated` run from the
//       editor opens a WebSocket with the page's token; a feedback recorded
//       through REST from Node appears in the result pane, nested customer
//       name and all.
// Every request the pages make to anything but the loopback server is
// blocked by Playwright routing and fails the run, and so does any page error
// or console error. Screenshots go to target/browser-screenshots/.
//
// One line per check, then `browser: N passed, M failed`; exit 1 on any
// failure or if the server or the browser could not be set up. Every wait is
// bounded; the server and the browser are always stopped.
//
// Run:
//   cargo build
//   (cd tests/browser && npm ci)
//   node tests/browser/browser.mjs target/debug/customer-graph

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
const READY_TIMEOUT_MS = 120_000; // demo banner (seeding a fresh db) and GET /healthz
const REQUEST_TIMEOUT_MS = 10_000; // one request sent from Node
const LAUNCH_TIMEOUT_MS = 60_000; // starting Chromium
const ACTION_TIMEOUT_MS = 15_000; // one click, fill or wait on a page
const NAVIGATION_TIMEOUT_MS = 30_000; // one page load
const CHECK_TIMEOUT_MS = 90_000; // one whole check
const STOP_TIMEOUT_MS = 5_000; // SIGTERM grace before SIGKILL
const WATCHDOG_MS = 8 * 60_000; // the whole run

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node browser.mjs PATH/TO/customer-graph');
  process.exit(2);
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const screenshotDir = join(repoRoot, 'target', 'browser-screenshots');
const dir = mkdtempSync(join(tmpdir(), 'customer-graph-browser-'));
const logPath = join(dir, 'server.log');
let server = null;
let browser = null;
let passed = 0;
let failed = 0;

// Last-resort cleanup for every exit path (errors, signals, the watchdog).
process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));
setTimeout(() => {
  console.error(`browser: gave up after ${WATCHDOG_MS / 1000} s`);
  console.log(`browser: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, WATCHDOG_MS).unref();

// --- the server --------------------------------------------------------------

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

function serverLog() {
  try {
    return readFileSync(logPath, 'utf8');
  } catch {
    return '';
  }
}

function serverLogTail() {
  return serverLog().split('\n').slice(-30).join('\n') || '(no server log)';
}

// Starts `serve --demo` and answers what its banner printed, once the banner
// is complete and GET /healthz answers 200.
async function startServer(port, extraArgs = []) {
  const log = openSync(logPath, 'a');
  const env = { ...process.env };
  delete env.DATABASE_URL; // the default: a SQLite file in the working directory
  server = spawn(resolve(binary), ['serve', '--demo', '--listen', `127.0.0.1:${port}`, ...extraArgs], {
    cwd: dir,
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let banner = null;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`the server exited early (${server.exitCode ?? server.signalCode})\n${serverLogTail()}`);
    }
    if (!banner) {
      const text = serverLog();
      const token = /^ {2}token {8}: (\S+)$/m.exec(text)?.[1];
      const organization = /^ {2}organization : (\S+)$/m.exec(text)?.[1];
      const playground = /^ {2}playground {3}: (\S+)$/m.exec(text)?.[1];
      if (token && organization && playground) banner = { token, organization, playground };
    }
    if (banner) {
      try {
        const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return { origin, ...banner };
      } catch {
        // not listening yet
      }
    }
    await sleep(200);
  }
  throw new Error(
    `no demo banner with a token, or no 200 from GET /healthz, within ${READY_TIMEOUT_MS / 1000} s\n${serverLogTail()}`,
  );
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((ok) => server.once('exit', ok));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

// POST /graphql from Node, outside the browser.
async function graphql(origin, token, query) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) {
    throw new Error(`POST /graphql answered ${res.status}: ${JSON.stringify(body).slice(0, 400)}`);
  }
  return body.data;
}

async function getJson(origin, path) {
  const res = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  return res.json();
}

// --- the browser -------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopback(url) {
  try {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
    return (protocol === 'http:' || protocol === 'https:' || protocol === 'ws:') && LOOPBACK_HOSTS.has(hostname);
  } catch {
    return false;
  }
}

// Problems seen by the listeners of the current check: requests off this
// machine (blocked), page errors and console errors.
let problems = [];

async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('websocket', (socket) => {
    if (!isLoopback(socket.url())) problems.push(`websocket off this machine: ${socket.url()}`);
  });
  return page;
}

async function screenshot(page, name) {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false, timeout: ACTION_TIMEOUT_MS });
  return path;
}

// --- the checks --------------------------------------------------------------

// (a) The playground: token typed into the page, default query run, names
// shown that really are in the database.
async function checkPlayground(context, server, expectedNames) {
  const page = await newPage(context);
  const response = await page.goto(`${server.origin}/graphql`);
  if (response.status() !== 200) throw new Error(`GET /graphql answered ${response.status()}`);
  await page.locator('.graphiql-container').waitFor();
  await page.locator('#token-status.missing').waitFor();

  await page.locator('#token-input').fill(server.token);
  await page.getByRole('button', { name: 'Use token' }).click();
  // The schema loads with the token (the status line turns "ok").
  await page.locator('#token-status.ok').waitFor();
  const stored = await page.evaluate(() => window.sessionStorage.getItem('customer-graph.playground.token'));
  if (stored !== server.token) throw new Error('the token was not kept in sessionStorage');

  const editorText = await page.locator('.graphiql-query-editor').innerText();
  if (!editorText.includes('query Explore')) throw new Error('the default Explore query is not in the editor');
  await page.locator('.graphiql-execute-button').click();

  // The result pane: its visible text shows the first name, and its whole
  // text (CodeMirror renders only the lines in view) holds the same five
  // names, in the same order, as the answer to POST /graphql from Node.
  const result = page.locator('.graphiql-response .result-window');
  await result.getByText(JSON.stringify(expectedNames[0])).first().waitFor();
  const resultText = await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
  const shown = JSON.parse(resultText);
  if (shown.errors) throw new Error(`the query answered errors: ${JSON.stringify(shown.errors).slice(0, 400)}`);
  const shownNames = shown.data.viewer.customers.nodes.map((node) => node.fullName);
  if (JSON.stringify(shownNames) !== JSON.stringify(expectedNames)) {
    throw new Error(`the result pane shows ${JSON.stringify(shownNames)}, the database has ${JSON.stringify(expectedNames)}`);
  }
  const path = await screenshot(page, 'playground');
  await page.close();
  return `${shownNames.length} customers shown (${shownNames.join(', ')}); ${path}`;
}

// (b) The REST API docs: every operation of the document rendered, and one
// tried out with the playground's token.
async function checkDocs(context, server, summaries, expectedNames) {
  const page = await newPage(context);
  // Same tab as a person coming from the playground: its token is in
  // sessionStorage, which the docs page reads.
  await page.goto(`${server.origin}/graphql`);
  await page.locator('#token-input').fill(server.token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.locator('#token-status.ok').waitFor();

  const response = await page.goto(`${server.origin}/api/v1/docs`);
  if (response.status() !== 200) throw new Error(`GET /api/v1/docs answered ${response.status()}`);
  await page.locator('.swagger-ui .info .title').getByText('customer-graph REST API').waitFor();
  await page.locator('.swagger-ui .opblock').first().waitFor();
  const path = '/api/v1/organizations/{org_uuid}/customers';
  await page.locator('.opblock-summary-path', { hasText: path }).first().waitFor();
  for (const summary of summaries) {
    await page.locator('.opblock-summary-description', { hasText: summary }).first().waitFor();
  }
  await page.locator('#docs-status.ok').waitFor();
  const overview = await screenshot(page, 'docs');

  // Try it out: GET list_customers with the demo organization.
  const operation = page.locator('#operations-customers-list_customers');
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('input[placeholder="org_uuid"]').fill(server.organization);
  await operation.locator('button.execute').click();
  const live = operation.locator('.live-responses-table');
  await live.locator('.response-col_status', { hasText: '200' }).first().waitFor();
  await live.getByText(`"${expectedNames[0]}"`).first().waitFor();
  await live.scrollIntoViewIfNeeded();
  const tried = await screenshot(page, 'docs-try-it-out');
  await page.close();
  return `${summaries.length} operations rendered, try-it-out answered 200; ${overview}, ${tried}`;
}

// (c) The index page links the entry points, and each link answers.
async function checkHome(context, server) {
  const expected = [
    ['/graphql', 'text/html'],
    ['/api/v1/docs', 'text/html'],
    ['/api/v1/openapi.json', 'application/json'],
    ['/healthz', 'application/json'],
    ['/readyz', 'application/json'],
    ['/metrics', 'text/plain'],
  ];
  const page = await newPage(context);
  const response = await page.goto(`${server.origin}/`);
  if (response.status() !== 200) throw new Error(`GET / answered ${response.status()}`);
  await page.getByRole('heading', { name: /customer-graph/ }).waitFor();
  const hrefs = await page.locator('#links a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  if (JSON.stringify(hrefs) !== JSON.stringify(expected.map(([href]) => href))) {
    throw new Error(`the index links ${JSON.stringify(hrefs)}`);
  }
  const path = await screenshot(page, 'home');
  for (const [href, contentType] of expected) {
    await page.goto(`${server.origin}/`);
    const [answer] = await Promise.all([
      page.waitForResponse((res) => res.request().isNavigationRequest() && new URL(res.url()).pathname === href),
      page.locator(`#links a[href="${href}"]`).click(),
    ]);
    const type = answer.headers()['content-type'] ?? '';
    if (answer.status() !== 200 || !type.startsWith(contentType)) {
      throw new Error(`the link ${href} answered ${answer.status()} ${type}`);
    }
    await page.waitForLoadState('load');
    if (new URL(page.url()).pathname !== href) throw new Error(`the link ${href} led to ${page.url()}`);
  }
  await page.close();
  return `${expected.length} links, each answered 200; ${path}`;
}

// (d) The `playground : …/graphql#token=…` link of the demo banner opens the
// playground with that token, and takes the token out of the address bar.
async function checkBannerLink(context, server) {
  const page = await newPage(context);
  await page.goto(server.playground);
  await page.locator('#token-status.ok').waitFor();
  if (new URL(page.url()).hash !== '') throw new Error(`the token stayed in the address bar: ${page.url()}`);
  const stored = await page.evaluate(() => window.sessionStorage.getItem('customer-graph.playground.token'));
  if (stored !== server.token) throw new Error('the token of the link was not kept in sessionStorage');
  const address = new URL(page.url());
  await page.close();
  return `the banner's ${new URL(server.playground).pathname}#token=… link authorized the page; address bar now ${address.pathname}${address.hash}`;
}

// (e) Cross-origin access: a page of the allowed origin calls /graphql and a
// REST route; the same page of another origin is refused by the browser.

// A loopback HTTP server on `port` that answers every GET with a tiny page.
function startPageServer(port) {
  const page = '<!doctype html><html><head><meta charset="utf-8"><title>front end</title></head>' +
    '<body><h1>a front end of another origin</h1></body></html>';
  return new Promise((ok, fail) => {
    const pages = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    pages.on('error', fail);
    pages.listen(port, '127.0.0.1', () => ok(pages));
  });
}

// Runs in the page: POST /graphql and GET a REST customer list, then one
// customer (for its ETag), with the bearer token. Answers what the page could
// read, or the error the first fetch rejected with.
async function fetchFromPage(page, server) {
  return page.evaluate(async ({ gateway, token, organization }) => {
    const authorization = `Bearer ${token}`;
    try {
      const graph = await fetch(`${gateway}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: '{ viewer { customers(pageSize: 1) { nodes { fullName } } } }' }),
      });
      const graphBody = await graph.json();
      const list = await fetch(`${gateway}/api/v1/organizations/${organization}/customers?page_size=1`, {
        headers: { authorization },
      });
      const listBody = await list.json();
      const first = Object.values(listBody).find(Array.isArray)?.[0];
      const one = await fetch(`${gateway}/api/v1/organizations/${organization}/customers/${first?.uuid}`, {
        headers: { authorization },
      });
      return {
        graphStatus: graph.status,
        graphName: graphBody?.data?.viewer?.customers?.nodes?.[0]?.fullName ?? null,
        listStatus: list.status,
        listName: first?.full_name ?? null,
        oneStatus: one.status,
        etag: one.headers.get('etag'),
      };
    } catch (error) {
      return { rejected: `${error.name}: ${error.message}` };
    }
  }, { gateway: server.origin, token: server.token, organization: server.organization });
}

async function checkCrossOrigin(context, server, allowedPort, expectedNames) {
  const otherPort = await freePort();
  const pageServers = [await startPageServer(allowedPort), await startPageServer(otherPort)];
  try {
    const page = await newPage(context);
    await page.goto(`http://127.0.0.1:${allowedPort}/`);
    const allowed = await fetchFromPage(page, server);
    if (allowed.rejected) throw new Error(`the allowed origin's fetch rejected: ${allowed.rejected}`);
    if (allowed.graphStatus !== 200 || allowed.graphName !== expectedNames[0]) {
      throw new Error(`POST /graphql from the allowed origin read ${JSON.stringify(allowed)}`);
    }
    if (allowed.listStatus !== 200 || !allowed.listName || allowed.oneStatus !== 200 || !allowed.etag) {
      throw new Error(`the REST routes from the allowed origin read ${JSON.stringify(allowed)}`);
    }
    const shot = await screenshot(page, 'cors-allowed-origin');
    await page.close();

    // The other origin: the browser refuses the preflight's answer and says
    // so on the console, which is expected here and nowhere else.
    const other = await context.newPage();
    other.setDefaultTimeout(ACTION_TIMEOUT_MS);
    other.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    const corsMessages = [];
    other.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    other.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (/CORS policy|net::ERR_FAILED/.test(message.text())) corsMessages.push(message.text());
      else problems.push(`console error: ${message.text()}`);
    });
    await other.goto(`http://127.0.0.1:${otherPort}/`);
    const refused = await fetchFromPage(other, server);
    if (!refused.rejected) throw new Error(`a page of a disallowed origin read ${JSON.stringify(refused)}`);
    await sleep(300);
    if (!corsMessages.some((text) => text.includes('CORS policy'))) {
      throw new Error(`the fetch rejected (${refused.rejected}) without the browser naming CORS`);
    }
    await other.close();
    return `http://127.0.0.1:${allowedPort} read /graphql (${allowed.graphName}) and REST (ETag ${allowed.etag}); ` +
      `http://127.0.0.1:${otherPort} refused (${refused.rejected}); ${shot}`;
  } finally {
    for (const pages of pageServers) pages.close();
  }
}

// --- the run -----------------------------------------------------------------

// (f) A subscription run in the playground hears a feedback recorded
// through REST, with its customer's name.
async function checkSubscription(context, server) {
  const data = await graphql(server.origin, server.token,
    '{ viewer { uuid customers(pageSize: 1) { nodes { uuid fullName } } } }');
  const organization = data.viewer.uuid;
  const customer = data.viewer.customers.nodes[0];
  const page = await newPage(context);
  await page.goto(server.playground);
  await page.locator('#token-status.ok').waitFor();
  await page.evaluate(() => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(
      'subscription Live {\n  feedbackCreated {\n    feedbackContents\n    customer { fullName }\n  }\n}\n');
  });
  await page.locator('.graphiql-execute-button').click();
  const contents = `Heard live ${Date.now()}`;
  // The subscription is set up once the socket is acknowledged; record
  // until the pane shows it (each attempt a new feedback, bounded).
  const result = page.locator('.graphiql-response .result-window');
  let shown = false;
  for (let attempt = 0; attempt < 20 && !shown; attempt++) {
    const res = await fetch(`${server.origin}/api/v1/organizations/${organization}/feedbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ customer_uuid: customer.uuid, feedback_contents: contents }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (res.status !== 201) throw new Error(`POST …/feedbacks answered ${res.status}`);
    shown = await result.getByText(contents).first().waitFor({ timeout: 1_000 }).then(() => true, () => false);
  }
  if (!shown) throw new Error('the recorded feedback never appeared in the result pane');
  const text = await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
  const answer = JSON.parse(text);
  if (answer.data?.feedbackCreated?.customer?.fullName !== customer.fullName) {
    throw new Error(`the pane shows ${text.slice(0, 300)}, not ${customer.fullName}'s feedback`);
  }
  const path = await screenshot(page, 'subscription');
  // Stopping the subscription closes the socket.
  await page.locator('.graphiql-execute-button').click();
  await page.close();
  return `feedbackCreated showed "${contents}" by ${customer.fullName}; ${path}`;
}

async function check(name, context, run) {
  problems = [];
  let detail;
  let error = null;
  try {
    detail = await withTimeout(run(), CHECK_TIMEOUT_MS, name);
  } catch (err) {
    error = err;
  }
  // Let late console messages and requests of the check arrive.
  await sleep(300);
  if (!error && problems.length > 0) error = new Error(problems.join('\n       '));
  else if (error && problems.length > 0) error.message += `\n       ${problems.join('\n       ')}`;
  if (error) {
    failed++;
    console.log(`FAIL ${name}: ${error.message.split('\n')[0]}`);
    for (const line of error.message.split('\n').slice(1)) console.log(`       ${line.trim()}`);
  } else {
    passed++;
    console.log(`PASS ${name}: ${detail}`);
  }
}

let exitCode = 1;
try {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(screenshotDir, { recursive: true });
  const port = await freePort();
  // The origin of (e)'s allowed page; same-origin pages are not affected.
  const pagePort = await freePort();
  const started = await startServer(port, ['--cors-allowed-origins', `http://127.0.0.1:${pagePort}`]);
  console.log(`server: ${started.origin}, demo organization ${started.organization}`);

  // What the checks expect, from the server itself and not through the browser.
  const data = await graphql(started.origin, started.token, '{ viewer { customers(pageSize: 5) { nodes { fullName } } } }');
  const expectedNames = data.viewer.customers.nodes.map((node) => node.fullName);
  if (expectedNames.length === 0) throw new Error('the demo database has no customers');
  const document = await getJson(started.origin, '/api/v1/openapi.json');
  const summaries = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.summary));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_TIMEOUT_MS,
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  // Nothing leaves the machine: a request to anything but the loopback
  // server is aborted and fails the check that made it.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    problems.push(`request off this machine blocked: ${route.request().method()} ${url}`);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    if (!isLoopback(request.url())) problems.push(`request off this machine: ${request.url()}`);
  });

  await check('playground (/graphql): token input, default query, customer names from the database', context, () =>
    checkPlayground(context, started, expectedNames));
  await check('REST docs (/api/v1/docs): every operation rendered, try it out', context, () =>
    checkDocs(context, started, summaries, expectedNames));
  await check('index (/): links, each answered', context, () => checkHome(context, started));
  await check('demo banner link (/graphql#token=…): authorizes the playground', context, () =>
    checkBannerLink(context, started));
  await check('cross-origin page (CORS): allowed origin reads /graphql and REST, another is blocked', context, () =>
    checkCrossOrigin(context, started, pagePort, expectedNames));
  await check('subscription in the playground: a feedback recorded through REST appears live', context, () =>
    checkSubscription(context, started));

  await withTimeout(context.close(), STOP_TIMEOUT_MS, 'closing the browser context').catch(() => {});
  exitCode = failed > 0 ? 1 : 0;
} catch (err) {
  failed++;
  console.log(`FAIL setup: ${err?.message ?? err}`);
} finally {
  if (browser) await withTimeout(browser.close(), STOP_TIMEOUT_MS, 'closing the browser').catch(() => {});
  await withTimeout(stopServer(), STOP_TIMEOUT_MS + 2_000, 'stopping the server').catch(() => {});
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : exitCode);
