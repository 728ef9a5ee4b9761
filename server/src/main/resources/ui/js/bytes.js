// Keys and values are bytes. The API carries them in base64; the console shows them as text where they are valid
// UTF-8 (and printable), as hex otherwise, and reads what the user types back into bytes, refusing what is malformed
// before anything is sent.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text) {
  return encoder.encode(text);
}

/** The text of `bytes` if they are valid UTF-8, else null. */
export function textOf(bytes) {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function fromBase64(b64) {
  if (!b64) {
    return new Uint8Array(0);
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    out[i] = bin.charCodeAt(i);
  }
  return out;
}

export function toBase64(bytes) {
  let bin = '';
  // In slices: String.fromCharCode with a whole large value would overflow the argument list.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hex pairs, spaces allowed between them; throws with a message naming the problem. */
export function fromHex(text) {
  const clean = text.replace(/\s+/g, '');
  if (/[^0-9a-fA-F]/.test(clean)) {
    throw new Error('hex may hold only 0-9 and a-f');
  }
  if (clean.length % 2 !== 0) {
    throw new Error('hex needs an even number of digits (two per byte)');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(clean.substr(i * 2, 2), 16);
  }
  return out;
}

// C0 and C1 controls but tab, newline and carriage return: shown as text they would be invisible or garble a row.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** How a key is shown: {text, hex: false} for printable UTF-8, else {text: hex digits, hex: true}. */
export function showKey(bytes) {
  const text = textOf(bytes);
  if (text !== null && !CONTROL.test(text) && !/[\t\n\r]/.test(text)) {
    return { text, hex: false };
  }
  return { text: toHex(bytes), hex: true };
}

/** A key as one string for a label: the text, or `0x` and its hex. */
export function keyLabel(bytes) {
  const shown = showKey(bytes);
  return shown.hex ? '0x' + shown.text : shown.text;
}

/**
 * What the user typed in a key field, as bytes: `mode` is 'text' or 'hex'. Throws with a message a person can act
 * on when it is not a key.
 */
export function parseKey(input, mode, { allowEmpty = false } = {}) {
  const bytes = mode === 'hex' ? fromHex(input) : utf8(input);
  if (bytes.length === 0 && !allowEmpty) {
    throw new Error('a key cannot be empty');
  }
  return bytes;
}

export function compare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      return a[i] - b[i];
    }
  }
  return a.length - b.length;
}

export function equal(a, b) {
  return compare(a, b) === 0;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The smallest key greater than `key`: the key with a zero byte appended (the next page of a scan starts there). */
export function successor(key) {
  return concat(key, new Uint8Array([0]));
}

/**
 * The range end that covers every key starting with `prefix`, as etcd's clients compute it: the prefix with its
 * last byte below 0xff incremented and the rest cut. An empty prefix, or one of 0xff bytes only, covers every key
 * above it: the end is the single zero byte, etcd's "to the end of the keyspace".
 */
export function prefixEnd(prefix) {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}

/** Whether `key` starts with `prefix`. */
export function startsWith(key, prefix) {
  if (key.length < prefix.length) {
    return false;
  }
  for (let i = 0; i < prefix.length; i++) {
    if (key[i] !== prefix[i]) {
      return false;
    }
  }
  return true;
}

/** Base64url without padding: a key in the page's address (#/key/...). */
export function toUrlSafe(bytes) {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromUrlSafe(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}
