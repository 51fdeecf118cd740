/**
 * Test helper of the browser tests (the report's, the playground's): Debian's Chromium, installed with apt-get
 * when it is missing and the test runs as root. Not shipped (test-*.ts are left out of the package).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { findChromium } from "./browser.js";

/** Where apt-get installs Debian's chromium. */
const CHROMIUM = "/usr/bin/chromium";

/**
 * Installs Debian's chromium when no Chromium is found (see `findChromium`); returns why it is unavailable, or
 * null when `findChromium()` finds one.
 */
export function ensureChromium(who = "browser test"): string | null {
  if (findChromium()) return null;
  if (process.getuid?.() !== 0) return `no Chromium found ($FARSIGHT_CHROMIUM, ${CHROMIUM}, ...) and the test is not root, so it cannot apt-get install chromium`;
  try {
    console.log(`${who}: installing chromium with apt-get (once per machine, takes a minute or two)`);
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", timeout: 300_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "ignore", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (err) {
    return `apt-get install chromium failed: ${(err as Error).message.split("\n")[0]}`;
  }
  return existsSync(CHROMIUM) ? null : `apt-get install chromium finished but ${CHROMIUM} is still missing`;
}
