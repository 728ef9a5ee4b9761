// A line diff for two versions of a value: the longest common subsequence of their lines, as unified-diff-like rows.
// Values in a key-value store are small; past a few thousand lines each the table would not fit in memory, and the
// diff says so instead of freezing the page.

const MAX_CELLS = 4_000_000;

/**
 * The rows turning `a` into `b`: {op: ' ' | '-' | '+', text}, or null when the two are too long to compare line by
 * line.
 */
export function diffLines(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  // Lines both share at the start and the end need no table.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) {
    head++;
  }
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) {
    tail++;
  }
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  if ((xs.length + 1) * (ys.length + 1) > MAX_CELLS) {
    return null;
  }
  // lcs[i][j]: the common subsequence length of xs[i..] and ys[j..], in one flat array.
  const w = ys.length + 1;
  const lcs = new Uint32Array((xs.length + 1) * w);
  for (let i = xs.length - 1; i >= 0; i--) {
    for (let j = ys.length - 1; j >= 0; j--) {
      lcs[i * w + j] = xs[i] === ys[j] ? lcs[(i + 1) * w + j + 1] + 1
        : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const rows = x.slice(0, head).map((text) => ({ op: ' ', text }));
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    if (i < xs.length && j < ys.length && xs[i] === ys[j]) {
      rows.push({ op: ' ', text: xs[i++] });
      j++;
    } else if (i < xs.length && (j === ys.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
      rows.push({ op: '-', text: xs[i++] });
    } else {
      rows.push({ op: '+', text: ys[j++] });
    }
  }
  for (const text of x.slice(x.length - tail)) {
    rows.push({ op: ' ', text });
  }
  return rows;
}
