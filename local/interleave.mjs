// ./pipeline interleave [--seed S] [--schedules N]: the randomized lock interleavings of
// local/lib/interleave.mjs, outside the test suite: a failing seed from CI again, or a longer run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadStack } from './lib/stack.mjs';
import { startMoto } from './lib/moto.mjs';
import { clients } from './lib/world.mjs';
import { runSchedule } from './lib/interleave.mjs';

export async function interleavings({ seed, schedules, root, log = console.log }) {
  const stack = loadStack(join(root, 'cdk.out'));
  const scratch = mkdtempSync(join(tmpdir(), 'interleave-'));
  const recordFile = join(scratch, 'requests.jsonl');
  const moto = await startMoto({ recordTo: recordFile });
  const aws = clients(moto.endpoint);
  // One stage keeps a schedule short; the lock protocol does not depend on how many there are.
  const settings = { ...stack.settings, stages: stack.settings.stages.slice(0, 1) };
  // PIPELINE_BOOTSTRAP: try a bootstrap built from a change (e.g. with a check removed, to see the invariants catch it).
  const bootstrap = process.env.PIPELINE_BOOTSTRAP ?? join(root, 'artifacts/functions/bootstrap');
  const totals = {};
  const failures = [];
  const began = Date.now();
  try {
    for (let i = 0; i < schedules; i++) {
      const s = seed + i;
      const { violations, stats } = await runSchedule({ seed: s, stack, bootstrap, aws, moto, recordFile, scratch, settings });
      for (const [k, v] of Object.entries(stats)) totals[k] = (totals[k] ?? 0) + v;
      if (violations.length > 0) {
        failures.push({ seed: s, violations });
        log(`seed ${s}: ${violations.length} violation(s)\n  ${violations.join('\n  ')}\n  reproduce: ./pipeline interleave --seed ${s} --schedules 1`);
      }
    }
  } finally {
    await moto.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  const seconds = (Date.now() - began) / 1000;
  log(`interleavings: ${schedules} schedules from seed ${seed} in ${seconds.toFixed(1)} s (${(seconds / schedules).toFixed(2)} s each), ${failures.length} with violations; `
    + Object.entries(totals).map(([k, v]) => `${k} ${v}`).join(', '));
  return { failures, totals, seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, schedules: { type: 'string', default: '200' } } });
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1e9) : Number(values.seed);
  const schedules = Number(values.schedules);
  if (!Number.isInteger(seed) || seed < 0 || !Number.isInteger(schedules) || schedules < 1) {
    console.error('usage: ./pipeline interleave [--seed S] [--schedules N]   (S, N whole numbers; N at least 1)');
    process.exit(2);
  }
  const { failures } = await interleavings({ seed, schedules, root: resolve(import.meta.dirname, '..') });
  process.exit(failures.length > 0 ? 1 : 0);
}
