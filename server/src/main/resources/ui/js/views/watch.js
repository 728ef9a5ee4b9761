// The live watch pane: the events on a prefix as they happen, through the node's watch API (one streamed POST to
// /v3/watch, one JSON message a line). Pause holds new events back (and counts them) without losing any; clear
// empties the list. A stream that breaks is opened again from the revision after the last event shown, so no event
// is lost or shown twice.

import { int, readLines } from '../api.js';
import * as bytes from '../bytes.js';
import { errorNotice, field, fill, formatTime, h, notice } from '../dom.js';
import { formatOf } from '../value.js';

/** Events kept on the page; older ones are dropped from the bottom. */
const MAX_ROWS = 1000;
const RETRY_MS = 1000;

export function mount(root, app, route) {
  const params = route.params;
  const input = h('input', { type: 'search', placeholder: 'prefix (empty: every key)', 'data-test': 'watch-prefix',
    value: params.get('prefix') || '' });
  const mode = h('select', {}, h('option', { value: 'text' }, 'text'), h('option', { value: 'hex' }, 'hex'));
  const status = h('div', { 'data-test': 'watch-status' });
  const pauseButton = h('button', { type: 'button', 'data-test': 'watch-pause', onclick: () => togglePause() },
    'Pause');
  const rows = h('tbody', { 'data-test': 'watch-events' });
  fill(root,
    h('h2', {}, 'Watch'),
    h('form', { class: 'toolbar', onsubmit: (e) => {
      e.preventDefault();
      start();
    } }, field('Prefix', input, mode), h('button', { type: 'submit', 'data-test': 'watch-start' }, 'Watch'),
    pauseButton,
    h('button', { type: 'button', 'data-test': 'watch-clear', onclick: () => fill(rows) }, 'Clear')),
    status,
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ['time', 'revision', 'event', 'key', 'value'].map((c) =>
      h('th', { text: c })))), rows));

  let stream = null;
  let paused = false;
  /** Events that arrived while paused, oldest first. */
  let held = [];
  let lastRevision = 0;
  let retry = null;
  let unmounted = false;

  function togglePause() {
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      const events = held;
      held = [];
      events.forEach(show);
    }
    drawStatus();
  }

  let watching = null;
  function drawStatus(error = null) {
    fill(status,
      error ? errorNotice(error, 'The watch stopped; opening it again') : null,
      watching ? notice(paused ? 'warning' : 'ok', { 'data-test': 'watching', 'data-from': watching.from },
        paused ? `Paused: ${held.length} events held back.` : 'Watching ',
        paused ? '' : h('code', { text: watching.label || '(every key)' }),
        paused ? '' : ` from revision ${watching.from}.`) : null);
  }

  function start() {
    let prefix;
    try {
      prefix = bytes.parseKey(input.value, mode.value, { allowEmpty: true });
    } catch (e) {
      fill(status, notice('error', `Not a prefix: ${e.message}. Nothing was sent.`));
      return;
    }
    lastRevision = 0;
    fill(rows);
    open(prefix);
  }

  function stop() {
    clearTimeout(retry);
    if (stream) {
      stream.abort();
      stream = null;
    }
  }

  async function open(prefix) {
    stop();
    const controller = new AbortController();
    stream = controller;
    const create = {
      key: bytes.toBase64(prefix.length ? prefix : new Uint8Array([0])),
      range_end: bytes.toBase64(prefix.length ? bytes.prefixEnd(prefix) : new Uint8Array([0])),
      prev_kv: true,
    };
    if (lastRevision > 0) {
      create.start_revision = String(lastRevision + 1);
    }
    try {
      const response = await app.api.stream('/v3/watch', { create_request: create }, { signal: controller.signal,
        detail: bytes.keyLabel(prefix) || '(every key)' });
      await readLines(response, (line) => {
        if (line.error) {
          throw Object.assign(new Error(line.error.message || line.error.error), { code: line.error.code });
        }
        const r = line.result || {};
        if (r.created) {
          watching = { label: bytes.keyLabel(prefix),
            from: create.start_revision ? int(create.start_revision) : int(r.header && r.header.revision) + 1 };
          drawStatus();
        }
        if (r.canceled) {
          if (int(r.compact_revision) > 0) {
            // The events since the last one shown were compacted away: go on from now, and say so.
            lastRevision = 0;
            throw new Error(`events after revision ${create.start_revision - 1} were compacted (at revision `
              + `${r.compact_revision}); watching from now`);
          }
          throw new Error(r.cancel_reason || 'the watch was cancelled');
        }
        for (const e of r.events || []) {
          const event = { at: new Date(), type: e.type || 'PUT', kv: e.kv, prev: e.prev_kv };
          lastRevision = Math.max(lastRevision, int(e.kv && e.kv.mod_revision));
          if (paused) {
            held.push(event);
            drawStatus();
          } else {
            show(event);
          }
        }
      });
      throw new Error('the node ended the stream');
    } catch (e) {
      if (controller.signal.aborted || unmounted) {
        return;
      }
      drawStatus(e);
      retry = setTimeout(() => open(prefix), RETRY_MS);
    }
  }

  function show(event) {
    const key = bytes.fromBase64(event.kv.key);
    const value = bytes.fromBase64(event.kv.value);
    const revision = int(event.kv.mod_revision);
    const text = event.type === 'DELETE' ? '' : formatOf(value) === 'hex' ? `hex ${bytes.toHex(value.subarray(0, 32))}`
      : bytes.textOf(value);
    rows.prepend(h('tr', { class: event.type === 'DELETE' ? 'del' : '', 'data-key': bytes.keyLabel(key) },
      h('td', { text: formatTime(event.at) }),
      h('td', { class: 'num', text: String(revision) }),
      h('td', {}, h('span', { class: `badge ${event.type === 'DELETE' ? 'bad' : 'ok'}` }, event.type)),
      h('td', {}, h('a', { href: `#/key/${bytes.toUrlSafe(key)}`, class: 'mono', text: bytes.keyLabel(key) })),
      h('td', { class: 'mono preview', text: text.length > 80 ? text.slice(0, 80) + '…' : text })));
    while (rows.children.length > MAX_ROWS) {
      rows.lastChild.remove();
    }
  }

  start();
  return () => {
    unmounted = true;
    stop();
  };
}
