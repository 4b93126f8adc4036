// A template with an image header on the local runner's sandbox: the agent uploads the image
// from the template picker (by dropping it on the picker), the template goes with its media
// id, and the sandbox customer sees the image the template carries.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTurno, startBrowser, signIn, customerSays, eventually, fixtureConfig, apiAs } from '../lib/harness.js';

const CUSTOMER = '34600555123';
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let config;
let turno;
let browser;

before(async () => {
  config = fixtureConfig((c) => c.replace('    csat:\n      enabled: true', [
    '      shipping_label:',
    '        name: etiqueta_envio',
    '        language: es',
    '        category: utility',
    '        header: { format: image }',
    '        body: { es: "Hola {{1}}, esta es tu etiqueta." }',
    '        fields: { "1": customer_name }',
    '    csat:',
    '      enabled: true',
  ].join('\n')));
  turno = await startTurno({ config: config.path });
  browser = await startBrowser();
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
  config?.remove();
});

test('an image dropped on the template picker is the header the sandbox customer sees', async () => {
  await customerSays(turno.url, CUSTOMER, 'Marta Gil', 'quiero hablar con una persona');
  const api = await apiAs(turno.url, 'ana');
  const ticketId = await eventually('the ticket assigned to ana', async () => {
    const page = await (await api(`/tickets?q=${CUSTOMER}`)).json();
    return (page.items || page.tickets || []).find((x) => x.customer === CUSTOMER && x.assignee === 'ana')?.id;
  });
  const page = await signIn(browser.context, turno.url, 'ana');
  await page.locator('[data-testid="sandbox-toggle"]').click();
  await page.locator('[data-testid="sandbox-phone"]').fill(CUSTOMER);
  await page.locator('[data-testid="sandbox-phone"]').dispatchEvent('change');
  await page.goto(`${turno.url}/console/#/inbox/${encodeURIComponent(ticketId)}`);
  await page.locator('[data-testid="template-open"]').click();
  await page.locator('[data-testid="template"]').selectOption({ label: 'etiqueta_envio · utility' });
  const media = page.locator('[data-testid="template-header-media"]');
  await media.waitFor();

  // Dropped on the picker's upload zone, as a file from the desktop.
  const transfer = await page.evaluateHandle((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'label.png', { type: 'image/png' }));
    return dt;
  }, [...PNG]);
  await page.locator('.tpl-upload').dispatchEvent('drop', { dataTransfer: transfer });
  await eventually('the upload done', async () => /Uploaded label\.png/.test(await page.locator('[data-testid="template-header-state"]').textContent()));
  const mediaId = await media.inputValue();
  assert.match(mediaId, /^[A-Za-z0-9]{1,64}$/);
  assert.equal(await page.locator('[data-testid="attach-chip"]').isHidden(), true, 'the drop went to the header, not to an attachment');

  await page.locator('[data-testid="send"]').click();
  const shown = page.locator('[data-testid="sandbox-log"] [data-testid="sandbox-header-media"]');
  await shown.waitFor();
  assert.equal(await shown.getAttribute('src'), `/sandbox/api/media/${mediaId}`);
  await eventually('the image loaded', async () => (await shown.evaluate((img) => img.complete && img.naturalWidth)) === 1);
  assert.match(await page.locator('[data-testid="sandbox-log"]').textContent(), /etiqueta_envio · Marta Gil/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
