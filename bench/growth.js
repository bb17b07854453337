/**
 * Cost growth: token + 1, 10, 100, 1,000 named secrets and `vault/*` over the largest, by the
 * action and the bare client on the direct transport (L per request, no connection cost), and
 * the action's peak RSS at each size (one probed run).
 */
import { actionOnce, bareOnce, interleave } from './runs.js';
import { summarize } from './measure.js';

export async function measureGrowth(bench, cases, { runs, warmup, progress }) {
  const kinds = {};
  for (const benchCase of cases) {
    kinds[`${benchCase.id}:bare`] = () => bareOnce(bench, benchCase);
    kinds[`${benchCase.id}:action`] = () => actionOnce(bench, benchCase, 'direct');
  }
  const samples = await interleave(kinds, { runs, warmup, progress, label: 'growth' });
  const rows = [];
  for (const benchCase of cases) {
    const probed = await actionOnce(bench, benchCase, 'direct', { probe: true });
    rows.push({
      ...benchCase,
      floorMs: bench.floorStartMs + benchCase.roundTrips * bench.latencyMs,
      bare: summarize(samples[`${benchCase.id}:bare`].map(s => s.ms)),
      action: summarize(samples[`${benchCase.id}:action`].map(s => s.ms)),
      rssMb: probed.rssMb
    });
  }
  return rows;
}
