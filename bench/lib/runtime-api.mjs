// A small Lambda Runtime API (2018-06-01) of the benchmark's own: enough of the real one for a
// custom runtime to fetch invocations and post results. It timestamps each invocation twice:
// when /invocation/next hands the event over and when /response (or /error) arrives, so handler
// time is measured here, outside the process under test.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const PREFIX = '/2018-06-01/runtime/';
const FUNCTION_ARN = 'arn:aws:lambda:ap-northeast-2:123456789012:function:bench';

export async function startRuntimeApi() {
  const queue = [];        // events not yet fetched
  const waiting = [];      // /next requests parked until an event arrives
  const byId = new Map();  // requestId -> record
  const listeners = new Set();
  let firstNextAt = null;

  const deliver = (res, record) => {
    record.deliveredAt = performance.now();
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': record.requestId,
      'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
      'lambda-runtime-invoked-function-arn': FUNCTION_ARN,
      'lambda-runtime-trace-id': `Root=1-${Date.now().toString(16)}-${record.requestId.replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    res.end(record.payload);
  };

  const finish = (record, kind, body, errorType) => {
    record.answeredAt = performance.now();
    record.kind = kind;
    record.body = body;
    record.errorType = errorType ?? null;
    for (const listener of listeners) listener(record);
  };

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = req.url.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : null;
      if (req.method === 'GET' && path === 'invocation/next') {
        firstNextAt ??= performance.now();
        const record = queue.shift();
        if (record) deliver(res, record);
        else {
          waiting.push(res);
          res.on('close', () => { const i = waiting.indexOf(res); if (i >= 0) waiting.splice(i, 1); });
        }
        return;
      }
      const match = req.method === 'POST' && path?.match(/^invocation\/([^/]+)\/(response|error)$/);
      if (match) {
        const record = byId.get(decodeURIComponent(match[1]));
        if (!record) { res.writeHead(400).end('{"errorMessage":"unknown request id"}'); return; }
        finish(record, match[2], Buffer.concat(chunks).toString('utf8'), req.headers['lambda-runtime-function-error-type']);
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        return;
      }
      if (req.method === 'POST' && path === 'init/error') {
        const body = Buffer.concat(chunks).toString('utf8');
        for (const listener of listeners) listener({ kind: 'init-error', body, answeredAt: performance.now() });
        res.writeHead(202).end('{"status":"OK"}');
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    address: `127.0.0.1:${port}`,
    get firstNextAt() { return firstNextAt; },
    /** Queues one invocation; resolves with its record once the function answered it. */
    invoke(payload) {
      const record = { requestId: randomUUID(), payload: JSON.stringify(payload), deliveredAt: null, answeredAt: null };
      byId.set(record.requestId, record);
      const done = new Promise((resolve) => {
        const listener = (r) => {
          if (r === record || r.kind === 'init-error') { listeners.delete(listener); resolve(r); }
        };
        listeners.add(listener);
      });
      const parked = waiting.shift();
      if (parked) deliver(parked, record);
      else queue.push(record);
      return done;
    },
    async close() {
      for (const res of waiting.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
