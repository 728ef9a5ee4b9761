// One key: its value (pretty JSON, text or hex), its revisions, versions and lease; its history, a diff between two
// of its versions, and guarded edits.
//
// Every write from this page is a txn that compares the key's mod revision with the one the page loaded (0 for a key
// that did not exist). If someone else wrote the key meanwhile, the compare fails, nothing is written, and the page
// shows the conflict: the value now in the store against the user's, as a diff. Never a silent overwrite.

import { int } from '../api.js';
import * as bytes from '../bytes.js';
import { diffLines } from '../diff.js';
import { confirmAction, errorNotice, field, fill, formatBytes, h, notice } from '../dom.js';
import { display, editable, formatOf, parseEdit } from '../value.js';
import { prefixParam } from './keys.js';

/** Versions read per "older" click: each is one historical range. */
const HISTORY_STEP = 10;

export function mount(root, app, route) {
  const creating = route.rest === '';
  let key = creating ? null : bytes.fromUrlSafe(route.rest);
  const controller = new AbortController();
  const signal = controller.signal;
  /** The key as this page last read it: null while it does not exist. Guards every write. */
  let loaded = null;
  /** Versions of the key, newest first: {kv, value}. */
  let history = [];
  let historyEnd = null;
  let diffPick = { a: null, b: null };

  const title = h('h2');
  const meta = h('div', { 'data-test': 'meta' });
  const viewFormat = h('select', { 'data-test': 'view-format', onchange: () => drawValue() },
    ['auto', 'json', 'text', 'hex'].map((f) => h('option', { value: f }, f)));
  const valueBox = h('pre', { class: 'value', 'data-test': 'value' });
  const editor = h('textarea', { rows: 10, spellcheck: 'false', 'data-test': 'editor' });
  const editFormat = h('select', { 'data-test': 'edit-format' },
    ['text', 'json', 'hex'].map((f) => h('option', { value: f }, f)));
  const keyInput = h('input', { type: 'text', 'data-test': 'new-key-name', placeholder: 'key' });
  const keyMode = h('select', { 'data-test': 'new-key-mode' }, h('option', { value: 'text' }, 'text'),
    h('option', { value: 'hex' }, 'hex'));
  const leaseInput = h('input', { type: 'text', placeholder: 'none', 'data-test': 'new-key-lease', size: 20 });
  const saveButton = h('button', { type: 'button', class: 'primary', 'data-test': 'save', onclick: () => save() },
    'Save');
  const deleteButton = h('button', { type: 'button', class: 'danger', 'data-test': 'delete', onclick: () => remove() },
    'Delete…');
  const outcome = h('div', { 'data-test': 'save-status' });
  const historyBox = h('div', { 'data-test': 'history' });
  const diffBox = h('div', { 'data-test': 'diff' });

  if (creating) {
    const prefix = route.params.get('hex') ? bytes.fromHex(route.params.get('hex'))
      : bytes.utf8(route.params.get('prefix') || '');
    const shown = bytes.showKey(prefix);
    keyInput.value = shown.text;
    keyMode.value = shown.hex && prefix.length ? 'hex' : 'text';
  }

  fill(root,
    title,
    creating ? h('div', { class: 'toolbar' }, field('Key', keyInput, keyMode), field('Lease ID', leaseInput)) : meta,
    creating ? null : h('section', {}, h('h3', {}, 'Value ', viewFormat), valueBox),
    h('section', {}, h('h3', {}, creating ? 'Value' : 'Edit'),
      h('div', { class: 'toolbar' }, field('Format', editFormat), saveButton, creating ? null : deleteButton),
      editor, outcome),
    creating ? null : h('section', {}, h('h3', {}, 'History'), historyBox, diffBox));

  async function load() {
    fill(title, 'Key ', h('code', { 'data-test': 'key-name', text: bytes.keyLabel(key) }));
    try {
      const r = await app.api.post('/v3/kv/range', { key: bytes.toBase64(key) }, { signal });
      const kv = (r.kvs || [])[0];
      loaded = kv ? wireKv(kv) : null;
    } catch (e) {
      if (!signal.aborted) {
        fill(meta, errorNotice(e, 'Reading the key failed'));
      }
      return;
    }
    drawMeta();
    drawValue();
    const format = loaded ? formatOf(loaded.value) : 'text';
    editFormat.value = format;
    editor.value = loaded ? editable(loaded.value, format) : '';
    const writable = app.session.canWrite(key);
    saveButton.disabled = !writable;
    deleteButton.disabled = !writable || !loaded;
    editor.readOnly = !writable;
    if (!writable) {
      fill(outcome, notice('info', `${app.session.user} may not write this key: editing is off.`));
    }
    history = loaded ? [{ kv: loaded }] : [];
    historyEnd = loaded && loaded.version === 1 ? 'created' : null;
    diffPick = { a: null, b: null };
    fill(diffBox);
    if (loaded) {
      await older();
    } else {
      drawHistory();
    }
  }

  function drawMeta() {
    if (!loaded) {
      fill(meta, notice('info', 'This key does not exist. Saving creates it.'));
      return;
    }
    const shown = bytes.showKey(key);
    fill(meta, h('table', { class: 'meta' }, h('tbody', {},
      metaRow('key', shown.hex ? `hex ${shown.text}` : shown.text),
      metaRow('create revision', loaded.create),
      metaRow('mod revision', loaded.mod, 'mod-revision'),
      metaRow('version', loaded.version),
      h('tr', {}, h('th', {}, 'lease'), h('td', {}, loaded.lease === '0' ? 'none'
        : h('a', { href: `#/leases?id=${loaded.lease}`, class: 'mono', text: loaded.lease }))),
      metaRow('value size', formatBytes(loaded.value.length)))));
  }

  function drawValue() {
    if (!loaded) {
      fill(valueBox);
      return;
    }
    const format = viewFormat.value === 'auto' ? formatOf(loaded.value) : viewFormat.value;
    try {
      fill(valueBox, display(loaded.value, format));
      valueBox.dataset.format = format;
    } catch (e) {
      fill(valueBox, notice('warning', `The value is not ${format}: ${e.message}`));
    }
  }

  /** Reads up to HISTORY_STEP older versions: each one the range at the revision before the last one found. */
  async function older() {
    let last = history[history.length - 1].kv;
    for (let i = 0; i < HISTORY_STEP && !historyEnd; i++) {
      try {
        const r = await app.api.post('/v3/kv/range', { key: bytes.toBase64(key), revision: last.mod - 1 },
          { signal, detail: `history at ${last.mod - 1}` });
        const kv = (r.kvs || [])[0];
        if (!kv) {
          historyEnd = 'created';
          break;
        }
        last = wireKv(kv);
        history.push({ kv: last });
        if (last.version === 1) {
          historyEnd = 'created';
        }
      } catch (e) {
        if (signal.aborted) {
          return;
        }
        historyEnd = e.code === 11 ? 'compacted' : `failed: ${e.message}`;
      }
    }
    drawHistory();
  }

  function drawHistory() {
    if (history.length === 0) {
      fill(historyBox, h('p', { class: 'muted' }, 'No history: the key does not exist.'));
      return;
    }
    const end = historyEnd === 'created' ? `The key was created at revision ${history[history.length - 1].kv.create}.`
      : historyEnd === 'compacted' ? 'Older versions were compacted away.' : historyEnd;
    fill(historyBox,
      h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['A', 'B', 'mod revision', 'version', 'size', 'value', ''].map((c) =>
          h('th', { text: c })))),
        h('tbody', {}, history.map((v, i) => h('tr', { 'data-revision': v.kv.mod },
          h('td', {}, h('input', { type: 'radio', name: 'diff-a', checked: diffPick.a === i,
            onchange: () => pick('a', i) })),
          h('td', {}, h('input', { type: 'radio', name: 'diff-b', checked: diffPick.b === i,
            onchange: () => pick('b', i) })),
          h('td', { class: 'num', text: String(v.kv.mod) }),
          h('td', { class: 'num', text: String(v.kv.version) }),
          h('td', { class: 'num', text: formatBytes(v.kv.value.length) }),
          h('td', { class: 'mono preview', text: preview(v.kv.value) }),
          h('td', {}, i === 0 ? h('span', { class: 'muted' }, 'current') : h('button', { type: 'button',
            'data-test': 'revert', disabled: !app.session.canWrite(key),
            onclick: () => save(v.kv.value, `revert to revision ${v.kv.mod}`) }, 'Revert to this')))))),
      end ? h('p', { class: 'muted small' }, end) : h('button', { type: 'button', onclick: () => older(),
        'data-test': 'older' }, 'Older versions'));
  }

  function pick(side, i) {
    diffPick[side] = i;
    if (diffPick.a !== null && diffPick.b !== null) {
      const a = history[diffPick.a].kv;
      const b = history[diffPick.b].kv;
      fill(diffBox, h('h4', {}, `Revision ${a.mod} → revision ${b.mod}`), diffView(a.value, b.value));
    }
  }

  /**
   * Writes `value` (the editor's, unless given) guarded by the mod revision this page loaded. On a conflict, shows
   * the store's value against the user's and writes nothing.
   */
  async function save(value = null, what = 'save') {
    fill(outcome);
    let target = key;
    let lease = null;
    try {
      if (creating) {
        target = bytes.parseKey(keyInput.value, keyMode.value);
        const l = leaseInput.value.trim();
        if (l && !/^[0-9]+$/.test(l)) {
          throw new Error('a lease ID is a decimal number (as the Leases page shows it)');
        }
        lease = l || null;
      }
      if (value === null) {
        value = parseEdit(editor.value, editFormat.value);
      }
    } catch (e) {
      fill(outcome, notice('error', h('strong', {}, 'Not saved: '), `${e.message}. Nothing was sent.`));
      return;
    }
    const put = { key: bytes.toBase64(target), value: bytes.toBase64(value) };
    if (loaded && loaded.lease !== '0') {
      put.ignore_lease = true; // an edit keeps the key's lease
    } else if (lease) {
      put.lease = lease;
    }
    const expected = loaded ? loaded.mod : 0;
    saveButton.disabled = true;
    try {
      const r = await app.api.post('/v3/kv/txn', {
        compare: [{ key: bytes.toBase64(target), target: 'MOD', result: 'EQUAL', mod_revision: String(expected) }],
        success: [{ request_put: put }],
        failure: [{ request_range: { key: bytes.toBase64(target) } }],
      }, { signal, detail: `${what}, if mod revision = ${expected}` });
      if (r.succeeded) {
        if (creating) {
          app.go(`#/key/${bytes.toUrlSafe(target)}`);
          return;
        }
        await load();
        fill(outcome, notice('ok', h('span', { 'data-test': 'saved' }, `Saved at revision ${int(r.header.revision)}`
          + (what === 'save' ? '.' : ` (${what}).`))));
      } else {
        const now = (r.responses || [])[0];
        const kvs = now && now.response_range && now.response_range.kvs;
        conflict(kvs && kvs[0] ? wireKv(kvs[0]) : null, value, expected);
      }
    } catch (e) {
      if (!signal.aborted) {
        fill(outcome, errorNotice(e, 'Not saved'));
      }
    } finally {
      saveButton.disabled = !app.session.canWrite(key || target);
    }
  }

  /** Someone else wrote the key since it was loaded: show theirs against ours; the user decides what next. */
  function conflict(current, mine, expected) {
    const theirs = current ? current.value : new Uint8Array(0);
    fill(outcome, notice('error', { 'data-test': 'conflict' },
      h('strong', {}, 'Conflict: nothing was saved. '),
      current ? `Someone else changed this key since you loaded it (mod revision ${expected} → ${current.mod}).`
        : `Someone else deleted this key since you loaded it (at mod revision ${expected}).`,
      h('h4', {}, 'Their value (now in the store) → yours'),
      diffView(theirs, mine),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-test': 'conflict-reload', onclick: () => load().then(() => fill(outcome,
          notice('info', 'Reloaded: the editor holds the value now in the store.'))) }, 'Discard mine, load theirs'),
        h('button', { type: 'button', 'data-test': 'conflict-overwrite', onclick: () => {
          // Knowingly: the next save is guarded by the revision the user has now seen.
          loaded = current;
          save(mine, 'overwrite after a conflict');
        } }, 'Save mine over theirs'))));
  }

  async function remove() {
    const ok = await confirmAction('Delete this key?', `${bytes.keyLabel(key)} will be deleted (only if nobody `
      + `changed it since mod revision ${loaded.mod}). Its history stays readable until compaction.`,
    { confirmLabel: 'Delete' });
    if (!ok) {
      return;
    }
    try {
      const r = await app.api.post('/v3/kv/txn', {
        compare: [{ key: bytes.toBase64(key), target: 'MOD', result: 'EQUAL', mod_revision: String(loaded.mod) }],
        success: [{ request_delete_range: { key: bytes.toBase64(key) } }],
        failure: [{ request_range: { key: bytes.toBase64(key) } }],
      }, { signal, detail: `delete, if mod revision = ${loaded.mod}` });
      if (r.succeeded) {
        const parent = key.subarray(0, key.lastIndexOf(0x2f) + 1);
        app.go(`#/keys?${prefixParam(parent)}`);
      } else {
        const now = (r.responses || [])[0];
        const kvs = now && now.response_range && now.response_range.kvs;
        const current = kvs && kvs[0] ? wireKv(kvs[0]) : null;
        fill(outcome, notice('error', { 'data-test': 'conflict' }, h('strong', {}, 'Conflict: nothing was deleted. '),
          current ? `The key changed since you loaded it (mod revision ${loaded.mod} → ${current.mod}).`
            : 'Someone else deleted it already.',
          current ? diffView(loaded.value, current.value) : null,
          h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => load() }, 'Reload'))));
      }
    } catch (e) {
      fill(outcome, errorNotice(e, 'Not deleted'));
    }
  }

  if (creating) {
    fill(title, 'New key');
    editFormat.value = 'text';
  } else {
    load();
  }
  return () => controller.abort();
}

function wireKv(kv) {
  return {
    key: bytes.fromBase64(kv.key), value: bytes.fromBase64(kv.value), create: int(kv.create_revision),
    mod: int(kv.mod_revision), version: int(kv.version), lease: kv.lease || '0',
  };
}

function metaRow(name, value, test) {
  return h('tr', {}, h('th', { text: name }), h('td', { class: 'mono', text: String(value), 'data-test': test }));
}

function preview(value) {
  const format = formatOf(value);
  const text = format === 'hex' ? bytes.toHex(value.subarray(0, 32)) : bytes.textOf(value);
  return text.length > 60 ? text.slice(0, 60) + '…' : text;
}

/** Two values as a line diff: pretty JSON when both parse, text when both are UTF-8, hex rows otherwise. */
function diffView(a, b) {
  const fa = formatOf(a);
  const fb = formatOf(b);
  const format = fa === fb ? fa : fa === 'hex' || fb === 'hex' ? 'hex' : 'text';
  const rows = diffLines(display(a, format), display(b, format));
  if (rows === null) {
    return notice('warning', 'These versions are too long to compare line by line.');
  }
  return h('pre', { class: 'diff', 'data-test': 'diff-lines' }, rows.map((r) => h('div', {
    class: r.op === '+' ? 'add' : r.op === '-' ? 'del' : '' }, `${r.op} ${r.text}`)));
}
