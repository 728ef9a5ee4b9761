// The node's own JSON API (etcd's gateway shape), as the console calls it. Every call goes through here: the token is
// attached, the server's error is kept as the server said it, and each call is logged for the Requests panel.

/** A refused or failed call: HTTP status (0 when no answer came), etcd's code, and the server's own message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  get unauthenticated() {
    return this.code === 16;
  }

  get permissionDenied() {
    return this.code === 7;
  }
}

const LOG_SIZE = 50;

export class Api {
  constructor() {
    this.token = null;
    /** The last calls, newest first: {at, path, detail, ms, status}. */
    this.log = [];
    this.listeners = new Set();
    /** Called with the error when the server refuses the token (expired, or auth turned on meanwhile). */
    this.onUnauthenticated = () => {};
  }

  /** Called after every call with the log. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * POSTs `body` (an object) to `path` on this node and answers the parsed JSON. `detail` is what the Requests panel
   * shows beside the path (say, a range's limit); `quiet` calls (the pages' polling) stay out of it.
   */
  async post(path, body = {}, { signal, timeoutMs = 15000, detail = '', quiet = false } = {}) {
    const headers = { 'Content-Type': 'application/json' };
    if (this.token) {
      headers.Authorization = this.token;
    }
    const response = await this.call(path, { method: 'POST', headers, body: JSON.stringify(body) },
      { signal, timeoutMs, detail, quiet });
    return this.parse(response);
  }

  /** A GET on this node, answering the response itself (for /metrics' text). */
  async get(path, { signal, timeoutMs = 15000, quiet = false } = {}) {
    const response = await this.call(path, { method: 'GET' }, { signal, timeoutMs, detail: '', quiet });
    if (!response.ok) {
      await this.parse(response);
    }
    return response;
  }

  /**
   * An open read on another member (its status, health or metrics), by its client URL. Sent as a simple request
   * (no token, no JSON content type), so the browser needs no preflight: those paths answer any origin.
   */
  async member(url, path, { body, signal, timeoutMs = 1500 } = {}) {
    const init = body === undefined ? { method: 'GET' } : { method: 'POST', body: JSON.stringify(body) };
    const response = await this.call(url.replace(/\/+$/, '') + path, init, { signal, timeoutMs, detail: url,
      quiet: true });
    return response;
  }

  /** A streamed POST (watch, snapshot): the response, once its head arrived; the body is read by the caller. */
  async stream(path, body, { signal, detail = '' } = {}) {
    const headers = { 'Content-Type': 'application/json' };
    if (this.token) {
      headers.Authorization = this.token;
    }
    const response = await this.call(path, { method: 'POST', headers, body: JSON.stringify(body) },
      { signal, timeoutMs: 0, detail });
    if (!response.ok) {
      await this.parse(response);
    }
    return response;
  }

  async call(url, init, { signal, timeoutMs, detail, quiet = false }) {
    const controller = new AbortController();
    const abort = () => controller.abort(signal.reason);
    if (signal) {
      if (signal.aborted) {
        controller.abort(signal.reason);
      } else {
        signal.addEventListener('abort', abort, { once: true });
      }
    }
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs) : null;
    const started = performance.now();
    const entry = { at: new Date(), path: url, detail, ms: null, status: '…' };
    if (!quiet) {
      this.record(entry);
    }
    try {
      const response = await fetch(url, { ...init, signal: controller.signal, cache: 'no-store' });
      entry.status = response.status;
      return response;
    } catch (e) {
      entry.status = 'failed';
      if (signal && signal.aborted) {
        throw e;
      }
      throw new ApiError(0, 14, timedOut ? `no answer from ${url} within ${timeoutMs / 1000} s`
        : `${url} could not be reached (${e.message})`);
    } finally {
      if (timer) {
        clearTimeout(timer);
      }
      if (signal) {
        signal.removeEventListener('abort', abort);
      }
      entry.ms = Math.round(performance.now() - started);
      if (!quiet) {
        this.changed();
      }
    }
  }

  async parse(response) {
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      // An answer that is not JSON (a proxy's error page, say) is shown as it came.
    }
    if (response.ok && json !== null) {
      return json;
    }
    const message = json && (json.message || json.error) ? (json.message || json.error)
      : `HTTP ${response.status}${text ? ': ' + text.slice(0, 300) : ''}`;
    const error = new ApiError(response.status, json && typeof json.code === 'number' ? json.code : 2, message);
    if (error.unauthenticated) {
      this.onUnauthenticated(error);
    }
    throw error;
  }

  record(entry) {
    this.log.unshift(entry);
    if (this.log.length > LOG_SIZE) {
      this.log.length = LOG_SIZE;
    }
    this.changed();
  }

  changed() {
    for (const l of this.listeners) {
      l(this.log);
    }
  }
}

/** An int64 field as etcd's gateway writes it (a string, or left out when zero), as a Number. */
export function int(value) {
  return value === undefined || value === null ? 0 : Number(value);
}

/** An int64 id (leases) kept exact: a decimal string ('0' when left out). */
export function id(value) {
  return value === undefined || value === null ? '0' : String(value);
}

/** Reads a response of JSON lines ({"result": ...} each), calling `onLine` with each parsed object as it arrives. */
export async function readLines(response, onLine) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    pending += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) {
        onLine(JSON.parse(line));
      }
    }
  }
  if (pending.trim()) {
    onLine(JSON.parse(pending));
  }
}
