// Drives the worklist in headless Chromium for serve_worklist_test.go:
// sign in, watch a flag arrive live, open a case with the keyboard, check
// the evidence highlight, confirm; reject a second case; write the tumour
// board as a FHIR List. Prints "STEP <name>" lines the Go test reacts to
// and "SHOT <path>" for each screenshot; exits non-zero on any failure.
'use strict';
const path = require('path');
const { chromium } = require(require.resolve('playwright-core', { paths: [process.env.PEER_MODULES] }));

const env = (k) => {
  const v = process.env[k];
  if (v === undefined) throw new Error('missing env ' + k);
  return v;
};
const BASE = env('WL_BASE');
const SHOTS = env('WL_SHOTS');
const A = env('WL_CONFIRM_ACCESSION');
const B = env('WL_REJECT_ACCESSION');
const EVIDENCE = env('WL_EVIDENCE');

function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
}

// waitStep blocks until the Go test answers a STEP line on stdin.
const lines = [];
let waiter = null;
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  if (waiter) { const w = waiter; waiter = null; w(l); } else lines.push(l);
});
function step(name) {
  console.log('STEP ' + name);
  return new Promise((resolve) => { if (lines.length) resolve(lines.shift()); else waiter = resolve; });
}

async function shot(page, name) {
  const p = path.join(SHOTS, name);
  await page.screenshot({ path: p, fullPage: true });
  console.log('SHOT ' + p);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 820 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' ' + r.url()); });
  page.on('requestfailed', (r) => {
    // The live-update stream is cut when a page is left; anything else is a fault.
    if (!r.url().endsWith('/api/worklist/events')) problems.push('request failed: ' + r.url());
  });

  // 1. Not signed in: the page sends us to the login.
  await page.goto(BASE + '/worklist');
  check(page.url().includes('/login?next='), 'redirected to login, at ' + page.url());
  await shot(page, '00-login.png');
  await page.getByLabel('User name').fill(env('WL_USER'));
  await page.getByLabel('Password').fill(env('WL_PASS'));
  await Promise.all([page.waitForURL(/\/worklist/), page.getByRole('button', { name: 'Sign in' }).click()]);

  // 2. The flagged case is listed as new.
  const rowA = page.locator('#cases tbody tr', { hasText: A });
  await rowA.waitFor();
  check((await rowA.locator('.badge').textContent()) === 'new', 'case A is new');
  await page.locator('#live[data-state="on"]').waitFor();

  // 3. A flag that arrives while the page is open appears without a reload.
  await page.evaluate(() => { window.__sameDocument = true; });
  await step('publish-live');
  const rowB = page.locator('#cases tbody tr', { hasText: B });
  await rowB.waitFor({ timeout: 15000 });
  check(await page.evaluate(() => window.__sameDocument === true), 'live update without a page reload');
  await shot(page, '01-worklist.png');

  // 4. Open case A with the keyboard: j/k to its row, Enter.
  const ids = await page.locator('#cases tbody tr').evaluateAll((rs) => rs.map((r) => r.textContent));
  const idx = ids.findIndex((t) => t.includes(A));
  await page.locator('#cases tbody tr').first().focus();
  for (let i = 0; i < idx; i++) await page.keyboard.press('j');
  check(await rowA.evaluate((r) => r.classList.contains('selected') && document.activeElement === r), 'row A selected and focused');
  await Promise.all([page.waitForURL(/\/worklist\/[a-z0-9_]+-[0-9a-f]+$/), page.keyboard.press('Enter')]);

  // 5. The evidence sentence is highlighted exactly (byte offsets in a text with
  //    multi-byte characters before it).
  const mark = page.locator('#report-text mark.ev').first();
  await mark.waitFor();
  const marked = await mark.textContent();
  check(marked === EVIDENCE, 'highlight is the evidence sentence: got ' + JSON.stringify(marked));
  const bg = await mark.evaluate((m) => getComputedStyle(m).backgroundColor);
  check(bg !== 'rgba(0, 0, 0, 0)', 'highlight has a background, got ' + bg);
  check((await page.locator('#probs tbody tr').count()) >= 2, 'probabilities shown');
  check((await page.locator('#model').textContent()).includes(env('WL_MODEL_VERSION')), 'model version shown');
  await shot(page, '02-case.png');

  // 6. Confirm with the c key.
  await page.keyboard.press('c');
  await page.locator('#status', { hasText: 'confirmed' }).waitFor();
  await page.locator('#msg.ok').waitFor();
  check((await page.locator('#history li').first().textContent()).includes('Confirmed'), 'history shows the confirmation');
  await shot(page, '03-confirmed.png');

  // 7. Back to the list (u), open case B, reject it with a reason (r, Enter).
  await Promise.all([page.waitForURL(/\/worklist\?/), page.keyboard.press('u')]);
  await rowB.waitFor();
  check((await page.locator('#cases tbody tr', { hasText: A }).count()) === 0, 'confirmed case left the "new" list');
  await Promise.all([page.waitForURL(/\/worklist\/[a-z0-9_]+-[0-9a-f]+$/), rowB.click()]);
  await page.locator('#report-text').waitFor();
  await page.locator('#status', { hasText: 'new' }).waitFor();
  await page.keyboard.press('r');
  check(await page.evaluate(() => document.activeElement.id === 'reason'), 'r focuses the reason');
  await page.keyboard.press('Enter'); // empty reason: refused in the page
  await page.locator('#msg.error').waitFor();
  await page.keyboard.type('Benign serous cystadenoma on MRI, not adenocarcinoma.');
  await page.getByLabel(/Correct label/).selectOption('none');
  await page.keyboard.press('Enter');
  await page.locator('#status', { hasText: 'rejected' }).waitFor();
  await shot(page, '04-rejected.png');

  // 8. The tumour board lists case A; write it to FHIR when a server is set.
  await page.goto(BASE + '/tumor-board');
  await page.locator('#board tbody tr', { hasText: A }).waitFor();
  check((await page.locator('#board tbody tr', { hasText: B }).count()) === 0, 'rejected case not on the board');
  if (process.env.WL_FHIR === '1') {
    await page.getByRole('button', { name: 'Write FHIR List' }).click();
    await page.locator('#msg.ok').waitFor();
    console.log('LIST ' + (await page.locator('#msg').textContent()));
  }
  await shot(page, '05-tumor-board.png');

  check(problems.length === 0, 'no browser errors: ' + problems.join('; '));
  await browser.close();
  console.log('DONE');
  process.exit(0);
})().catch((e) => {
  console.error(e && e.stack || String(e));
  process.exit(1);
});
