// Maintenance: download a snapshot, compact the history, defragment this node's store, and list and disarm alarms.
// Everything here needs the root role while authentication is on, and everything but the download asks first.

import { int, readLines } from '../api.js';
import * as bytes from '../bytes.js';
import { confirmAction, errorNotice, field, fill, formatBytes, h, notice } from '../dom.js';

export function mount(root, app) {
  const controller = new AbortController();
  const signal = controller.signal;
  const admin = app.session.admin;
  const why = admin ? null : notice('info', 'These actions need the root role; you are logged in as '
    + `${app.session.user}.`);

  const snapshotStatus = h('div', { 'data-test': 'snapshot-status' });
  const snapshotButton = h('button', { type: 'button', 'data-test': 'snapshot', disabled: !admin,
    onclick: () => snapshot() }, 'Download a snapshot');
  const revisionInput = h('input', { type: 'text', size: 12, 'data-test': 'compact-revision',
    placeholder: 'revision' });
  const compactStatus = h('div', { 'data-test': 'compact-status' });
  const defragStatus = h('div', { 'data-test': 'defrag-status' });
  const alarms = h('div', { 'data-test': 'alarms' });

  fill(root, h('h2', {}, 'Maintenance'), why,
    h('section', {}, h('h3', {}, 'Snapshot'),
      h('p', { class: 'muted' }, `A consistent snapshot of this node's store (${location.host}), as `
        + '`etcdctl snapshot save` takes it; restore it with `scripts/raftkv-cluster restore FILE`.'),
      snapshotButton, snapshotStatus),
    h('section', {}, h('h3', {}, 'Compaction'),
      h('p', { class: 'muted' }, 'Forgets every version older than the revision, for every key: reads and watches '
        + 'below it fail from then on.'),
      h('form', { class: 'toolbar', onsubmit: (e) => {
        e.preventDefault();
        compact();
      } }, field('Revision', revisionInput),
      h('button', { type: 'submit', class: 'danger', disabled: !admin, 'data-test': 'compact' }, 'Compact…')),
      compactStatus),
    h('section', {}, h('h3', {}, 'Defragment'),
      h('p', { class: 'muted' }, `Gives the unused file space of this node's store (${location.host}) back; the node `
        + 'serves nothing while it copies.'),
      h('button', { type: 'button', class: 'danger', disabled: !admin, 'data-test': 'defrag', onclick: () => defrag() },
        'Defragment…'), defragStatus),
    h('section', {}, h('h3', {}, 'Alarms'), alarms));

  async function loadAlarms() {
    if (!admin) {
      fill(alarms, h('p', { class: 'muted' }, 'The cluster page shows each member\'s alarms.'));
      return;
    }
    try {
      const r = await app.api.post('/v3/maintenance/alarm', {}, { signal });
      const list = r.alarms || [];
      fill(alarms, list.length === 0 ? h('p', { class: 'muted', 'data-test': 'no-alarms' }, 'No alarm is raised.')
        : h('table', { class: 'grid' }, h('tbody', {}, list.map((a) => h('tr', {},
          h('td', {}, `member ${a.memberID}`), h('td', {}, h('span', { class: 'badge bad', text: a.alarm })),
          h('td', {}, h('button', { type: 'button', class: 'danger', 'data-test': 'disarm', onclick: () => disarm(a) },
            'Disarm…')))))));
    } catch (e) {
      if (!signal.aborted) {
        fill(alarms, errorNotice(e, 'Listing the alarms failed'));
      }
    }
  }

  async function disarm(a) {
    const ok = await confirmAction(`Disarm ${a.alarm} on member ${a.memberID}?`, 'Writes are refused while it is '
      + 'raised. Disarm it once the store is below its quota again (compact and defragment first), or it is raised '
      + 'again within a second.', { confirmLabel: 'Disarm' });
    if (!ok) {
      return;
    }
    try {
      await app.api.post('/v3/maintenance/alarm', { action: 'DEACTIVATE', memberID: String(a.memberID),
        alarm: a.alarm }, { signal });
    } catch (e) {
      fill(alarms, errorNotice(e, 'Not disarmed'));
      return;
    }
    loadAlarms();
  }

  async function compact() {
    const text = revisionInput.value.trim();
    if (!/^[1-9][0-9]*$/.test(text)) {
      fill(compactStatus, notice('error', 'A revision is a whole number above 0. Nothing was sent.'));
      return;
    }
    const ok = await confirmAction(`Compact at revision ${text}?`, 'Every version older than it is forgotten, for '
      + 'every key, on every member. This cannot be undone.', { confirmLabel: 'Compact' });
    if (!ok) {
      return;
    }
    try {
      const r = await app.api.post('/v3/kv/compaction', { revision: text }, { signal });
      fill(compactStatus, notice('ok', `Compacted at revision ${text} (the store is at revision `
        + `${int(r.header && r.header.revision)}).`));
    } catch (e) {
      fill(compactStatus, errorNotice(e, 'Not compacted'));
    }
  }

  async function defrag() {
    const ok = await confirmAction('Defragment this node?', `The store of ${location.host} is copied to give its `
      + 'unused space back; the node serves no request while it copies.', { confirmLabel: 'Defragment' });
    if (!ok) {
      return;
    }
    fill(defragStatus, notice('info', 'Defragmenting…'));
    try {
      await app.api.post('/v3/maintenance/defragment', {}, { signal, timeoutMs: 600000 });
      fill(defragStatus, notice('ok', 'Defragmented.'));
    } catch (e) {
      fill(defragStatus, errorNotice(e, 'Not defragmented'));
    }
  }

  /** Streams the snapshot into memory, then hands it to the browser as a file. */
  async function snapshot() {
    snapshotButton.disabled = true;
    const parts = [];
    let size = 0;
    let revision = 0;
    try {
      const response = await app.api.stream('/v3/maintenance/snapshot', {}, { signal });
      await readLines(response, (line) => {
        if (line.error) {
          throw Object.assign(new Error(line.error.message || line.error.error), { code: line.error.code });
        }
        const r = line.result || {};
        revision = int(r.header && r.header.revision) || revision;
        const blob = bytes.fromBase64(r.blob);
        parts.push(blob);
        size += blob.length;
        fill(snapshotStatus, notice('info', `Receiving: ${formatBytes(size)}…`));
      });
      const file = new Blob(parts, { type: 'application/octet-stream' });
      const name = `raftkv-${location.hostname}-${location.port}-rev${revision}.snap`;
      const url = URL.createObjectURL(file);
      const link = h('a', { href: url, download: name, 'data-test': 'snapshot-file' }, name);
      fill(snapshotStatus, notice('ok', { 'data-test': 'snapshot-done', 'data-bytes': String(size) },
        `Snapshot at revision ${revision}, ${formatBytes(size)}: `, link));
      link.click();
    } catch (e) {
      if (!signal.aborted) {
        fill(snapshotStatus, errorNotice(e, 'No snapshot'));
      }
    } finally {
      snapshotButton.disabled = !admin;
    }
  }

  loadAlarms();
  return () => controller.abort();
}
