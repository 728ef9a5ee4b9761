// Prometheus' text format (0.0.4), as /metrics writes it: enough to read samples by name and labels.

/** The samples of a scrape: a Map from `name` or `name{label="v",...}` (labels as written) to a number. */
export function parse(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    // The value follows the last space outside the labels; a timestamp, if any, follows it.
    const close = line.lastIndexOf('}');
    const rest = line.slice(close + 1).trim().split(/\s+/);
    const name = close >= 0 ? line.slice(0, close + 1) : rest.shift();
    const value = Number(rest[0] === undefined ? NaN : rest[0]);
    // Java's client writes a comma after the last label ({quantile="0.5",}); keys are kept without it.
    samples.set(name.trim().replace(/,}$/, '}'), value);
  }
  return samples;
}

/** A sample's value, or 0 when the scrape does not have it (a counter nobody touched yet). */
export function value(samples, name, labels = '') {
  const v = samples.get(labels ? `${name}{${labels}}` : name);
  return v === undefined || Number.isNaN(v) ? 0 : v;
}
