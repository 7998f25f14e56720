// ./pipeline local's flags: thousands of malformed command lines, each refused with a message that
// names the flag, before anything is started (parseFlags and resolveStage are pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, resolveStage, UsageError } from '../../local/run-local.mjs';
import { random } from '../../local/lib/random.mjs';


const HOSTILE = [...' \t\n\'"`$(){}[]<>|&;*?~!#%^\\/.,:=+-', '\u0000', '\u0007', 'é', '٣', '２', '日'];

function hostile(next, max = 20) {
  let text = '';
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i++) {
    const r = next();
    text += r < 0.5 ? HOSTILE[Math.floor(next() * HOSTILE.length)] : r < 0.8 ? String(Math.floor(next() * 10)) : 'abcxyz'[Math.floor(next() * 6)];
  }
  return text;
}

function badDate(next) {
  const pad = (n, w) => String(n).padStart(w, '0');
  const choices = [
    () => `${pad(Math.floor(next() * 10000), 4)}-${pad(13 + Math.floor(next() * 87), 2)}-${pad(1 + Math.floor(next() * 28), 2)}`,
    () => `2026-02-${pad(30 + Math.floor(next() * 70), 2)}`,
    () => `2026/02/12${hostile(next, 3)}`,
    () => `12.02.2026`,
    () => `2026-2-1${Math.floor(next() * 10)}`,
    () => ` 2026-02-12`,
    () => `2026-02-12${hostile(next, 5)}x`,
    () => hostile(next),
    () => '9'.repeat(1000 + Math.floor(next() * 5000)),
  ];
  return choices[Math.floor(next() * choices.length)]();
}

const FLAGS_WITH_VALUE = ['--date', '--fail-stage', '--input-dir', '--stage-seconds'];

function malformed(next) {
  const kind = Math.floor(next() * 6);
  switch (kind) {
    case 0: return { argv: ['--date', badDate(next)], names: '--date' };
    case 1: return { argv: ['--date', '2026-02-12', `--${hostile(next, 8)}x`], names: 'unknown flag' };
    case 2: return { argv: [FLAGS_WITH_VALUE[Math.floor(next() * FLAGS_WITH_VALUE.length)], ...(next() < 0.5 ? [] : ['--date', '2026-02-12'])], names: 'needs a value' };
    case 3: return { argv: ['--date', '2026-02-12', '--stage-seconds', [String(-1 - Math.floor(next() * 100)), hostile(next, 6) + 'x', String(3601 + Math.floor(next() * 1e6)), 'NaN', 'Infinity'][Math.floor(next() * 5)]], names: '--stage-seconds' };
    case 4: return { argv: ['--no-sample-data', ...(next() < 0.5 ? [] : ['--fail-stage', 'stage1'])], names: '--date is required' };
    default: return { argv: ['--date', '2026-02-12', '--input-dir', `/nonexistent/${hostile(next, 10)}`], names: '--input-dir' };
  }
}

test('at least 1000 malformed command lines are refused, each naming the flag', () => {
  const next = random(20261123);
  let checked = 0;
  for (let i = 0; i < 1500; i++) {
    const { argv, names } = malformed(next);
    assert.throws(() => parseFlags(argv), (e) => e instanceof UsageError && e.message.includes(names), `${JSON.stringify(argv)} should be refused naming ${names}`);
    checked += 1;
  }
  assert.ok(checked >= 1000);
});

test('a stage for --fail-stage must be a configured one or an unambiguous prefix', () => {
  const stages = ['stage1_anomaly_detection', 'stage2_spatial_clustering'];
  assert.equal(resolveStage('stage2', stages), 'stage2_spatial_clustering');
  assert.equal(resolveStage('stage1_anomaly_detection', stages), 'stage1_anomaly_detection');
  const next = random(7);
  for (let i = 0; i < 1000; i++) {
    const name = hostile(next) + 'x';
    assert.throws(() => resolveStage(name, stages), (e) => e instanceof UsageError && e.message.includes('--fail-stage'));
  }
  assert.throws(() => resolveStage('stage', stages), /matches several stages/);
});

test('well-formed flags are accepted', () => {
  assert.deepEqual(parseFlags(['--date', '2026-02-12', '--fail-stage', 'stage2', '--stage-seconds', '2']), { date: '2026-02-12', failStage: 'stage2', sampleData: true, stageSeconds: 2 });
  assert.equal(parseFlags(['--date', '2024-02-29', '--no-sample-data']).sampleData, false);
});
