// Small DOM helpers: building elements, the confirmation dialog, and how errors and sizes are shown.

/**
 * An element: `h('button', {class: 'x', onclick: f, disabled: true}, 'Save')`. Attributes named on* become
 * listeners, `text` sets the text, false/null/undefined attributes are left out; children may be strings, nodes,
 * arrays of them, or null.
 */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'text') {
      el.textContent = value;
    } else if (name === 'value' && !svg) {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) {
      continue;
    }
    if (Array.isArray(c)) {
      append(el, c);
    } else {
      el.append(c instanceof Node ? c : String(c));
    }
  }
}

/** Replaces the content of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A message box: kind is 'error', 'warning', 'info' or 'ok'. A plain object as the first child adds attributes
 * (`notice('error', {'data-test': 'conflict'}, ...)`).
 */
export function notice(kind, ...children) {
  const first = children[0];
  const extra = first && typeof first === 'object' && !(first instanceof Node) && !Array.isArray(first)
    ? children.shift() : {};
  return h('div', { ...extra, class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

/** The server's error as the server said it, with etcd's code and the HTTP status when there was one. */
export function errorNotice(error, what = '') {
  const status = error && error.status ? `, HTTP ${error.status}` : '';
  const code = error && error.code !== undefined ? ` (code ${error.code}${status})` : '';
  return notice('error', h('strong', { text: what ? `${what}: ` : '' }),
    h('span', { class: 'server-message', text: error && error.message ? error.message : String(error) }), code);
}

/**
 * Asks before an action that cannot be undone. Answers true when the user confirmed. `details` may add nodes (what
 * exactly will be deleted, say).
 */
export function confirmAction(title, message, { confirmLabel = 'Confirm', details = null } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'data-test': 'confirm-dialog' });
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    fill(dialog,
      h('h3', { text: title }),
      h('p', { text: message }),
      details,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => close(false), 'data-test': 'confirm-cancel' }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', onclick: () => close(true), 'data-test': 'confirm-ok' },
          confirmLabel)));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) {
    return '?';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function formatTime(date) {
  return date.toLocaleTimeString([], { hour12: false });
}

/** A labelled field: `field('Key', input, modeSelect)`, the controls side by side under the label. */
export function field(label, ...controls) {
  return h('label', { class: 'field' }, h('span', { text: label }), h('span', { class: 'controls' }, ...controls));
}
