// How a value is shown and edited: as pretty JSON where it parses, as text where it is UTF-8, as hex otherwise; and
// what an edit in each format turns into, refused with a clear message before anything is sent.

import { fromHex, textOf, toHex, utf8 } from './bytes.js';

/** The format a value is best shown in: 'json', 'text' or 'hex'. */
export function formatOf(value) {
  const text = textOf(value);
  if (text === null) {
    return 'hex';
  }
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && parses(trimmed)) {
    return 'json';
  }
  return 'text';
}

function parses(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The value for reading: JSON indented, text as it is, hex in rows of 16 bytes. */
export function display(value, format = formatOf(value)) {
  if (format === 'json') {
    return JSON.stringify(JSON.parse(textOf(value)), null, 2);
  }
  if (format === 'text') {
    const text = textOf(value);
    return text === null ? hexRows(value) : text;
  }
  return hexRows(value);
}

/** The value as the editor holds it: the text itself (JSON as it is stored, not re-indented), or hex. */
export function editable(value, format) {
  return format === 'hex' ? hexRows(value) : textOf(value);
}

function hexRows(value) {
  const rows = [];
  for (let i = 0; i < value.length; i += 16) {
    rows.push(toHex(value.subarray(i, i + 16)).replace(/(..)(?!$)/g, '$1 '));
  }
  return rows.join('\n');
}

/** What the editor's text stands for, as bytes; throws with a message naming the problem. */
export function parseEdit(text, format) {
  if (format === 'hex') {
    try {
      return fromHex(text);
    } catch (e) {
      throw new Error(`not hex: ${e.message}`);
    }
  }
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new Error(`not valid JSON: ${e.message}`);
    }
  }
  return utf8(text);
}
