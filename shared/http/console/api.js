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
export async function api(path, opts = {}) {
  const { method = 'GET', body, etag, feature } = opts;
  if (feature && missing.has(feature)) throw new ApiError(404, 'not_found', 'no such route');
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (etag) headers['if-none-match'] = etag;
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
