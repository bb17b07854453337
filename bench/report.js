/**
 * The benchmark's one printed report: Markdown tables (they paste into the README as they are)
 * and the targets of issue 6, each met or missed with its number.
 */

export const TARGETS = Object.freeze({
  floorRatioB: 1.3,
  sdkSpeedupB: 2,
  startupMs: 40,
  scaleRatio: 1.5
});

const ms = value => `${Math.round(value)}`;
const ratio = value => `${value.toFixed(2)}x`;
const mb = value => (value === undefined ? '–' : `${Math.round(value)}`);

/** `median (min–max)` in ms, or the median alone for a single run. */
function timing(stats) {
  if (!stats) return '–';
  return stats.count === 1 ? ms(stats.median) : `${ms(stats.median)} (${ms(stats.min)}–${ms(stats.max)})`;
}

function table(header, rows) {
  const line = cells => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function casesTable(results) {
  const header = [
    'case',
    'round trips',
    'floor',
    'bare Node client',
    'action',
    'action, TLS proxy',
    'SDK loop',
    'SDK Promise.all',
    'action / floor',
    'action / bare',
    'action / SDK loop',
    'action / SDK all',
    'peak RSS action / SDK (MB)'
  ];
  const rows = results.cases.map(c => [
    `(${c.id}) ${c.title}`,
    String(c.roundTrips),
    ms(c.floorMs),
    timing(c.bare),
    timing(c.action),
    timing(c.proxy),
    timing(c.sdkLoop),
    timing(c.sdkAll),
    ratio(c.action.median / c.floorMs),
    ratio(c.action.median / c.bare.median),
    ratio(c.proxy.median / c.sdkLoop.median),
    c.sdkAll ? ratio(c.proxy.median / c.sdkAll.median) : '–',
    `${mb(c.rss.action)} / ${mb(c.rss.sdk)}`
  ]);
  return table(header, rows);
}

function startupTable(results) {
  const { startup, bundle } = results;
  const over = stats => `+${ms(stats.median - startup.node.median)} ms`;
  return table(
    ['start-up', 'ms, median (min–max)', 'over `node -e 0`'],
    [
      ['`node -e 0`', timing(startup.node), '–'],
      ['`dist/main`: load, fail on a missing input', timing(startup.missingInput), over(startup.missingInput)],
      ['`dist/main`: spawn to first request (case a-d runs)', timing(startup.firstRequest), over(startup.firstRequest)],
      ['bundle: `dist/main/index.js`, `dist/post/index.js`', `${kb(bundle.main)}, ${kb(bundle.post)}`, '–'],
      ['peak RSS: `node -e 0`', `${mb(startup.nodeRss)} MB`, '–']
    ]
  );
}

const kb = bytes => `${Math.round(bytes / 1024)} kB`;

function scaleTable(scale) {
  return table(
    ['scale', 'succeeded', 'Key Vault gets', '429 answers', 'total', 'throttle minimum', 'total / minimum'],
    [
      [
        `${scale.runs} runs × ${scale.secrets} secrets, ${scale.limit} gets per ${scale.windowMs / 1000} s, Retry-After ${scale.retryAfterSeconds} s`,
        `${scale.succeeded}/${scale.runs}`,
        String(scale.served),
        String(scale.throttled),
        `${(scale.totalMs / 1000).toFixed(1)} s`,
        `${(scale.minimumMs / 1000).toFixed(1)} s`,
        ratio(scale.totalMs / scale.minimumMs)
      ]
    ]
  );
}

/** Each target of issue 6: [description, met, measured]. */
export function targetChecks(results) {
  const b = results.cases.find(c => c.id === 'b');
  const checks = [];
  if (b) {
    checks.push([`case (b) within ${TARGETS.floorRatioB}x of its floor`, b.action.median / b.floorMs <= TARGETS.floorRatioB, ratio(b.action.median / b.floorMs)]);
    const speedup = b.sdkLoop.median / b.proxy.median;
    checks.push([`case (b) at least ${TARGETS.sdkSpeedupB}x faster than the SDK loop (same transport)`, speedup >= TARGETS.sdkSpeedupB, `${ratio(speedup)} faster`]);
  }
  const startup = results.startup.firstRequest.median - results.startup.node.median;
  checks.push([`start-up (spawn to first request) within ${TARGETS.startupMs} ms of \`node -e 0\``, startup <= TARGETS.startupMs, `+${ms(startup)} ms`]);
  if (results.scale) {
    const { scale } = results;
    checks.push(['scale: every run succeeds', scale.succeeded === scale.runs, `${scale.succeeded}/${scale.runs}`]);
    checks.push([`scale: total within ${TARGETS.scaleRatio}x of the throttle's minimum`, scale.totalMs / scale.minimumMs <= TARGETS.scaleRatio, ratio(scale.totalMs / scale.minimumMs)]);
  }
  return checks;
}

export function formatReport(results) {
  const { settings } = results;
  const parts = [
    `Benchmark: L = ${settings.latencyMs} ms per request, ${settings.runs} ${settings.runs === 1 ? 'run' : 'runs'} each, ` +
      `Node ${settings.nodeVersion}, ${settings.cpus} CPUs, Key Vault gets ${settings.concurrency} at a time. Times in ms: median (min–max).`,
    '',
    casesTable(results),
    '',
    startupTable(results)
  ];
  if (results.scale) parts.push('', scaleTable(results.scale));
  parts.push('', table(['target', 'met', 'measured'], targetChecks(results).map(([what, met, measured]) => [what, met ? 'yes' : '**no**', measured])));
  return parts.join('\n');
}
