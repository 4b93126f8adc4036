// A fake WhatsApp Cloud API (Graph API) for the runner in live mode: it keeps every message
// and media upload it is sent, and answers as the Cloud API does, including its refusals: a
// template sent with a number of body parameters other than the approved one is error 132000,
// an unknown template or language 132001, an upload without a file or type 100.

import { createServer } from 'node:http';

const PHONE = /^\/(\d+)\/(messages|media)$/;

function graphError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'OAuthException', code, fbtrace_id: 'fake' } }));
}

function json(res, value) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/// The parts of a multipart/form-data body: `{name, filename, type, data}` each.
export function multipart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType || '');
  if (!m) return [];
  const boundary = Buffer.from(`--${m[1] || m[2]}`);
  const parts = [];
  let at = body.indexOf(boundary);
  while (at !== -1) {
    const start = at + boundary.length;
    if (body.slice(start, start + 2).toString() === '--') break;
    const next = body.indexOf(boundary, start);
    if (next === -1) break;
    const chunk = body.slice(start + 2, next - 2);
    const split = chunk.indexOf('\r\n\r\n');
    const head = chunk.slice(0, split).toString();
    const data = chunk.slice(split + 4);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
    parts.push({ name, filename, type, data });
    at = next;
  }
  return parts;
}

/// `templates`: the approved templates as `{ "name#language": bodyParameterCount }`.
export async function startFakeGraph({ templates = {} } = {}) {
  const messages = [];
  const uploads = [];
  const media = new Map();
  const failures = [];
  let seq = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://graph');
      const route = PHONE.exec(url.pathname);
      if (req.method === 'POST' && route && failures.length) {
        const f = failures.shift();
        graphError(res, f.status, f.code, f.message);
        return;
      }
      if (req.method === 'POST' && route?.[2] === 'messages') {
        let msg;
        try { msg = JSON.parse(body.toString()); } catch { graphError(res, 400, 100, 'Invalid JSON'); return; }
        if (msg.status === 'read') { json(res, { success: true }); return; }
        if (msg.type === 'template') {
          const key = `${msg.template?.name}#${msg.template?.language?.code}`;
          if (!(key in templates)) { graphError(res, 404, 132001, `(#132001) Template name does not exist in the translation: ${key}`); return; }
          const bodyParams = (msg.template.components || []).filter((c) => c.type === 'body').flatMap((c) => c.parameters || []);
          if (bodyParams.length !== templates[key]) {
            graphError(res, 400, 132000, `(#132000) Number of parameters does not match the expected number of params: ${bodyParams.length} instead of ${templates[key]}`);
            return;
          }
        }
        seq += 1;
        const id = `wamid.fake.${seq}`;
        messages.push({ phone: route[1], id, ...msg });
        json(res, { messaging_product: 'whatsapp', contacts: [{ input: msg.to, wa_id: msg.to }], messages: [{ id }] });
        return;
      }
      if (req.method === 'POST' && route?.[2] === 'media') {
        const parts = multipart(body, req.headers['content-type']);
        const file = parts.find((p) => p.name === 'file');
        const product = parts.find((p) => p.name === 'messaging_product')?.data.toString();
        const type = parts.find((p) => p.name === 'type')?.data.toString() || file?.type;
        if (!file || !type || product !== 'whatsapp') { graphError(res, 400, 100, '(#100) The parameter file, type and messaging_product are required'); return; }
        seq += 1;
        const id = String(9000000 + seq);
        uploads.push({ phone: route[1], id, type, filename: file.filename, size: file.data.length });
        media.set(id, { type, data: file.data });
        json(res, { id });
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/download/')) {
        const m = media.get(url.pathname.slice('/download/'.length));
        if (!m) { graphError(res, 404, 100, 'no such media'); return; }
        res.writeHead(200, { 'content-type': m.type });
        res.end(m.data);
        return;
      }
      const id = /^\/(\d+)$/.exec(url.pathname)?.[1];
      if (req.method === 'GET' && id && media.has(id)) {
        const m = media.get(id);
        json(res, { url: `http://${req.headers.host}/download/${id}`, mime_type: m.type, file_size: m.data.length, id, messaging_product: 'whatsapp' });
        return;
      }
      graphError(res, 404, 100, `no such route: ${req.method} ${url.pathname}`);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    uploads,
    /// The next POST answers this error (`{status, code, message}`) instead.
    failNext(f) { failures.push(f); },
    close() { return new Promise((ok) => server.close(ok)); },
  };
}
