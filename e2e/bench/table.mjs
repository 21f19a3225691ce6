// Builds the Markdown table of a benchmark run: the median of the rounds of
// each scenario for each server, side by side, with ratios and targets.

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const fmt = {
  rate: (x) => (Number.isFinite(x) ? `${Math.round(x / 1000)}k` : '–'),
  kb: (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(1)} KB` : '–'),
  ms: (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '–'),
  ratio: (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'),
};

/** The headline rows: which scenario, which field, better when higher or lower, the target. */
const fanout = (shape, label) => [1, 4, 16].map((w) => ({ scenario: `fanout-${shape}-w${w}`,
  label: `${label}, ${w} unacked per sender: deliveries per server CPU-second`,
  pick: (r) => r.deliveriesPerCpuSecond, show: fmt.rate, higher: true, target: 3 }));
/** The cluster rows: deliveries per CPU-second of both instances and redis-server together. */
const cluster = [1, 16].map((w) => ({ scenario: `cluster-10x100-w${w}`,
  label: `2 instances + Redis, 10 rooms × 100 clients, 10 senders, ${w} unacked per sender: deliveries per CPU-second of both instances and redis-server`,
  pick: (r) => r.deliveriesPerCpuSecond, show: fmt.rate, higher: true, target: 2 }));
const headline = [
  ...fanout('10x100', '10 rooms × 100 clients, 10 senders'),
  ...fanout('1x2000', '1 room × 2,000 clients, 1 sender'),
  ...cluster,
  { scenario: 'idle-10k', label: 'RSS per idle connection (10k connections)',
    pick: (r) => r.rssPerConnBytes, show: fmt.kb, higher: false, target: 1.5 },
  { scenario: 'idle-10k-limit', label: 'the same, chatd with CHAT_MEMORY_LIMIT=288MiB',
    pick: (r) => r.rssPerConnBytes, show: fmt.kb, higher: false, target: 1.5 },
  { scenario: 'latency-20k', label: 'e2e p99 at a fixed 20k deliveries/s',
    pick: (r) => r.e2e?.p99Ms, show: fmt.ms, higher: false, target: 0.5 },
];

/** Secondary rows, for reading the headline ones. */
const loaded = (s) => s.startsWith('fanout') || s.startsWith('latency') || s.startsWith('cluster');
const details = [
  { label: 'deliveries/s', pick: (r) => r.deliveriesPerSec, show: fmt.rate, when: loaded },
  { label: 'server CPU %', pick: (r) => r.serverCpuPercent, show: (x) => (Number.isFinite(x) ? `${Math.round(x)}%` : '–'), when: loaded },
  { label: 'messages acked/s', pick: (r) => r.messagesPerSec, show: (x) => (Number.isFinite(x) ? `${Math.round(x)}` : '–'), when: loaded },
  { label: 'e2e p50', pick: (r) => r.e2e?.p50Ms, show: fmt.ms, when: loaded },
  { label: 'e2e p99', pick: (r) => r.e2e?.p99Ms, show: fmt.ms, when: loaded },
  { label: 'ack p99', pick: (r) => r.ack?.p99Ms, show: fmt.ms, when: loaded },
  { label: 'server RSS under load', pick: (r) => r.rssLoadedBytes / 1048576, show: (x) => (Number.isFinite(x) ? `${x.toFixed(0)} MB` : '–'), when: loaded },
  { label: 'server RSS, 10k connected', pick: (r) => r.rssConnectedBytes / 1048576, show: (x) => (Number.isFinite(x) ? `${x.toFixed(0)} MB` : '–'), when: (s) => s.startsWith('idle-10k') },
];

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** table returns the Markdown of one run: Node first, then each chatd variant with its ratio to Node. */
export function table(scenarios, servers, results, cond) {
  const of = (scenario, server) => results.filter((r) => r.scenario === scenario && r.server === server);
  const [base, ...ours] = servers;
  const lines = [
    `Run ${cond.date}, commit ${cond.commit}; ${cond.cores} × ${cond.cpu}; Go ${cond.go}, Node ${cond.node}; ` +
      `median of ${cond.rounds} round(s) of ${cond.seconds} s; load average ${cond.load} before, ${cond.loadAfter} after ` +
      '(the machine is shared: compare within this run only).',
    '',
    `Command: \`${cond.command}\``,
    '',
    `| target | goal | ${base.title} | ${ours.map((s) => `${s.title} | ÷ Node`).join(' | ')} |`,
    `|---|---|---|${ours.map(() => '---|---|').join('')}`,
  ];
  for (const h of headline) {
    if (!scenarios.some((s) => s.name === h.scenario)) continue;
    const node = median(of(h.scenario, base.name).map(h.pick));
    const cells = ours.map((s) => {
      const v = median(of(h.scenario, s.name).map(h.pick));
      const ratio = v / node;
      const met = h.higher ? ratio >= h.target : ratio <= h.target;
      return `${h.show(v)} | ${fmt.ratio(ratio)}${Number.isFinite(ratio) ? (met ? ' ✅' : ' ❌') : ''}`;
    });
    const goal = h.higher ? `≥ ${h.target}× Node` : `≤ ${h.target}× Node`;
    lines.push(`| ${h.label} | ${goal} | ${h.show(node)} | ${cells.join(' | ')} |`);
  }
  lines.push(...bigRoom(results), ...churn(servers, results));
  const lost = (server) => sum(results.filter((r) => r.server === server).map((r) => (r.lost ?? 0) + (r.unacked ?? 0) + (r.failed ?? 0) + (r.seqGaps ?? 0)));
  lines.push(`| lost, unacked, failed or skipped, all runs | 0 | ${lost(base.name)} | ${ours.map((s) => `${lost(s.name)} |  |`).join(' ')}`);
  lines.push('', `| scenario | measure | ${servers.map((s) => s.title).join(' | ')} |`, `|---|---|${servers.map(() => '---|').join('')}`);
  for (const sc of scenarios) {
    for (const d of details) {
      if (!d.when(sc.name)) continue;
      const vals = servers.map((s) => d.show(median(of(sc.name, s.name).map(d.pick))));
      lines.push(`| ${sc.title} | ${d.label} | ${vals.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The big-room rows: each operation in a room of 10 and of 10,000 (chatd only), p50 of the first round. */
function bigRoom(results) {
  const r = results.find((x) => x.scenario === 'bigroom');
  if (!r) return [];
  return r.ops.map((o) => {
    const size = o.bigBytes ? `; ${o.smallBytes} B → ${o.bigBytes} B${o.op.startsWith('GET /rooms (') ? (o.bigBytes < 20480 ? ' (< 20 KB ✅)' : ' (≥ 20 KB ❌)') : ''}` : '';
    return `| big room: ${o.op}, p50 at 10 → ${r.members} members${size} | ≤ 2× | – | ` +
      `${fmt.ms(o.small.p50Ms)} → ${fmt.ms(o.big.p50Ms)} | ${fmt.ratio(o.ratio)}${o.ratio <= 2 ? ' ✅' : ' ❌'} |`;
  });
}

/** The churn rows: goroutines, RSS and live heap after 10,000 connect/disconnect cycles against their baseline. */
function churn(servers, results) {
  const of = (server) => results.find((x) => x.scenario === 'churn' && x.server === server);
  if (!servers.some((s) => of(s.name))) return [];
  const [base, ...ours] = servers;
  const cell = (r, before, after, unit) => (r && r[before] ? `${unit(r[before])} → ${unit(r[after])}` : '–');
  const mbs = (x) => `${(x / 1048576).toFixed(x < 100 * 1048576 ? 1 : 0)} MB`;
  const n = (x) => String(x);
  const ratio = (r, before, after) => (r && r[before] ? `${fmt.ratio(r[after] / r[before])}${r[after] <= 1.1 * r[before] ? ' ✅' : ' ❌'}` : '–');
  return [
    `| churn: RSS before → after ${of(ours[0]?.name)?.cycles ?? 10000} connect/disconnect cycles | ≤ 1.1× before | ${cell(of(base.name), 'rssBeforeBytes', 'rssAfterBytes', mbs)} | ` +
      `${ours.map((s) => `${cell(of(s.name), 'rssBeforeBytes', 'rssAfterBytes', mbs)} | ${ratio(of(s.name), 'rssBeforeBytes', 'rssAfterBytes')}`).join(' | ')} |`,
    `| churn: live heap after a collection, before → after | ≤ 1.1× before | – | ` +
      `${ours.map((s) => `${cell(of(s.name), 'heapBeforeBytes', 'heapAfterBytes', mbs)} | ${ratio(of(s.name), 'heapBeforeBytes', 'heapAfterBytes')}`).join(' | ')} |`,
    `| churn: goroutines before → after | ≤ 1.1× before | – | ` +
      `${ours.map((s) => `${cell(of(s.name), 'goroutinesBefore', 'goroutinesAfter', n)} | ${ratio(of(s.name), 'goroutinesBefore', 'goroutinesAfter')}`).join(' | ')} |`,
  ];
}
