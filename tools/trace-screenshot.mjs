#!/usr/bin/env node
// Screenshots a space-time diagram page in headless Chromium (Debian's), for the README:
//
//   node tools/trace-screenshot.mjs trace.html docs/images/trace.png [--zoom 8] [--height 900]
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';

const [input, output] = process.argv.slice(2);
const flag = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
if (input === undefined || output === undefined) {
  process.stderr.write('usage: node tools/trace-screenshot.mjs <page.html> <out.png> [--zoom N] [--height PX]\n');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: Number(flag('--height', '900')) } });
  await page.goto(`file://${resolve(input)}`);
  await page.locator('#zoom').fill(flag('--zoom', '8'));
  await page.screenshot({ path: output });
} finally {
  await browser.close();
}
