// Who is using the console, and what they may do. With authentication off, anyone may do anything, and the console
// says so. With it on, the user logs in (etcd's Authenticate), and the console reads the user's own roles and their
// permissions (a user may read those of its own) to disable what the cluster would refuse. The server still checks
// every request: this only keeps buttons from promising what will fail.

import { compare, fromBase64 } from './bytes.js';

const TOKEN_KEY = 'raftkv.console.token';
const USER_KEY = 'raftkv.console.user';

export class Session {
  constructor(api) {
    this.api = api;
    this.authEnabled = false;
    this.user = null;
    this.root = false;
    /** [{type: 'READ'|'WRITE'|'READWRITE', key: Uint8Array, end: Uint8Array|null}] */
    this.permissions = [];
    this.listeners = new Set();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed() {
    for (const l of this.listeners) {
      l(this);
    }
  }

  /** Asks the cluster whether authentication is on, and takes back a login of this tab if there was one. */
  async load() {
    const status = await this.api.post('/v3/auth/status', {});
    this.authEnabled = Boolean(status.enabled);
    const token = sessionStorage.getItem(TOKEN_KEY);
    const user = sessionStorage.getItem(USER_KEY);
    if (this.authEnabled && token && user) {
      this.api.token = token;
      this.user = user;
      try {
        await this.loadPermissions();
      } catch (e) {
        this.forget();
      }
    } else if (!this.authEnabled) {
      this.forget();
    }
    this.changed();
  }

  get loggedIn() {
    return !this.authEnabled || this.user !== null;
  }

  async login(name, password) {
    const answer = await this.api.post('/v3/auth/authenticate', { name, password }, { detail: name });
    this.api.token = answer.token;
    this.user = name;
    sessionStorage.setItem(TOKEN_KEY, answer.token);
    sessionStorage.setItem(USER_KEY, name);
    await this.loadPermissions();
    this.changed();
  }

  logout() {
    this.forget();
    this.changed();
  }

  forget() {
    this.api.token = null;
    this.user = null;
    this.root = false;
    this.permissions = [];
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  }

  async loadPermissions() {
    const user = await this.api.post('/v3/auth/user/get', { name: this.user });
    const roles = user.roles || [];
    this.root = roles.includes('root');
    const permissions = [];
    for (const role of roles) {
      if (role === 'root') {
        continue;
      }
      const r = await this.api.post('/v3/auth/role/get', { role });
      for (const p of r.perm || []) {
        permissions.push({
          type: p.permType || 'READ',
          key: fromBase64(p.key),
          end: p.range_end ? fromBase64(p.range_end) : null,
        });
      }
    }
    this.permissions = permissions;
  }

  /** Whether the user may do maintenance, compaction and the like (root only, while auth is on). */
  get admin() {
    return !this.authEnabled || this.root;
  }

  canRead(key) {
    return this.allowed(key, 'READ');
  }

  canWrite(key) {
    return this.allowed(key, 'WRITE');
  }

  allowed(key, need) {
    if (!this.authEnabled || this.root) {
      return true;
    }
    return this.permissions.some((p) => (p.type === need || p.type === 'READWRITE') && covers(p, key));
  }
}

/** Whether a permission's range holds `key`: one key, from a key on (end is a zero byte), or [key, end). */
function covers(p, key) {
  if (p.end === null || p.end.length === 0) {
    return compare(p.key, key) === 0;
  }
  if (p.end.length === 1 && p.end[0] === 0) {
    return compare(key, p.key) >= 0;
  }
  return compare(key, p.key) >= 0 && compare(key, p.end) < 0;
}
