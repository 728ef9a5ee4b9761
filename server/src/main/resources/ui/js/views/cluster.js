// The cluster page: every member with its role, term, committed and applied index, lag behind the leader, revision,
// store size against its quota, alarms and health, refreshed every second.
//
// The member list comes from this node; each member's own figures come from that member (its status and health, at
// the client URL the member list gives), because only a member knows its own applied index or size. Those two open
// reads answer any origin, so the browser asks every member directly and the page keeps working when the node that
// served it dies: it goes on with the member list it had. Each member is asked on its own schedule, so one that
// hangs delays only its own row.

import { int } from '../api.js';
import { fill, formatBytes, formatTime, h, notice } from '../dom.js';

const REFRESH_MS = 1000;
/** A member's figures older than this are not shown as current: its last request has not come back. */
const STALE_MS = 4000;

export function mount(root, app) {
  const summary = h('div', { class: 'summary' });
  const table = h('div');
  const problems = h('div');
  const updated = h('p', { class: 'muted small' });
  fill(root, h('h2', {}, 'Cluster'), summary, problems, table, updated);

  let members = [];
  let listError = null;
  /** Each member's last answers, by id: {status, error, at} from its status loop, {health} from its health loop. */
  const states = new Map();
  /** The members whose own loop runs, by id. */
  const polled = new Set();
  let stopped = false;
  const timers = new Set();
  const controller = new AbortController();

  function later(f) {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, REFRESH_MS);
    timers.add(t);
  }

  // The member list, from this node, every second; a new member gets its own loop.
  async function listLoop() {
    try {
      const list = await app.api.post('/v3/cluster/member/list', {}, { signal: controller.signal, timeoutMs: 1500,
        quiet: true });
      members = (list.members || []).map((m) => ({
        id: String(m.ID), name: m.name || `member ${m.ID}`, url: (m.clientURLs || [])[0] || '',
      }));
      listError = null;
    } catch (e) {
      listError = e;
    }
    if (stopped) {
      return;
    }
    for (const m of members) {
      if (!polled.has(m.id)) {
        polled.add(m.id);
        memberLoop(m.id, 'status');
        memberLoop(m.id, 'health');
      }
    }
    draw();
    later(listLoop);
  }

  // Each member on its own, status and health apart: a member that hangs (a paused process) delays only its own
  // row, and a slow health check (a member without a leader answers after its 1 s read times out) never holds back
  // the status that shows the new leader.
  async function memberLoop(id, what) {
    const member = members.find((m) => m.id === id);
    if (!member) {
      polled.delete(id);
      states.delete(id);
      return;
    }
    const answer = await (what === 'status' ? memberStatus : memberHealth)(app.api, member, controller.signal);
    if (stopped) {
      return;
    }
    states.set(id, { ...states.get(id), ...answer });
    draw();
    later(() => memberLoop(id, what));
  }

  function draw() {
    const now = performance.now();
    const current = members.map((m) => {
      const s = states.get(m.id);
      if (!s || s.at === undefined) {
        return { member: m, status: null, health: null, pending: true };
      }
      return now - s.at > STALE_MS ? { member: m, status: null, health: null, error: 'not answering' }
        : { ...s, member: m };
    });
    const leaderId = agreedLeader(current);
    const leader = current.find((s) => s.member.id === leaderId && s.status);
    const leaderMember = members.find((m) => m.id === leaderId);
    fill(summary,
      h('span', { class: 'stat' }, h('b', {}, String(members.length)), ' members'),
      h('span', { class: 'stat', 'data-test': 'leader', 'data-leader-id': leaderId || '' },
        'leader ', h('b', {}, leaderMember ? `${leaderMember.name} (${leaderId})` : 'none')),
      leader ? h('span', { class: 'stat' }, 'term ', h('b', {}, String(int(leader.status.raftTerm)))) : null);
    fill(problems,
      listError ? notice('warning', `This node did not answer the member list (${listError.message}); showing the `
        + 'members it listed last.') : null,
      leaderId || states.size === 0 ? null
        : notice('error', 'No member answering names a leader: the cluster cannot take writes.'));
    const leaderCommit = leader ? int(leader.status.raftIndex) : null;
    fill(table, h('table', { class: 'grid', 'data-test': 'members' },
      h('thead', {}, h('tr', {}, ['member', 'client URL', 'role', 'term', 'committed', 'applied', 'lag', 'revision',
        'store size / quota', 'alarms', 'health'].map((c) => h('th', { text: c })))),
      h('tbody', {}, current.map((s) => row(s, leaderId, leaderCommit)))));
    fill(updated, `updated ${formatTime(new Date())}; each member is asked every ${REFRESH_MS / 1000} s`);
  }

  listLoop();

  return () => {
    stopped = true;
    controller.abort();
    timers.forEach(clearTimeout);
  };
}

/** A member's status, asked of the member itself: {status, error, at} (status null when it did not answer). */
async function memberStatus(api, member, signal) {
  if (!member.url) {
    return { status: null, error: 'no client URL', at: performance.now() };
  }
  try {
    const r = await api.member(member.url, '/v3/maintenance/status', { body: {}, signal });
    if (!r.ok) {
      throw new Error(`HTTP ${r.status}`);
    }
    return { status: await r.json(), error: null, at: performance.now() };
  } catch (e) {
    return { status: null, error: e.message, at: performance.now() };
  }
}

/** A member's /health answer ({health, reason}, 503 included), or null when it did not answer. */
async function memberHealth(api, member, signal) {
  if (!member.url) {
    return { health: null };
  }
  try {
    return { health: await (await api.member(member.url, '/health', { signal })).json() };
  } catch {
    return { health: null };
  }
}

/** The leader most answering members name (a member that lost touch may still name the old one for a moment). */
function agreedLeader(states) {
  const votes = new Map();
  for (const s of states) {
    const leader = s.status ? String(s.status.leader || '0') : '0';
    if (leader !== '0') {
      votes.set(leader, (votes.get(leader) || 0) + 1);
    }
  }
  let best = null;
  for (const [id, n] of votes) {
    if (best === null || n > votes.get(best)) {
      best = id;
    }
  }
  return best;
}

function row(s, leaderId, leaderCommit) {
  const { member, status, health } = s;
  if (!status) {
    return h('tr', { class: s.pending ? '' : 'down', 'data-member-id': member.id },
      h('td', {}, member.name, h('div', { class: 'muted small', text: `id ${member.id}` })),
      h('td', { class: 'mono small', text: member.url }),
      h('td', { 'data-test': 'role' }, s.pending ? h('span', { class: 'muted' }, 'asking…')
        : h('span', { class: 'badge bad' }, 'unreachable')),
      h('td', { colspan: 8, class: 'muted', text: s.error || '' }));
  }
  const role = status.isLearner ? 'learner' : member.id === leaderId ? 'leader' : 'follower';
  const applied = int(status.raftAppliedIndex);
  const lag = leaderCommit === null ? null : Math.max(0, leaderCommit - applied);
  const size = int(status.dbSize);
  const quota = int(status.dbSizeQuota);
  const alarms = status.errors || [];
  return h('tr', { 'data-member-id': member.id, class: role === 'leader' ? 'leader' : '' },
    h('td', {}, member.name, h('div', { class: 'muted small', text: `id ${member.id}` })),
    h('td', { class: 'mono small', text: member.url }),
    h('td', { 'data-test': 'role' }, h('span', { class: `badge ${role}` }, role)),
    h('td', { class: 'num', text: String(int(status.raftTerm)) }),
    h('td', { class: 'num', text: String(int(status.raftIndex)) }),
    h('td', { class: 'num', text: String(applied) }),
    h('td', { class: 'num', 'data-test': 'lag', text: lag === null ? '?' : String(lag) }),
    h('td', { class: 'num', text: String(int(status.header && status.header.revision)) }),
    h('td', {}, quotaBar(size, quota)),
    h('td', {}, alarms.length ? alarms.map((a) => h('span', { class: 'badge bad', text: a })) : h('span', {
      class: 'muted' }, 'none')),
    h('td', { 'data-test': 'health' }, healthBadge(health)));
}

/** The member's /health answer: undefined while not asked yet, null when it did not answer. */
function healthBadge(health) {
  if (health === undefined) {
    return h('span', { class: 'muted' }, 'asking…');
  }
  if (health === null) {
    return h('span', { class: 'badge bad' }, 'no answer');
  }
  if (health.health === 'true') {
    return h('span', { class: 'badge ok' }, 'healthy');
  }
  return h('span', { class: 'badge bad', title: health.reason || '' },
    `unhealthy${health.reason ? ': ' + health.reason : ''}`);
}

function quotaBar(size, quota) {
  const share = quota > 0 ? Math.min(1, size / quota) : 0;
  const bar = h('div', { class: `bar${share > 0.8 ? ' hot' : ''}` }, h('div', { class: 'fill' }));
  bar.firstChild.style.width = `${(share * 100).toFixed(1)}%`;
  return h('div', { class: 'quota' }, bar,
    h('span', { class: 'small', text: `${formatBytes(size)} / ${quota > 0 ? formatBytes(quota) : '?'}` }));
}
