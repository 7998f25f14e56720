// One line per tool in the test output: tool, version, what was checked, findings.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function versionOf(pkg) {
  let dir = dirname(require.resolve(pkg));
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (json.name === pkg) return json.version;
    } catch { /* keep climbing */ }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export function summary(tool, version, checked, findings, extra = '') {
  console.log(`ecosystem check | ${tool} ${version} | checked: ${checked} | findings: ${findings}${extra ? ' | ' + extra : ''}`);
}
