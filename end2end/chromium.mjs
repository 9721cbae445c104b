// Debian's Chromium, never a downloaded browser, for the Playwright suite
// and the navigation benchmark alike. The flags keep it off the network
// (this machine has none) and working as root in a container.
export const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
