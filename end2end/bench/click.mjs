// What the link-navigation timings share: one click, timed inside the page.

/**
 * Clicks the link `link` names (`{ selector }`, or `{ text }`: its text) and
 * resolves with the milliseconds from just before `click()` to the first
 * animation frame after the page's heading (`until.heading`, a selector,
 * `h1` by default) shows `until.text` (or, without one, anything other than
 * what it showed before). Throws after 10 s, and when the navigation
 * reloaded the document (then it is no sample).
 */
export async function timedClick(page, link, { heading = "h1", text = null } = {}) {
  await page.evaluate(() => (window.__sameDocument = true));
  const ms = await page.evaluate(
    ({ link, heading, text }) =>
      new Promise((resolve, reject) => {
        const before = document.querySelector(heading)?.textContent;
        const target = link.selector
          ? document.querySelector(link.selector)
          : [...document.querySelectorAll("a")].find((a) => a.textContent.trim() === link.text);
        if (!target) return reject(new Error(`no link ${JSON.stringify(link)}`));
        const timer = setTimeout(() => reject(new Error("navigation took over 10 s")), 10_000);
        const observer = new MutationObserver(() => {
          const shown = document.querySelector(heading);
          if (shown && (text === null ? shown.textContent !== before : shown.textContent === text)) {
            observer.disconnect();
            requestAnimationFrame(() => {
              clearTimeout(timer);
              resolve(performance.now() - start);
            });
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        const start = performance.now();
        target.click();
      }),
    { link, heading, text },
  );
  if (!(await page.evaluate(() => window.__sameDocument === true))) {
    throw new Error("the navigation reloaded the document");
  }
  return ms;
}
