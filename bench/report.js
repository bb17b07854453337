/**
 * The benchmark's one printed report: Markdown tables (they paste into the README as they are)
 * and the targets (issue 6; "Speed at the network's floor"), each met or missed with its number.
 */

export const TARGETS = Object.freeze({
  floorRatioB: 1.3,
  sdkSpeedupB: 2,
  startupMs: 40,
  preconnectRatio: 1.05,
  connectsPerOrigin: 1,
  extraRoundTrips100: 1,
  linearSlack: 1.2,
  scaleRatio: 1.5
});

const ms = value => `${Math.round(value)}`;
const ratio = value => `${value.toFixed(2)}x`;
const mb = value => (value === undefined ? '–' : `${Math.round(value)}`);
const kb = bytes => `${Math.round(bytes / 1024)} kB`;
const seconds = value => `${(value / 1000).toFixed(1)} s`;

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

const triple = counts => `${counts.github ?? 0} / ${counts.entra ?? 0} / ${counts.vault ?? 0}`;

/** CONNECTs per service from the proxy log's host names. */
function connectsByService(connects) {
  const byService = { github: 0, entra: 0, vault: 0, other: 0 };
  for (const [host, count] of Object.entries(connects)) {
    if (host.startsWith('token.actions.')) byService.github += count;
    else if (host.startsWith('login.')) byService.entra += count;
    else if (host.includes('.vault.')) byService.vault += count;
    else byService.other += count;
  }
  return byService;
}

function handshakeTables(results) {
  const { handshakes, startup } = results;
  const direct = table(
    [
      'L (round trip)',
      'floor (round trips)',
      'bare client (round trips)',
      'bare client, preconnect',
      'action',
      'action / preconnecting bare',
      'action / floor',
      'bare − preconnect (model: 4 L)',
      'new connections GitHub / Entra ID / Key Vault: bare · preconnect · action'
    ],
    handshakes.rows.map(row => {
      const floorMs = startup.https.median + row.roundTrips.preconnect * row.latencyMs;
      return [
        `${row.latencyMs} ms`,
        `${ms(floorMs)} (${row.roundTrips.preconnect})`,
        `${timing(row.bare)} (${row.roundTrips.plain})`,
        timing(row.preconnect),
        timing(row.action),
        ratio(row.action.median / row.preconnect.median),
        ratio(row.action.median / floorMs),
        `${ms(row.bare.median - row.preconnect.median)} (${4 * row.latencyMs})`,
        `${triple(row.connections.bare)} · ${triple(row.connections.preconnect)} · ${triple(row.connections.action)}`
      ];
    })
  );
  const proxy = table(
    [
      'L (round trip)',
      'action through HTTPS_PROXY (TLS, real names)',
      'over the preconnecting bare client (direct)',
      'CONNECTs per step: GitHub / Entra ID / Key Vault',
      'target'
    ],
    handshakes.rows.map(row => [
      `${row.latencyMs} ms`,
      timing(row.proxy),
      ratio(row.proxy.median / row.preconnect.median),
      triple(connectsByService(row.connects)),
      '1 / 1 / 1'
    ])
  );
  const slopes = slopesOf(handshakes.rows);
  const fit = slopes
    ? `Fitted over L: the bare client costs ${slopes.bare.toFixed(1)} L + ${ms(slopes.bareFixed)} ms, the preconnecting one ${slopes.preconnect.toFixed(1)} L + ${ms(slopes.preconnectFixed)} ms, the action ${slopes.action.toFixed(1)} L + ${ms(slopes.actionFixed)} ms (the model: ${handshakes.rows[0].roundTrips.plain} L, ${handshakes.rows[0].roundTrips.preconnect} L and ${handshakes.rows[0].roundTrips.plain} L, plus a fixed cost).`
    : '';
  return [
    `Connection set-up emulated (2 round trips per new connection, 1 per request), ${handshakes.case.title.replace('OIDC → ', '')}, direct transport:`,
    '',
    direct,
    '',
    fit,
    '',
    'The same through a proxy, every host by its real name over TLS:',
    '',
    proxy
  ]
    .filter((part, i, all) => part !== '' || all[i - 1] !== '')
    .join('\n');
}

/** Least-squares line through (L, median) for each kind, when there are two L values or more. */
function slopesOf(rows) {
  if (rows.length < 2) return undefined;
  const line = kind => {
    const xs = rows.map(row => row.latencyMs);
    const ys = rows.map(row => row[kind].median);
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0) / xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
    return [slope, my - slope * mx];
  };
  const [bare, bareFixed] = line('bare');
  const [preconnect, preconnectFixed] = line('preconnect');
  const [action, actionFixed] = line('action');
  return { bare, bareFixed, preconnect, preconnectFixed, action, actionFixed };
}

function connectsTable(results) {
  return table(
    ['action through HTTPS_PROXY (cases a-d)', 'requests: Entra ID / Key Vault', 'CONNECTs: Entra ID / Key Vault'],
    results.cases.map(c => {
      const counts = connectsByService(c.proxied.connects);
      return [`(${c.id}) ${c.title}`, `${c.proxied.requests.entra} / ${c.proxied.requests.vault}`, `${counts.entra} / ${counts.vault}`];
    })
  );
}

function growthTable(results) {
  const rows = results.growth.map((row, i, all) => {
    const previous = i > 0 && !row.list ? all[i - 1] : undefined;
    const perSecret = previous ? (row.action.median - previous.action.median) / (row.count - previous.count) : undefined;
    return [
      row.title,
      String(row.roundTrips),
      ms(row.floorMs),
      timing(row.bare),
      timing(row.action),
      ratio(row.action.median / row.bare.median),
      ratio(row.action.median / row.floorMs),
      perSecret === undefined ? '–' : perSecret.toFixed(2),
      mb(row.rssMb)
    ];
  });
  return table(
    [
      'cost growth (L per request)',
      'round trips',
      'floor',
      'bare Node client',
      'action',
      'action / bare',
      'action / floor',
      'action: ms per added secret',
      'action peak RSS (MB)'
    ],
    rows
  );
}

function startupTable(results) {
  const { startup, bundle, cli } = results;
  const over = stats => `+${ms(stats.median - startup.node.median)} ms`;
  const rows = [
    ['`node -e 0`', timing(startup.node), '–'],
    ["node with https loaded (`bench/https-start.js`: the floor's start)", timing(startup.https), over(startup.https)],
    ['`dist/main`: load, fail on a missing input', timing(startup.missingInput), over(startup.missingInput)],
    ['`dist/main`: spawn to first request (case a-d runs)', timing(startup.firstRequest), over(startup.firstRequest)]
  ];
  if (!cli.available || cli.error)
    rows.push([
      '`dist/cli/index.js`: start-up (`--version`), one token',
      cli.error ? `failed: ${cli.error.split('\n')[0]}` : cli.reason,
      '–'
    ]);
  else {
    rows.push(['`dist/cli/index.js --version`', timing(cli.version), over(cli.version)]);
    rows.push(['`dist/cli/index.js`: one client-secret token (1 round trip)', timing(cli.token), over(cli.token)]);
  }
  rows.push(['bundle: `dist/main/index.js`, `dist/post/index.js`', `${kb(bundle.main)}, ${kb(bundle.post)}`, '–']);
  rows.push(['peak RSS: `node -e 0`', `${mb(startup.nodeRss)} MB`, '–']);
  return table(['start-up', 'ms, median (min–max)', 'over `node -e 0`'], rows);
}

function modulesTable(results) {
  const { modules } = results;
  const list = names =>
    names.length === 0 ? 'none' : names.map(name => `\`${name.replace(/^(NativeModule|Internal Binding) /, '')}\``).join(', ');
  return table(
    ['Node core modules + bindings loaded', 'count', 'undici', 'loaded by this one only'],
    [
      ['the action (case b)', String(modules.action), modules.undici.action ? 'yes' : 'no', list(modules.onlyInAction)],
      ['the bare client (case b)', String(modules.bare), modules.undici.bare ? 'yes' : 'no', list(modules.onlyInBare)],
      [
        'for comparison: `import` of node:http + node:https, nothing else',
        String(modules.esmImport),
        modules.undici.esmImport ? 'yes' : 'no',
        '–'
      ]
    ]
  );
}

function signInTable(results) {
  const { signIn } = results;
  const header = ['`sign-in-later-steps`', 'off', 'on', 'cost on the step', 'first token served (mints)', 'next token (cached)'];
  if (!signIn.available || signIn.error)
    return table(header, [
      [signIn.case.title, signIn.error ? `failed: ${signIn.error.split('\n')[0]}` : signIn.reason, '–', '–', '–', '–']
    ]);
  return table(header, [
    [
      signIn.case.title,
      timing(signIn.off),
      timing(signIn.on),
      `+${ms(signIn.on.median - signIn.off.median)} ms`,
      timing(signIn.first),
      timing(signIn.cached)
    ]
  ]);
}

function scaleRow(scale) {
  const { throttle } = scale;
  const title = `${scale.legs} legs × ${scale.secrets} secrets, ${throttle.limit} gets per ${throttle.windowMs / 1000} s, Retry-After ${throttle.retryAfterSeconds} s`;
  if (scale.skipped) return [title, scale.skipped, '–', '–', '–', '–', '–', '–', '–'];
  return [
    title,
    `${scale.succeeded}/${scale.legs}`,
    String(scale.served),
    String(scale.throttled),
    seconds(scale.totalMs),
    `${seconds(scale.legMs.median)}, ${seconds(scale.legMs.max)}`,
    scale.unthrottled ? `${seconds(scale.unthrottled.totalMs)} (${scale.unthrottled.succeeded}/${scale.legs})` : '–',
    `${seconds(scale.minimumMs.rate)} (${seconds(scale.minimumMs.window)})`,
    `${ratio(scale.totalMs / scale.minimumMs.rate)} (${ratio(scale.totalMs / scale.minimumMs.window)})`
  ];
}

function scaleTable(scales) {
  return table(
    [
      'scale',
      'legs succeeded',
      'Key Vault gets',
      '429 answers',
      'total',
      'legs done: median, last',
      'the same legs unthrottled (this machine)',
      'throttle minimum: rate (fixed window)',
      'total / minimum'
    ],
    scales.map(scaleRow)
  );
}

function growthChecks(results) {
  const checks = [];
  const named = results.growth.filter(row => !row.list);
  const at = count => named.find(row => row.count === count);
  const L = results.settings.latencyMs;
  const [ten, hundred] = [at(10), at(100)];
  if (ten && hundred) {
    const extra = hundred.action.median - ten.action.median;
    checks.push([
      `100 secrets at most ${TARGETS.extraRoundTrips100} round trip (${L} ms) slower than 10 secrets`,
      extra <= TARGETS.extraRoundTrips100 * L,
      `+${ms(extra)} ms = ${(extra / L).toFixed(1)} round trips`
    ]);
  }
  if (named.length >= 3) {
    const [a, b, c] = named.slice(-3);
    const before = (b.action.median - a.action.median) / (b.count - a.count);
    const after = (c.action.median - b.action.median) / (c.count - b.count);
    checks.push([
      `from ${b.count} to ${c.count} secrets the cost grows linearly (ms per added secret at most ${TARGETS.linearSlack}x that from ${a.count} to ${b.count})`,
      after <= TARGETS.linearSlack * before,
      `${after.toFixed(2)} against ${before.toFixed(2)} ms per secret (${ratio(after / before)})`
    ]);
  }
  return checks;
}

/** Each target: [description, met, measured]. */
export function targetChecks(results) {
  const b = results.cases.find(c => c.id === 'b');
  const checks = [];
  for (const row of results.handshakes.rows) {
    const value = row.action.median / row.preconnect.median;
    checks.push([
      `${results.handshakes.case.title}, connection set-up emulated at L = ${row.latencyMs} ms: at most ${TARGETS.preconnectRatio}x the preconnecting bare client`,
      value <= TARGETS.preconnectRatio,
      `${ratio(value)} (${ms(row.action.median)} against ${ms(row.preconnect.median)} ms)`
    ]);
  }
  if (b) {
    checks.push([
      `case (b) within ${TARGETS.floorRatioB}x of its floor (L = ${results.settings.latencyMs} ms, no connection cost)`,
      b.action.median / b.floorMs <= TARGETS.floorRatioB,
      `${ratio(b.action.median / b.floorMs)} (${ms(b.action.median)} against ${ms(b.floorMs)} ms)`
    ]);
  }
  for (const row of results.handshakes.rows.slice(0, 1)) {
    const counts = connectsByService(row.connects);
    const worst = Math.max(counts.github, counts.entra, counts.vault);
    checks.push([
      `through a proxy, ${TARGETS.connectsPerOrigin} CONNECT per origin per step`,
      worst <= TARGETS.connectsPerOrigin,
      `GitHub ${counts.github}, Entra ID ${counts.entra}, Key Vault ${counts.vault}`
    ]);
  }
  checks.push(...growthChecks(results));
  if (b) {
    const speedup = b.sdkLoop.median / b.proxy.median;
    checks.push([
      `case (b) at least ${TARGETS.sdkSpeedupB}x faster than the SDK loop (same transport)`,
      speedup >= TARGETS.sdkSpeedupB,
      `${ratio(speedup)} faster`
    ]);
  }
  const startup = results.startup.firstRequest.median - results.startup.node.median;
  checks.push([
    `start-up (spawn to first request) within ${TARGETS.startupMs} ms of \`node -e 0\``,
    startup <= TARGETS.startupMs,
    `+${ms(startup)} ms`
  ]);
  if (results.scale?.skipped)
    checks.push([
      `scale: every one of ${results.scale.legs} legs succeeds, within ${TARGETS.scaleRatio}x of the throttle's minimum`,
      undefined,
      results.scale.skipped
    ]);
  if (results.scale && !results.scale.skipped) {
    const { scale } = results;
    checks.push([`scale: every one of ${scale.legs} legs succeeds`, scale.succeeded === scale.legs, `${scale.succeeded}/${scale.legs}`]);
    checks.push([
      `scale: total within ${TARGETS.scaleRatio}x of the throttle's minimum (gets ÷ limit × window)`,
      scale.totalMs / scale.minimumMs.rate <= TARGETS.scaleRatio,
      `${ratio(scale.totalMs / scale.minimumMs.rate)} (${seconds(scale.totalMs)} against ${seconds(scale.minimumMs.rate)})`
    ]);
  }
  return checks;
}

export function formatReport(results) {
  const { settings } = results;
  const parts = [
    `Benchmark: L = ${settings.latencyMs} ms per request, ${settings.runs} ${settings.runs === 1 ? 'run' : 'runs'} each after ${settings.warmup} warm-up, ` +
      `Node ${settings.nodeVersion}, ${settings.cpus} CPUs, Key Vault gets ${settings.concurrency} at a time. Times in ms: median (min–max). ` +
      'Floor: node with https loaded + the round trips that cannot be avoided.',
    '',
    casesTable(results),
    '',
    handshakeTables(results),
    '',
    connectsTable(results),
    '',
    growthTable(results),
    '',
    startupTable(results),
    '',
    modulesTable(results),
    '',
    signInTable(results)
  ];
  if (results.scale) parts.push('', scaleTable([results.scale, results.scaleEquivalent].filter(Boolean)));
  parts.push(
    '',
    table(
      ['target', 'met', 'measured'],
      targetChecks(results).map(([what, met, measured]) => [what, met === undefined ? 'not measured' : met ? 'yes' : '**no**', measured])
    )
  );
  return parts.join('\n');
}
