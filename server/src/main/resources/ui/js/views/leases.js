// Leases: every lease with its TTL counting down, its granted TTL and the keys attached to it; grant and revoke.
// The remaining TTL is read from the cluster every few seconds and counted down in between, so the countdown is
// smooth and never drifts far from the leader's clock (which alone expires leases).

import { id, int } from '../api.js';
import * as bytes from '../bytes.js';
import { confirmAction, errorNotice, field, fill, h, notice } from '../dom.js';

const PAGE = 50;
const REREAD_MS = 5000;
const SHOWN_KEYS = 10;

export function mount(root, app, route) {
  const controller = new AbortController();
  const signal = controller.signal;
  const ttlInput = h('input', { type: 'number', min: 1, value: 60, 'data-test': 'lease-ttl', size: 6 });
  const outcome = h('div', { 'data-test': 'lease-status' });
  const table = h('div', { 'data-test': 'leases' }, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  fill(root, h('h2', {}, 'Leases'),
    h('form', { class: 'toolbar', onsubmit: (e) => {
      e.preventDefault();
      grant();
    } }, field('TTL (s)', ttlInput), h('button', { type: 'submit', 'data-test': 'lease-grant' }, 'Grant a lease')),
    outcome, table, pager);

  const focus = route.params.get('id');
  let page = 0;
  /** The leases on this page: {id, ttl, granted, keys, readAt}. */
  let shown = [];
  let ids = [];
  let reread = null;
  let tick = null;
  /** Bumped by each restart: a read begun before it neither draws nor schedules the next one. */
  let generation = 0;

  async function load(gen = generation) {
    try {
      const r = await app.api.post('/v3/lease/leases', {}, { signal, quiet: true });
      ids = (r.leases || []).map((l) => id(l.ID)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      if (focus && ids.includes(focus) && page === 0) {
        page = Math.floor(ids.indexOf(focus) / PAGE);
      }
      const slice = ids.slice(page * PAGE, (page + 1) * PAGE);
      shown = await Promise.all(slice.map((lease) => app.api.post('/v3/lease/timetolive', { ID: lease, keys: true },
        { signal, quiet: true }).then((t) => ({
        id: lease, ttl: int(t.TTL), granted: int(t.grantedTTL), keys: (t.keys || []).map(bytes.fromBase64),
        readAt: performance.now(),
      }))));
      if (gen === generation) {
        draw();
      }
    } catch (e) {
      if (!signal.aborted && gen === generation) {
        fill(table, errorNotice(e, 'Listing the leases failed'));
      }
    }
    if (!signal.aborted && gen === generation) {
      reread = setTimeout(() => load(gen), REREAD_MS);
    }
  }

  function draw() {
    if (ids.length === 0) {
      fill(table, h('p', { class: 'muted', 'data-test': 'no-leases' }, 'No leases.'));
      fill(pager);
      return;
    }
    fill(table, h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['lease ID', 'hex', 'TTL left', 'granted TTL', 'keys', ''].map((c) =>
        h('th', { text: c })))),
      h('tbody', {}, shown.map((l) => h('tr', { 'data-lease': l.id, class: l.id === focus ? 'focus' : '' },
        h('td', { class: 'mono', text: l.id }),
        h('td', { class: 'mono muted', text: BigInt(l.id).toString(16) }),
        h('td', { class: 'num', 'data-test': 'ttl', 'data-ttl-at': String(l.readAt), 'data-ttl': String(l.ttl) },
          l.ttl < 0 ? 'expired' : `${l.ttl} s`),
        h('td', { class: 'num', text: `${l.granted} s` }),
        h('td', {}, keyLinks(l.keys)),
        h('td', {}, h('button', { type: 'button', class: 'danger', 'data-test': 'revoke', disabled: !canRevoke(l),
          onclick: () => revoke(l) }, 'Revoke…')))))));
    fill(pager,
      h('button', { type: 'button', disabled: page === 0, onclick: () => {
        page--;
        restart();
      } }, '← Previous'),
      h('span', { class: 'muted' }, `${ids.length} leases · page ${page + 1} of ${Math.ceil(ids.length / PAGE)}`),
      h('button', { type: 'button', disabled: (page + 1) * PAGE >= ids.length, onclick: () => {
        page++;
        restart();
      } }, 'Next →'));
  }

  /** Revoking deletes the lease's keys, so the user must be allowed to write each of them. */
  function canRevoke(l) {
    return app.session.loggedIn && l.keys.every((k) => app.session.canWrite(k));
  }

  function keyLinks(keys) {
    if (keys.length === 0) {
      return h('span', { class: 'muted' }, 'none');
    }
    return h('span', {}, keys.slice(0, SHOWN_KEYS).map((k) => [h('a', { href: `#/key/${bytes.toUrlSafe(k)}`,
      class: 'mono', text: bytes.keyLabel(k) }), ' ']),
    keys.length > SHOWN_KEYS ? h('span', { class: 'muted' }, `and ${keys.length - SHOWN_KEYS} more`) : null);
  }

  // Counting down between reads, from what the cluster said and when.
  tick = setInterval(() => {
    for (const cell of table.querySelectorAll('[data-test=ttl]')) {
      const ttl = Number(cell.dataset.ttl);
      if (ttl < 0) {
        continue;
      }
      const left = Math.max(0, Math.round(ttl - (performance.now() - Number(cell.dataset.ttlAt)) / 1000));
      cell.textContent = `${left} s`;
    }
  }, 250);

  function restart() {
    generation++;
    clearTimeout(reread);
    load();
  }

  async function grant() {
    const ttl = Number(ttlInput.value);
    if (!Number.isInteger(ttl) || ttl <= 0) {
      fill(outcome, notice('error', 'A TTL is a whole number of seconds above 0. Nothing was sent.'));
      return;
    }
    try {
      const r = await app.api.post('/v3/lease/grant', { TTL: String(ttl) }, { signal });
      fill(outcome, notice('ok', `Lease ${id(r.ID)} granted for ${int(r.TTL)} s. Attach keys to it from the key `
        + 'page (new key, lease ID).'));
      restart();
    } catch (e) {
      fill(outcome, errorNotice(e, 'No lease granted'));
    }
  }

  async function revoke(l) {
    const ok = await confirmAction('Revoke this lease?', `Lease ${l.id} ends now, and its ${l.keys.length} `
      + `attached key${l.keys.length === 1 ? '' : 's'} will be deleted.`, { confirmLabel: 'Revoke' });
    if (!ok) {
      return;
    }
    try {
      await app.api.post('/v3/lease/revoke', { ID: l.id }, { signal, detail: l.id });
      fill(outcome, notice('ok', `Lease ${l.id} revoked.`));
      restart();
    } catch (e) {
      fill(outcome, errorNotice(e, `Lease ${l.id} not revoked`));
    }
  }

  load();
  return () => {
    controller.abort();
    clearTimeout(reread);
    clearInterval(tick);
  };
}
