// Records every AWS request a function makes, on its way to moto, for the IAM evaluation in
// tests/Ecosystem (iam.test.mjs). A proxy in front of moto, enabled by PIPELINE_AWS_REQUEST_LOG=<file>:
// each request becomes one JSON line naming the handler (the harness sets the SDK's user-agent app id
// to "<Handler>-<settings hash>"), the service (from the signature's credential scope), the wire
// request, and, for requests that name instances, those instances' tags at that moment (IAM decides
// on the tags an instance has when it is asked, which a later snapshot could no longer tell).
import { createServer, request as httpRequest } from 'node:http';
import { appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { settingsHash } from './settings-hash.mjs';
import { EC2Client, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { REGION } from './stack.mjs';

/** The user-agent app id for a handler running with these settings (the IAM check matches the synthesized settings by it). */
export function appId(handler, settingsJson) {
  return `${handler}-${settingsHash(settingsJson)}`;
}


function instanceIdsOf(service, url, body, target) {
  if (service === 'ec2') {
    const params = new URLSearchParams(body || url.split('?')[1] || '');
    return [...params.entries()].filter(([k]) => /^InstanceId\.\d+$/.test(k)).map(([, v]) => v);
  }
  if (service === 'ssm' && target === 'AmazonSSM.SendCommand') {
    try { return JSON.parse(body).InstanceIds ?? []; } catch { return []; }
  }
  return [];
}

async function serve(motoEndpoint, logFile) {
  const ec2 = new EC2Client({ endpoint: motoEndpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const target = new URL(motoEndpoint);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const ua = req.headers['user-agent'] ?? '';
      const app = ua.match(/(?:^| )app\/([A-Za-z]+)-([0-9a-f]{12})(?: |$)/);
      const fromFunction = ua.includes('aws-sdk-dotnet');
      if (fromFunction) {
        const service = (req.headers.authorization ?? '').match(/Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//)?.[1] ?? 'unknown';
        const text = body.toString('utf8');
        const amzTarget = req.headers['x-amz-target'] ?? null;
        const ids = instanceIdsOf(service, req.url, text, amzTarget);
        let instances = {};
        if (ids.length > 0) {
          try {
            const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
            for (const i of out.Reservations.flatMap((r) => r.Instances)) {
              instances[i.InstanceId] = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]));
            }
          } catch { instances = {}; /* an unknown id: IAM would see an instance without tags */ }
        }
        appendFileSync(logFile, JSON.stringify({
          // The emulator's own reads (src/Functions/Hosting/PortFactory.cs) are no call of a deployed function.
          emulator: / app\/emulator(?: |$)/.test(ua),
          handler: app?.[1] ?? null,
          settingsHash: app?.[2] ?? null,
          service,
          method: req.method,
          url: req.url,
          target: amzTarget,
          contentType: req.headers['content-type'] ?? null,
          body: text.length > 20000 ? text.slice(0, 20000) : text,
          instances,
        }) + '\n');
      }
      const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
        res.writeHead(upstream.statusCode, upstream.headers);
        upstream.pipe(res);
      });
      forward.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      forward.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return port;
}

/**
 * Starts the recorder in a process of its own: the suites also run the bootstrap with spawnSync,
 * which blocks their event loop, so a recorder inside the suite's process could never answer.
 */
export async function startRecorder(motoEndpoint, logFile) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), motoEndpoint, logFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening (\d+)\n/);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the AWS request recorder exited (${code}) before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
      }
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [motoEndpoint, logFile] = process.argv.slice(2);
  const port = await serve(motoEndpoint, logFile);
  process.stdout.write(`listening ${port}\n`);
}
