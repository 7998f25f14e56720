// Facts about the machine and tools a measurement was taken with.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const run = (command, args) => {
  try { return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
};

export function machineFacts() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const osRelease = (() => { try { return readFileSync('/etc/os-release', 'utf8'); } catch { return ''; } })();
  const runtimes = run('dotnet', ['--list-runtimes']) ?? '';
  return {
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? null,
    cores: os.cpus().length,
    memoryMiB: Math.round(Number(meminfo.match(/^MemTotal:\s+(\d+) kB/m)?.[1] ?? 0) / 1024),
    kernel: os.release(),
    os: osRelease.match(/^PRETTY_NAME="?([^"\n]+)"?/m)?.[1] ?? null,
    dotnetSdk: run('dotnet', ['--version']),
    dotnetRuntime: runtimes.match(/^Microsoft\.NETCore\.App (\S+)/m)?.[1] ?? null,
    nodeHarness: process.version,
    nodeOnPath: run('node', ['--version']),
    moto: run('python3', ['-c', 'import moto; print(moto.__version__)']),
  };
}
