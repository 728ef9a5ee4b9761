// Small line charts drawn as SVG by hand: a few series over the last minutes, the y axis from zero to a little above
// the highest point, each series' latest value in the legend. A chart library would be larger than all of this.

import { h } from './dom.js';

const W = 360;
const H = 140;
const PAD = { left: 44, right: 8, top: 8, bottom: 18 };

/**
 * A chart of `series` ([{name, points: [[time ms, value], ...]}]) over the `windowMs` before `now`; `format` writes
 * a value for the axis and the legend.
 */
export function lineChart({ title, series, now, windowMs, format = (v) => String(v) }) {
  // At least 1: an idle chart shows a flat line at the bottom of a 0 to 1 axis, not one scaled to nothing.
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const top = niceCeiling(max);
  const x = (t) => PAD.left + ((t - (now - windowMs)) / windowMs) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title },
    h('svg:line', { x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0), class: 'axis' }),
    h('svg:line', { x1: PAD.left, y1: y(top), x2: W - PAD.right, y2: y(top), class: 'grid' }),
    h('svg:text', { x: PAD.left - 4, y: y(top) + 4, class: 'tick', 'text-anchor': 'end' }, format(top)),
    h('svg:text', { x: PAD.left - 4, y: y(0), class: 'tick', 'text-anchor': 'end' }, '0'),
    h('svg:text', { x: PAD.left, y: H - 4, class: 'tick' }, `−${Math.round(windowMs / 60000)} min`),
    h('svg:text', { x: W - PAD.right, y: H - 4, class: 'tick', 'text-anchor': 'end' }, 'now'),
    series.map((s, i) => h('svg:polyline', { class: `line s${i % 6}`, fill: 'none',
      points: s.points.filter((p) => p[0] >= now - windowMs).map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
        .join(' ') })));
  const legend = h('div', { class: 'legend' }, series.map((s, i) => {
    const last = s.points[s.points.length - 1];
    return h('span', { class: `key s${i % 6}` }, h('i'), `${s.name} `, h('b', {}, last ? format(last[1]) : '–'));
  }));
  return h('figure', { class: 'chart-box' }, h('figcaption', { text: title }), svg, legend);
}

/** 1, 2 or 5 times a power of ten, at or above `v`: an axis label a person reads at a glance. */
function niceCeiling(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= v) {
      return m * p;
    }
  }
  return 10 * p;
}
