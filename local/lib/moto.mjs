// moto in server mode on a free 127.0.0.1 port, started and stopped by the suite.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { startRecorder } from './aws-recorder.mjs';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function listening(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * @param options.recordTo  a file moto's recorder appends every request to (method, URL, headers,
 *                          body), once recording is started: who asked EC2, SSM and DynamoDB for what.
 */
export async function startMoto({ recordTo } = {}) {
  const port = await freePort();
  const env = recordTo ? { ...process.env, MOTO_RECORDER_FILEPATH: recordTo } : process.env;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const deadline = Date.now() + 30_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`moto.server exited: ${stderr}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('moto.server did not start within 30 s'); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const motoEndpoint = `http://127.0.0.1:${port}`;
  // With PIPELINE_AWS_REQUEST_LOG set, every client goes through the request recorder (IAM evaluation).
  const recorder = process.env.PIPELINE_AWS_REQUEST_LOG ? await startRecorder(motoEndpoint, process.env.PIPELINE_AWS_REQUEST_LOG) : null;
  const endpoint = recorder?.endpoint ?? motoEndpoint;
  return {
    endpoint,
    /** Forgets every resource, so each scenario starts from an empty account. */
    async reset() {
      const response = await fetch(`${motoEndpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    /** Starts recording requests afresh (to `recordTo`). */
    async record() {
      for (const call of ['reset-recording', 'start-recording']) {
        const response = await fetch(`${endpoint}/moto-api/recorder/${call}`, { method: 'POST' });
        if (!response.ok) throw new Error(`moto ${call} failed: ${response.status}`);
      }
    },
    async stop() {
      await recorder?.stop();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
      }
    },
  };
}
