// The key browser: a flat list or a prefix tree of the keys under a prefix, a page at a time. Every range the page
// sends has a limit of one page (keys only, no values), and the next page starts just after the last key shown (the
// continuation key), so the browser never loads the whole keyspace, however large.
//
// The tree splits keys at '/' (keys need not start with one). A level of the tree lists its children: each child
// "directory" once, found by skipping past all of its keys with one more range from the directory's prefix end.

import { int } from '../api.js';
import * as bytes from '../bytes.js';
import { errorNotice, field, fill, h, notice } from '../dom.js';

const SLASH = 0x2f;
const PAGE_SIZES = [20, 50, 100, 500];
/** Ranges one page of the tree may send before it shows what it found (a level with many directories). */
const TREE_ROUNDS = 8;

export function mount(root, app, route) {
  const params = route.params;
  const state = {
    view: params.get('view') === 'tree' ? 'tree' : 'flat',
    mode: params.get('hex') ? 'hex' : 'text',
    prefix: params.get('hex') ? bytes.fromHex(params.get('hex')) : bytes.utf8(params.get('prefix') || ''),
    pageSize: PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 50,
    /** Where each page shown so far started: the last is the current page. */
    starts: [null],
    total: null,
  };
  const controller = new AbortController();

  const input = h('input', { type: 'search', placeholder: 'prefix, e.g. config/ (empty: every key)',
    'data-test': 'prefix', value: state.mode === 'hex' ? bytes.toHex(state.prefix) : bytes.textOf(state.prefix) });
  const mode = h('select', { 'data-test': 'prefix-mode' },
    h('option', { value: 'text', selected: state.mode === 'text' }, 'text'),
    h('option', { value: 'hex', selected: state.mode === 'hex' }, 'hex'));
  const size = h('select', { 'data-test': 'page-size' },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.pageSize }, `${n} a page`)));
  const inputError = h('div');
  const search = h('form', { class: 'toolbar', onsubmit: (e) => {
    e.preventDefault();
    go();
  } },
  field('Prefix', input, mode), size,
  h('button', { type: 'submit', 'data-test': 'search' }, 'Search'),
  h('span', { class: 'seg' },
    h('button', { type: 'button', class: state.view === 'flat' ? 'on' : '', 'data-test': 'view-flat',
      onclick: () => go({ view: 'flat' }) }, 'List'),
    h('button', { type: 'button', class: state.view === 'tree' ? 'on' : '', 'data-test': 'view-tree',
      onclick: () => go({ view: 'tree' }) }, 'Tree')),
  h('button', { type: 'button', onclick: () => app.go(`#/key?new=1&${prefixParam(state.prefix)}`),
    disabled: !app.session.loggedIn, 'data-test': 'new-key' }, 'New key'));

  const crumbs = h('div', { class: 'crumbs' });
  const list = h('div', { 'data-test': 'key-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  fill(root, h('h2', {}, 'Keys'), search, inputError, crumbs, list, pager);

  /** Reads the search field and goes there (a new address, so Back works). */
  function go(change = {}) {
    let prefix;
    try {
      prefix = bytes.parseKey(input.value, mode.value, { allowEmpty: true });
    } catch (e) {
      fill(inputError, notice('error', `Not a prefix: ${e.message}.`));
      return;
    }
    const view = change.view || state.view;
    app.go(`#/keys?view=${view}&limit=${size.value}&${prefixParam(change.prefix || prefix)}`);
  }

  async function load() {
    fill(crumbs, breadcrumbs(state, (p) =>
      app.go(`#/keys?view=${state.view}&limit=${state.pageSize}&${prefixParam(p)}`)));
    const started = performance.now();
    try {
      const page = state.view === 'tree' ? await treePage(app.api, state, controller.signal)
        : await flatPage(app.api, state, controller.signal);
      if (state.starts.length === 1 && page.total !== null) {
        state.total = page.total;
      }
      fill(list, state.view === 'tree' ? treeTable(page, state) : flatTable(page));
      // How long this page took, and when it showed (since the console's page load): what the benchmark reads.
      list.dataset.loadedMs = String(Math.round(performance.now() - started));
      list.dataset.shownAt = String(Math.round(performance.now()));
      drawPager(page);
    } catch (e) {
      if (!controller.signal.aborted) {
        fill(list, errorNotice(e, 'Listing the keys failed'));
        fill(pager);
      }
    }
  }

  function drawPager(page) {
    const n = state.starts.length;
    fill(pager,
      h('button', { type: 'button', disabled: n === 1, 'data-test': 'prev-page', onclick: () => {
        state.starts.pop();
        load();
      } }, '← Previous'),
      h('span', { class: 'muted', 'data-test': 'page-info' }, `page ${n}`,
        state.total !== null ? ` · ${state.total} ${state.view === 'tree' ? 'keys under this prefix' : 'keys'}` : ''),
      h('button', { type: 'button', disabled: !page.next, 'data-test': 'next-page', onclick: () => {
        state.starts.push(page.next);
        load();
      } }, 'Next →'));
  }

  load();
  return () => controller.abort();
}

/** The range covering `prefix`: [prefix, its prefix end), or every key for the empty prefix. */
function rangeOf(prefix) {
  return prefix.length === 0 ? { start: new Uint8Array([0]), end: new Uint8Array([0]) }
    : { start: prefix, end: bytes.prefixEnd(prefix) };
}

/** One range of at most `limit` keys, keys only: the only way this page reads keys. */
async function rangePage(api, from, end, limit, signal) {
  const answer = await api.post('/v3/kv/range', {
    key: bytes.toBase64(from), range_end: bytes.toBase64(end), limit, keys_only: true,
  }, { signal, detail: `limit ${limit}` });
  return {
    kvs: (answer.kvs || []).map((kv) => ({
      key: bytes.fromBase64(kv.key), mod: int(kv.mod_revision), version: int(kv.version), lease: kv.lease || '0',
    })),
    more: Boolean(answer.more),
    count: int(answer.count),
  };
}

async function flatPage(api, state, signal) {
  const { start, end } = rangeOf(state.prefix);
  const from = state.starts[state.starts.length - 1] || start;
  const r = await rangePage(api, from, end, state.pageSize, signal);
  const last = r.kvs[r.kvs.length - 1];
  return { kvs: r.kvs, next: r.more && last ? bytes.successor(last.key) : null, total: r.count };
}

/**
 * One page of a tree level: up to a page of children of `state.prefix`. A child directory (a '/' after the prefix)
 * is listed once, then skipped whole: the next range starts at its prefix end.
 */
async function treePage(api, state, signal) {
  const { start, end } = rangeOf(state.prefix);
  let from = state.starts[state.starts.length - 1] || start;
  const children = [];
  let total = null;
  let more = true;
  for (let round = 0; round < TREE_ROUNDS && more && children.length < state.pageSize; round++) {
    const r = await rangePage(api, from, end, state.pageSize - children.length, signal);
    if (total === null) {
      total = r.count;
    }
    more = r.more;
    for (const kv of r.kvs) {
      const rest = kv.key.subarray(state.prefix.length);
      const slash = rest.indexOf(SLASH);
      if (slash >= 0) {
        const dir = kv.key.slice(0, state.prefix.length + slash + 1);
        const previous = children[children.length - 1];
        if (!previous || !previous.dir || !bytes.equal(previous.key, dir)) {
          children.push({ key: dir, dir: true });
        }
      } else {
        children.push({ ...kv, dir: false });
      }
      if (children.length >= state.pageSize) {
        break;
      }
    }
    const last = children[children.length - 1];
    if (!last) {
      break;
    }
    from = last.dir ? bytes.prefixEnd(last.key) : bytes.successor(last.key);
    if (last.dir && bytes.compare(from, end) >= 0 && !(end.length === 1 && end[0] === 0)) {
      more = false;
    }
    if (last.dir && from.length === 1 && from[0] === 0) {
      more = false; // a directory of 0xff bytes only runs to the end of the keyspace
    }
  }
  return { children, next: more ? from : null, total: state.starts.length === 1 ? total : null };
}

/** A link to a key's page, showing `part` of it (the whole key, or what follows the tree's prefix). */
function keyCell(key, part = key) {
  const whole = bytes.showKey(key);
  const shown = bytes.showKey(part);
  return h('a', { href: `#/key/${bytes.toUrlSafe(key)}`, class: 'mono', 'data-test': 'key-link',
    'data-key': whole.hex ? '' : whole.text }, shown.hex ? h('span', { class: 'badge' }, 'hex') : null, shown.text);
}

function flatTable(page) {
  if (page.kvs.length === 0) {
    return h('p', { class: 'muted', 'data-test': 'no-keys' }, 'No keys here.');
  }
  return h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, ['key', 'mod revision', 'version', 'lease'].map((c) => h('th', { text: c })))),
    h('tbody', {}, page.kvs.map((kv) => h('tr', {},
      h('td', {}, keyCell(kv.key)), h('td', { class: 'num', text: String(kv.mod) }),
      h('td', { class: 'num', text: String(kv.version) }),
      h('td', { class: 'num mono', text: kv.lease === '0' ? '' : kv.lease })))));
}

function treeTable(page, state) {
  if (page.children.length === 0) {
    return h('p', { class: 'muted', 'data-test': 'no-keys' }, 'No keys here.');
  }
  return h('ul', { class: 'tree' }, page.children.map((c) => {
    const rest = c.key.subarray(state.prefix.length);
    if (c.dir) {
      return h('li', { class: 'dir' }, h('a', { href: `#/keys?view=tree&limit=${state.pageSize}&${prefixParam(c.key)}`,
        'data-test': 'dir-link', class: 'mono' }, bytes.keyLabel(rest)));
    }
    return h('li', {}, keyCell(c.key, rest.length ? rest : c.key),
      h('span', { class: 'muted small' }, ` rev ${c.mod} · v${c.version}`));
  }));
}

/** The tree's path to the current prefix: each '/'-ended part is a link up. */
function breadcrumbs(state, goTo) {
  if (state.view !== 'tree') {
    return state.prefix.length ? h('span', { class: 'muted' }, 'keys starting with ',
      h('code', { text: bytes.keyLabel(state.prefix) })) : h('span', { class: 'muted' }, 'every key');
  }
  const parts = [h('a', { href: '#', onclick: (e) => {
    e.preventDefault();
    goTo(new Uint8Array(0));
  } }, '(root)')];
  let from = 0;
  for (let i = 0; i < state.prefix.length; i++) {
    if (state.prefix[i] === SLASH || i === state.prefix.length - 1) {
      const upTo = state.prefix.slice(0, i + 1);
      const label = bytes.keyLabel(state.prefix.subarray(from, i + 1));
      parts.push(' ', h('a', { href: '#', onclick: (e) => {
        e.preventDefault();
        goTo(upTo);
      } }, label));
      from = i + 1;
    }
  }
  return h('nav', { class: 'crumbs' }, parts);
}

/** The prefix as an address parameter: as text when it is printable, else as hex. */
export function prefixParam(prefix) {
  const shown = bytes.showKey(prefix);
  return shown.hex && prefix.length ? `hex=${shown.text}` : `prefix=${encodeURIComponent(shown.text)}`;
}
