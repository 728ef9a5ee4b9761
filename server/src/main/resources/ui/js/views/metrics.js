// Metrics: put, get and watch rates, latency percentiles and Raft lag over the last minutes, drawn from every
// member's /metrics (Prometheus text), read every 2 s. Once the page has been opened, reading goes on while the
// console is open, so coming back shows the minutes before.
//
// What each figure is, from raftkv's own metrics:
// - put and get rates: requests per second summed over the members, over both protocols (the JSON API's
//   raftkv_http_v_kv_{put,range}_seconds and gRPC's raftkv_http_grpc_etcdserverpb_kv_{put,range}_seconds counts);
// - watch rate: events delivered to watchers per second, summed (raftkv_watch_events_sent_total);
// - latency: the 50th and 99th percentiles of the same timers (Dropwizard's, which weigh the last minutes), the
//   slowest member and protocol that served any in the last interval;
// - Raft lag: for each member, the leader's commit index minus the member's applied index.

import { errorNotice, fill, h } from '../dom.js';
import { lineChart } from '../chart.js';
import { parse, value } from '../prometheus.js';

const EVERY_MS = 2000;
const WINDOW_MS = 5 * 60 * 1000;
const TIMERS = {
  put: ['raftkv_http_v_kv_put_seconds', 'raftkv_http_grpc_etcdserverpb_kv_put_seconds'],
  get: ['raftkv_http_v_kv_range_seconds', 'raftkv_http_grpc_etcdserverpb_kv_range_seconds'],
};

/** The background reader, shared by every visit of the page. */
let collector = null;

class Collector {
  constructor(api) {
    this.api = api;
    this.members = [];
    /** Each member's previous scrape: id -> {t, samples}. */
    this.previous = new Map();
    /** One point per round: {t, put, get, watch, putP50, putP99, getP50, getP99, lag: Map(name -> v)}. */
    this.points = [];
    this.error = null;
    this.listeners = new Set();
    this.run();
  }

  async run() {
    try {
      await this.round();
      this.error = null;
    } catch (e) {
      this.error = e;
    }
    for (const l of this.listeners) {
      l();
    }
    setTimeout(() => this.run(), EVERY_MS);
  }

  async round() {
    try {
      const list = await this.api.post('/v3/cluster/member/list', {}, { quiet: true, timeoutMs: 1500 });
      this.members = (list.members || []).filter((m) => (m.clientURLs || []).length)
        .map((m) => ({ id: String(m.ID), name: m.name || String(m.ID), url: m.clientURLs[0] }));
    } catch (e) {
      if (this.members.length === 0) {
        throw e;
      }
    }
    const t = Date.now();
    const scrapes = await Promise.all(this.members.map((m) => this.api.member(m.url, '/metrics')
      .then((r) => (r.ok ? r.text() : null)).then((text) => (text ? { m, samples: parse(text) } : null))
      .catch(() => null)));
    const point = { t, put: 0, get: 0, watch: 0, putP50: 0, putP99: 0, getP50: 0, getP99: 0, lag: new Map() };
    let leaderCommit = null;
    for (const s of scrapes) {
      if (s && value(s.samples, 'raftkv_raft_is_leader') === 1) {
        leaderCommit = value(s.samples, 'raftkv_raft_commit_index');
      }
    }
    let any = false;
    for (const s of scrapes) {
      if (!s) {
        continue;
      }
      const before = this.previous.get(s.m.id);
      this.previous.set(s.m.id, { t, samples: s.samples });
      if (leaderCommit !== null) {
        point.lag.set(s.m.name, Math.max(0, leaderCommit - value(s.samples, 'raftkv_raft_applied_index')));
      }
      if (!before) {
        continue;
      }
      any = true;
      const seconds = (t - before.t) / 1000;
      const rate = (name) => Math.max(0, value(s.samples, name) - value(before.samples, name)) / seconds;
      for (const op of ['put', 'get']) {
        for (const timer of TIMERS[op]) {
          const r = rate(`${timer}_count`);
          point[op] += r;
          if (r > 0) {
            point[`${op}P50`] = Math.max(point[`${op}P50`], value(s.samples, timer, 'quantile="0.5"') * 1000);
            point[`${op}P99`] = Math.max(point[`${op}P99`], value(s.samples, timer, 'quantile="0.99"') * 1000);
          }
        }
      }
      point.watch += rate('raftkv_watch_events_sent_total');
    }
    if (any || point.lag.size) {
      this.points.push(point);
    }
    while (this.points.length && this.points[0].t < t - WINDOW_MS) {
      this.points.shift();
    }
  }
}

export function mount(root, app) {
  if (!collector) {
    collector = new Collector(app.api);
  }
  const status = h('div');
  const charts = h('div', { class: 'charts', 'data-test': 'charts' }, h('p', { class: 'muted' },
    `Reading every member's metrics every ${EVERY_MS / 1000} s: the first rates show after two reads.`));
  fill(root, h('h2', {}, 'Metrics'), status, charts);

  function draw() {
    fill(status, collector.error ? errorNotice(collector.error, 'Reading the metrics failed') : null);
    const p = collector.points;
    if (p.length === 0) {
      return;
    }
    const now = Date.now();
    const rates = p.filter((x) => x.put !== undefined);
    const series = (name, f) => ({ name, points: rates.map((x) => [x.t, f(x)]) });
    const perSecond = (v) => (v >= 100 ? Math.round(v).toString() : v.toFixed(1)) + '/s';
    const ms = (v) => (v >= 10 ? Math.round(v).toString() : v.toFixed(2)) + ' ms';
    const names = [...new Set(p.flatMap((x) => [...x.lag.keys()]))].sort();
    fill(charts,
      lineChart({ title: 'Requests per second (all members)', now, windowMs: WINDOW_MS, format: perSecond,
        series: [series('puts', (x) => x.put), series('gets', (x) => x.get), series('watch events', (x) => x.watch)] }),
      lineChart({ title: 'Put latency (slowest member)', now, windowMs: WINDOW_MS, format: ms,
        series: [series('p50', (x) => x.putP50), series('p99', (x) => x.putP99)] }),
      lineChart({ title: 'Get latency (slowest member)', now, windowMs: WINDOW_MS, format: ms,
        series: [series('p50', (x) => x.getP50), series('p99', (x) => x.getP99)] }),
      lineChart({ title: 'Raft lag: entries behind the leader\'s commit', now, windowMs: WINDOW_MS,
        format: (v) => String(Math.round(v)),
        series: names.map((n) => ({ name: n, points: p.filter((x) => x.lag.has(n)).map((x) => [x.t, x.lag.get(n)]) })),
      }));
  }

  collector.listeners.add(draw);
  draw();
  return () => collector.listeners.delete(draw);
}
