// The agent API client: bearer token, JSON, the API's error format.

let token = null;
let unauthorized = () => {};
/// Routes the server answered "no such route" for: features the console hides.
const missing = new Set();

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /// The route does not exist on this server (an older API): not an error to show.
  get noRoute() { return this.status === 404 && this.message === 'no such route'; }
}

export function setToken(t) { token = t; }
export function onUnauthorized(f) { unauthorized = f; }
export function lacks(feature) { return missing.has(feature); }

/// `opts.etag`: sends If-None-Match; the answer is then `{data, etag, notModified}`.
/// `opts.ifMatch`: sends If-Match (the version an edit was made on).
export async function api(path, opts = {}) {
  const { method = 'GET', body, etag, feature, ifMatch } = opts;
  if (feature && missing.has(feature)) throw new ApiError(404, 'not_found', 'no such route');
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (etag) headers['if-none-match'] = etag;
  if (ifMatch) headers['if-match'] = ifMatch;
  const r = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (r.status === 304) return { notModified: true, etag };
  let data = null;
  const text = await r.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!r.ok) {
    const err = new ApiError(r.status, data?.error?.code || `http_${r.status}`,
      data?.error?.message || r.statusText || 'request failed');
    if (err.noRoute && feature) missing.add(feature);
    if (r.status === 401 && token) unauthorized(err);
    throw err;
  }
  if ('etag' in opts) return { data, etag: r.headers.get('etag'), notModified: false };
  return data;
}

/// A file the API sends as an attachment (a CSV export), fetched with the bearer token and
/// handed to the browser as a download under the name the server gives it.
export async function download(path, fallbackName) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`/api/v1${path}`, { headers, cache: 'no-store' });
  if (!r.ok) {
    let data = null;
    try { data = JSON.parse(await r.text()); } catch { data = null; }
    const err = new ApiError(r.status, data?.error?.code || `http_${r.status}`,
      data?.error?.message || r.statusText || 'request failed');
    if (r.status === 401 && token) unauthorized(err);
    throw err;
  }
  const disposition = r.headers.get('content-disposition') || '';
  const m = disposition.match(/filename\*=UTF-8''([^;]+)/i) || disposition.match(/filename="?([^";]+)"?/i);
  let name = fallbackName;
  if (m) { try { name = decodeURIComponent(m[1]); } catch { name = m[1]; } }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name.replace(/[\\/]/g, '_');
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
