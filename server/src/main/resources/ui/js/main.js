// The console's shell: the session, the header, the request log, and the router that mounts one page at a time.
// Pages live in the address's fragment (#/keys?prefix=...), so a reload or a shared link opens the same page, and
// the node serves one file for all of them.

import { Api } from './api.js';
import { Session } from './session.js';
import { errorNotice, fill, formatTime, h, notice } from './dom.js';
import * as cluster from './views/cluster.js';
import * as keys from './views/keys.js';
import * as key from './views/key.js';
import * as watch from './views/watch.js';
import * as leases from './views/leases.js';
import * as metrics from './views/metrics.js';
import * as maintenance from './views/maintenance.js';
import * as login from './views/login.js';

const PAGES = { cluster, keys, key, watch, leases, metrics, maintenance };

const api = new Api();
const session = new Session(api);
const view = document.getElementById('view');
let unmount = null;

/** What a page gets: the API, the session, and a way to go elsewhere. */
const app = {
  api,
  session,
  go(hash) {
    if (location.hash === hash) {
      render();
    } else {
      location.hash = hash;
    }
  },
};

/** The current address as {page, rest, params}: #/key/abc?x=1 is {page: 'key', rest: 'abc', params: x=1}. */
function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const slash = path.indexOf('/');
  const page = slash < 0 ? path : path.slice(0, slash);
  const rest = slash < 0 ? '' : path.slice(slash + 1);
  return { page: PAGES[page] ? page : 'cluster', rest, params: new URLSearchParams(query) };
}

function render() {
  if (unmount) {
    unmount();
    unmount = null;
  }
  const r = route();
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.route === r.page || (r.page === 'key' && a.dataset.route === 'keys'));
  }
  fill(view);
  const page = session.loggedIn ? PAGES[r.page] : login;
  try {
    unmount = page.mount(view, app, r) || null;
  } catch (e) {
    fill(view, errorNotice(e, 'This page failed'));
  }
}

function renderWho() {
  const who = document.getElementById('who');
  const banner = document.getElementById('banner');
  if (!session.authEnabled) {
    fill(who, h('span', { class: 'badge warn', 'data-test': 'auth-off' }, 'auth off'));
    fill(banner, notice('warning', 'This cluster has no authentication: anyone who can reach this port can read and '
      + 'change every key. Turn it on with etcdctl or kvctl (docs/security.md).'));
  } else if (session.user) {
    fill(who, h('span', { 'data-test': 'user' }, session.user, session.root ? ' (root)' : ''), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => session.logout(), 'data-test': 'logout' },
        'Log out'));
    fill(banner);
  } else {
    fill(who, h('span', { class: 'badge' }, 'auth on'));
    fill(banner);
  }
}

function renderLog(log) {
  const rows = log.map((e) => h('tr', {},
    h('td', { text: formatTime(e.at) }), h('td', { class: 'mono', text: e.path }), h('td', { text: e.detail }),
    h('td', { class: 'num', text: e.ms === null ? '' : `${e.ms} ms` }), h('td', { text: String(e.status) })));
  fill(document.getElementById('request-log'), h('table', { class: 'grid small', 'data-test': 'request-log' },
    h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'path'), h('th', {}, 'detail'), h('th', {}, 'took'),
      h('th', {}, 'status'))),
    h('tbody', {}, rows)));
}

// An error nobody caught is shown on the page rather than leaving it blank or stale.
window.addEventListener('unhandledrejection', (e) => {
  fill(document.getElementById('banner'), errorNotice(e.reason, 'Unexpected failure'));
});

api.onUnauthenticated = () => {
  if (session.user) {
    session.logout();
    fill(document.getElementById('banner'), notice('warning', 'Your session ended (the token expired or was '
      + 'revoked): log in again.'));
  }
};
api.subscribe(renderLog);
session.subscribe(() => {
  renderWho();
  render();
});
window.addEventListener('hashchange', render);

session.load().catch((e) => {
  fill(view, errorNotice(e, `This node did not answer the console (${location.host})`));
});
