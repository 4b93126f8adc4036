// Accessibility checks for the browser tests: axe-core's serious and critical violations, and
// the controls the Tab key never reaches.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/// The serious and critical violations axe finds on the page as it is now, one line each.
/// The script is evaluated through the debugging protocol, so the console's policy against
/// inline script stays in force.
export async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(1, 2).join(' ').trim()}`));
}

/// Presses Tab until focus comes back round, and returns the controls it never reached.
/// Controls are told apart by what they are and say (not by node), so a redraw of the page
/// between two presses (a live update) does not count its controls as unreached.
export async function unreachableByKeyboard(page) {
  await page.evaluate(() => {
    // Digits are left out: a countdown in a row's text ticks between two presses.
    const base = (el) => [el.tagName, el.dataset.testid, el.id, el.getAttribute('name'), el.getAttribute('aria-label'),
      (el.textContent || '').replace(/\d+/g, '#').trim().slice(0, 40)].join('|');
    window.__a11yKey = (el) => {
      const b = base(el);
      const same = [...document.getElementsByTagName(el.tagName)].filter((e) => base(e) === b);
      return `${b}#${same.indexOf(el)}`;
    };
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  // Round once: until focus is back on the first control it reached. A date input takes
  // several presses (one per field), so the same control several times running is no lap.
  const reached = new Set();
  let first = null;
  let previous = null;
  for (let i = 0; i < 600; i++) {
    await page.keyboard.press('Tab');
    const key = await page.evaluate(() => {
      const el = document.activeElement;
      return !el || el === document.body ? null : window.__a11yKey(el);
    });
    if (key && key === first && previous !== first) break;
    if (key) {
      first ??= key;
      reached.add(key);
    }
    previous = key;
  }
  return page.evaluate((keys) => {
    const seen = new Set(keys);
    // checkVisibility also treats the content of a closed <details> as hidden.
    const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: false })
      && el.getBoundingClientRect().width > 0;
    // Native controls (unless taken out of the order on purpose) and anything that says it
    // is a control: a <span role="button"> a mouse can click but Tab never reaches is a failure.
    const native = (el) => el.matches('a[href], button, input, select, textarea, summary, [tabindex]') && el.getAttribute('tabindex') !== '-1';
    const claimed = (el) => el.matches('[role=button], [role=link], [role=tab], [role=menuitem], [role=checkbox], [role=option]');
    return [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex], [role]')]
      .filter((el) => (native(el) || claimed(el)) && !el.disabled && visible(el) && !el.closest('[inert]'))
      .filter((el) => !seen.has(window.__a11yKey(el)))
      .map((el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`);
  }, [...reached]);
}

export async function audit(page, what) {
  const found = await axeViolations(page);
  assert.deepEqual(found, [], `${what}: serious or critical accessibility violations`);
}
