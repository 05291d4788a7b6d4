// Drives Chromium (playwright-core, Debian's /usr/bin/chromium) through VS Code's browser test
// protocol on code-server: opens the workbench URL whose payload names the extension and the test
// module, takes the screenshots and clicks the buttons the test module asks for (file handshakes
// in TEST_DIR), and exits
// with the code VS Code reports through codeAutomationExit (0 pass, 1 fail).
//
//   PLAYWRIGHT_CORE=/path/to/node_modules/playwright-core node drive.cjs URL ARTIFACT_DIR TEST_DIR
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const [url, artifactDir, testDir] = process.argv.slice(2);
const TIMEOUT_MS = Number(process.env.SWITCHBOARD_TEST_TIMEOUT_MS || 240000);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Waits (up to 15 s) until every open webview (a markdown preview) shows its content. */
async function webviewsRendered(page) {
  const text = (frame) => frame.evaluate(() => (document.body ? document.body.innerText.trim() : '')).catch(() => '');
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    // A webview is an outer frame (pre/index.html) that loads its content into a child frame
    // once its service worker runs.
    const webviews = page.frames().filter((frame) => frame.url().includes('/webview/browser/pre/index.html'));
    const shown = await Promise.all(
      webviews.map(async (webview) => (await Promise.all(webview.childFrames().map(text))).some((t) => t.length > 0)),
    );
    if (shown.every(Boolean)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.error('drive: a webview is still empty after 15 s; taking the screenshot anyway');
}

async function main() {
  if (!url || !artifactDir || !testDir) {
    throw new Error('usage: drive.cjs URL ARTIFACT_DIR TEST_DIR');
  }
  fs.mkdirSync(artifactDir, { recursive: true });
  const consoleLog = path.join(testDir, 'browser-console.log');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('console', (message) => fs.appendFileSync(consoleLog, `[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => fs.appendFileSync(consoleLog, `[pageerror] ${error.stack || error}\n`));

    let finish;
    const exited = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      fs.appendFileSync(consoleLog, `[extension host ${type}] ${JSON.stringify(args)}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      // VS Code hands over its log files too: keep them with the other logs.
      for (const file of Array.isArray(logs) ? logs : []) {
        if (file && typeof file.relativePath === 'string' && typeof file.contents === 'string') {
          const target = path.join(testDir, 'vscode-logs', file.relativePath.replace(/\.\.+/g, '_'));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, file.contents);
        }
      }
      finish(typeof code === 'number' ? code : 1);
    });

    // The test module asks for screenshots while it runs (the workbench as the user sees it).
    const request = path.join(testDir, 'screenshot-request');
    let busy = false;
    const poll = setInterval(async () => {
      if (busy || !fs.existsSync(request)) {
        return;
      }
      busy = true;
      try {
        const name = fs.readFileSync(request, 'utf8').trim() || 'vscode';
        if (fs.existsSync(path.join(testDir, 'screenshot-done')) &&
            fs.readFileSync(path.join(testDir, 'screenshot-done'), 'utf8') === name) {
          return;
        }
        await webviewsRendered(page);
        const file = path.join(artifactDir, `${name.replace(/[^\w.-]/g, '_')}.png`);
        await page.screenshot({ path: file });
        fs.writeFileSync(path.join(testDir, 'screenshot-done'), name);
        console.log(`drive: screenshot ${file}`);
      } catch (err) {
        console.error(`drive: screenshot failed: ${err}`);
      } finally {
        busy = false;
      }
    }, 200);

    // ... and clicks the buttons it names (a dialog's Apply, a notification's Cancel), which the
    // extension host cannot press itself.
    const click = path.join(testDir, 'click-request');
    let clicking = false;
    const clicks = setInterval(async () => {
      if (clicking || !fs.existsSync(click)) {
        return;
      }
      clicking = true;
      try {
        const label = fs.readFileSync(click, 'utf8').trim();
        const done = path.join(testDir, 'click-done');
        if (fs.existsSync(done) && fs.readFileSync(done, 'utf8') === label) {
          return;
        }
        const button = page
          .locator('.monaco-dialog-box a.monaco-button, .notifications-toasts a.monaco-button, .notification-toast a.action-label')
          .filter({ hasText: label })
          .first();
        const labelled = page.locator(`.notifications-toasts a.action-label[aria-label="${label}"]`).first();
        const target = (await button.count()) > 0 ? button : labelled;
        await target.click({ timeout: 10000 });
        fs.writeFileSync(done, label);
        console.log(`drive: clicked ${label}`);
      } catch (err) {
        console.error(`drive: click failed: ${err}`);
      } finally {
        clicking = false;
      }
    }, 200);

    const started = Date.now();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS));
    const code = await Promise.race([exited, timeout]);
    clearInterval(poll);
    clearInterval(clicks);
    if (code === 'timeout') {
      console.error(`drive: no codeAutomationExit within ${TIMEOUT_MS} ms`);
      await page.screenshot({ path: path.join(artifactDir, 'vscode-timeout.png') }).catch(() => undefined);
      return 1;
    }
    console.log(`drive: VS Code reported exit code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } finally {
    await browser.close().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`drive: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
