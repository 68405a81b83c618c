// api.js: the dashboard's client for airc's REST API (/api/v1, Airflow-shaped).
// Holds the CSRF token returned at login and sends it on every POST/PATCH/DELETE;
// turns error replies ({status,title,detail}) into ApiError. Not for: rendering.

const BASE = '/api/v1';
let csrfToken = null;

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

export function setCsrfToken(token) { csrfToken = token || null; }

const enc = encodeURIComponent;
export const path = {
  dag: (id) => `/dags/${enc(id)}`,
  runs: (id) => `/dags/${enc(id)}/dagRuns`,
  run: (id, run) => `/dags/${enc(id)}/dagRuns/${enc(run)}`,
  tis: (id, run) => `/dags/${enc(id)}/dagRuns/${enc(run)}/taskInstances`,
  ti: (id, run, task) => `/dags/${enc(id)}/dagRuns/${enc(run)}/taskInstances/${enc(task)}`,
  log: (id, run, task, tryNo) =>
    `/dags/${enc(id)}/dagRuns/${enc(run)}/taskInstances/${enc(task)}/logs/${enc(tryNo)}`,
};

function withQuery(p, query) {
  if (!query) return p;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${p}?${s}` : p;
}

async function toError(res) {
  let title = res.statusText || `HTTP ${res.status}`, detail = '';
  try {
    const body = await res.json();
    if (body && typeof body === 'object') {
      title = body.title || title;
      detail = body.detail || '';
    }
  } catch { /* not JSON: keep the status line */ }
  const err = new ApiError(res.status, title, detail);
  if (res.status === 401) window.dispatchEvent(new CustomEvent('airc:unauthorized'));
  return err;
}

async function send(p, {method = 'GET', body, query, signal} = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(BASE + withQuery(p, query), {
      method, headers, signal, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Network error', 'the airc web server did not answer');
  }
  if (!res.ok) throw await toError(res);
  return res;
}

export async function get(p, query, signal) {
  const res = await send(p, {query, signal});
  return res.status === 204 ? null : res.json();
}
export async function post(p, body) {
  const res = await send(p, {method: 'POST', body: body ?? {}});
  return res.status === 204 ? null : res.json().catch(() => null);
}
export async function patch(p, body, query) {
  const res = await send(p, {method: 'PATCH', body: body ?? {}, query});
  return res.status === 204 ? null : res.json().catch(() => null);
}

// Log chunk from offset: {text, nextOffset, complete}.
export async function getLog(dagId, runId, taskId, tryNo, offset, signal, mapIndex) {
  const query = mapIndex === undefined || mapIndex === null ? {offset} : {offset, map_index: mapIndex};
  const res = await send(path.log(dagId, runId, taskId, tryNo), {query, signal});
  let text = await res.text();
  // send() asks for JSON, and the logs endpoint then answers Airflow's
  // {"content": ..., "continuation_token": ...}: the panel shows the text
  if ((res.headers.get('Content-Type') || '').includes('json')) {
    try { text = String(JSON.parse(text).content ?? ''); } catch { /* shown as it came */ }
  }
  const next = parseInt(res.headers.get('X-Airc-Log-Offset') || '', 10);
  return {
    text,
    nextOffset: Number.isFinite(next) ? next : offset + new TextEncoder().encode(text).length,
    complete: (res.headers.get('X-Airc-Log-Complete') || '').toLowerCase() === 'true',
  };
}

export async function login(username, password) {
  const r = await post('/auth/login', {username, password});
  if (r && r.csrf_token) setCsrfToken(r.csrf_token);
  return r;
}
export async function me() {
  const r = await get('/auth/me');
  if (r && r.csrf_token) setCsrfToken(r.csrf_token);
  return r;
}
export async function logout() {
  try { await post('/auth/logout', {}); } finally { setCsrfToken(null); }
}

// DELETE and PUT: unsafe methods always say JSON (the server answers 415 otherwise).
export async function del(p, query) {
  const res = await send(p, {method: 'DELETE', body: {}, query});
  return res.status === 204 ? null : res.json().catch(() => null);
}
export async function put(p, body) {
  const res = await send(p, {method: 'PUT', body: body ?? {}});
  return res.status === 204 ? null : res.json().catch(() => null);
}
