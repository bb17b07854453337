/**
 * Round trips with connection set-up (issue "Speed at the network's floor"): the fake charges
 * every new connection 2 round trips (TCP + TLS) before its first answer, and every request one
 * (test/fake-azure/latency.js), at each L given. Token + N secrets by: the bare client (keeps
 * connections alive, opens them when it needs them), the preconnecting bare client (opens its
 * Entra ID and Key Vault connections while GitHub answers), the action on the direct transport,
 * and the action through HTTPS_PROXY with every host by its real name (TLS, CONNECT tunnels
 * counted per host).
 */
import { HANDSHAKE_ROUND_TRIPS, handshakeRoundTrips } from './cases.js';
import { actionOnce, bareOnce, interleave } from './runs.js';
import { summarize } from './measure.js';

/** Median of each per-run count (they do not vary between runs of a deterministic client). */
function medianCounts(samples, field) {
  const keys = [...new Set(samples.flatMap(sample => Object.keys(sample[field])))];
  return Object.fromEntries(keys.map(key => [key, summarize(samples.map(sample => sample[field][key] ?? 0)).median]));
}

export async function measureHandshakes(bench, benchCase, { rtts, runs, warmup, progress }) {
  const { fake, concurrency } = bench;
  const rows = [];
  try {
    for (const latencyMs of rtts) {
      fake.latency.set({ latencyMs, handshakeRoundTrips: HANDSHAKE_ROUND_TRIPS });
      const samples = await interleave(
        {
          bare: () => bareOnce(bench, benchCase),
          preconnect: () => bareOnce(bench, benchCase, { preconnect: true }),
          action: () => actionOnce(bench, benchCase, 'direct'),
          proxy: () => actionOnce(bench, benchCase, 'proxy-all')
        },
        { runs, warmup, progress, label: `handshakes, L = ${latencyMs} ms` }
      );
      const stats = Object.fromEntries(Object.entries(samples).map(([kind, list]) => [kind, summarize(list.map(s => s.ms))]));
      rows.push({
        latencyMs,
        ...stats,
        roundTrips: {
          plain: handshakeRoundTrips(benchCase, concurrency, false),
          preconnect: handshakeRoundTrips(benchCase, concurrency, true)
        },
        connections: {
          bare: medianCounts(samples.bare, 'connections'),
          preconnect: medianCounts(samples.preconnect, 'connections'),
          action: medianCounts(samples.action, 'connections')
        },
        connects: medianCounts(samples.proxy, 'connects')
      });
    }
  } finally {
    fake.latency.set({ latencyMs: bench.latencyMs, handshakeRoundTrips: 0 });
  }
  return { case: benchCase, rows };
}
