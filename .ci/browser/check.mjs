#!/usr/bin/env node
// CI's look at zonebench's HTML pages (`zonebench report FILE --html DIR`,
// `cargo bench`'s plots/latest/index.html) in a real browser: headless
// Chromium (Debian's, /usr/bin/chromium, or $CHROMIUM) driven by
// playwright-core, one browser for all the pages given.
//
//   node check.mjs [--screenshots DIR] PAGE...
//
// For each PAGE (a path to an index.html) it opens file://PAGE, waits for
// the load event, and fails unless: the page rendered (a title, and a
// <header> with an <h1> that says something); it has at least one <img>;
// every <img> is complete with naturalWidth > 0 and names a file that
// exists; no request failed; nothing was written to the console as an
// error and no script error was raised. It prints one line per page,
// `browser: PAGE ok, N images loaded (screenshot PATH)` or
// `browser: PAGE: FAILED: <the first problem> (and N more)`, and exits 1
// if any page failed, 2 on bad usage or when the browser cannot start.
// A full-page screenshot of each page goes to --screenshots DIR (default:
// a fresh directory under the system's temp dir), never beside the page.

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const USAGE = "usage: node check.mjs [--screenshots DIR] PAGE...";

// Without the background-networking flags Chromium reaches for the
// network at start-up, which this machine's closed network makes it
// misbehave on; a fresh profile each run keeps runs apart.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function parseArgs(argv) {
  const pages = [];
  let shots = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--screenshots") {
      shots = argv[++i];
      if (!shots) return null;
    } else if (a.startsWith("-")) {
      return null;
    } else {
      pages.push(a);
    }
  }
  return pages.length ? { pages, shots } : null;
}

// One page checked in a new tab: its problems in words (what it shows
// first, then the events seen while loading), how many images it loaded,
// and a full-page screenshot saved to `shot`.
async function checkPage(context, file, shot) {
  const events = [];
  const tab = await context.newPage();
  tab.on("requestfailed", (r) =>
    events.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? "no reason"})`),
  );
  tab.on("console", (m) => {
    if (m.type() === "error") events.push(`console error: ${m.text()}`);
  });
  tab.on("pageerror", (e) => events.push(`script error: ${e.message}`));
  try {
    await tab.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: "load", timeout: 30000 });
  } catch (e) {
    await tab.close();
    return { problems: [`did not load: ${e.message.split("\n")[0]}`, ...events], images: 0 };
  }
  const seen = await tab.evaluate(() => ({
    title: document.title.trim(),
    heading: document.querySelector("header h1")?.textContent.trim() ?? "",
    images: [...document.images].map((i) => ({
      src: i.getAttribute("src"),
      url: i.src,
      complete: i.complete,
      width: i.naturalWidth,
    })),
  }));
  const problems = [];
  if (!seen.title) problems.push("no title: the page did not render");
  if (!seen.heading) problems.push("no <header> with an <h1>: the page did not render");
  if (seen.images.length === 0) problems.push("no <img> on the page");
  for (const img of seen.images) {
    if (!img.url.startsWith("file:")) {
      problems.push(`image ${img.src} is not a file beside the page (${img.url})`);
    } else if (!fs.existsSync(fileURLToPath(img.url))) {
      problems.push(`image ${img.src}: no such file`);
    }
    if (!img.complete || img.width === 0) {
      problems.push(`image ${img.src} did not load (complete ${img.complete}, naturalWidth ${img.width})`);
    }
  }
  await tab.screenshot({ path: shot, fullPage: true });
  await tab.close();
  return { problems: [...problems, ...events], images: seen.images.length };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  for (const p of args.pages) {
    if (!fs.statSync(p, { throwIfNoEntry: false })?.isFile()) {
      console.error(`browser: ${p}: no such page`);
      return 2;
    }
  }
  const shots = args.shots ?? fs.mkdtempSync(path.join(os.tmpdir(), "zonebench-browser-shots-"));
  fs.mkdirSync(shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "zonebench-browser-profile-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: ARGS,
      timeout: 60000,
    });
  } catch (e) {
    console.error(`browser: Chromium did not start: ${e.message.split("\n")[0]}`);
    fs.rmSync(profile, { recursive: true, force: true });
    return 2;
  }
  let failed = 0;
  try {
    for (const [index, file] of args.pages.entries()) {
      const name = path.basename(path.dirname(path.resolve(file))) || "page";
      const shot = path.join(shots, `${index}-${name}.png`);
      const { problems, images } = await checkPage(context, file, shot);
      if (problems.length === 0) {
        console.log(`browser: ${file} ok, ${images} images loaded (screenshot ${shot})`);
      } else {
        failed++;
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
        console.log(`browser: ${file}: FAILED: ${problems[0]}${more}`);
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main().catch((e) => {
  console.error(`browser: ${e.message.split("\n")[0]}`);
  return 2;
});
