// grpc-js load generator for the gRPC benchmark (bench/Montage.Grpc.Bench): `concurrency` calls in flight (on one
// channel unless --channels says more), each worker starting its next call when the previous one ends, for `seconds`
// after a warm-up.
// Usage: node bench-client.js --address host:port --mode unary|stream [--concurrency 64] [--seconds 10]
//        [--warmup 3] [--stream-count 100] [--max-calls N]
//        [--channels 1] [--channel-options '{"grpc.enable_channelz":0}']
// Prints MEASURING when the warm-up ends, then one JSON line: { mode, warmupCalls, calls, messages, seconds, p50Ms,
// p99Ms, cpuMicros, measuredCpuMicros } (latency per call; CPU of this process over warm-up and measurement, and over
// the measurement alone).
'use strict';
const grpc = require('@grpc/grpc-js');
const { loadEcho } = require('./echo-proto');

function argument(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const address = argument('--address');
const mode = argument('--mode', 'unary');
const concurrency = Number(argument('--concurrency', '64'));
const seconds = Number(argument('--seconds', '10'));
const warmup = Number(argument('--warmup', '3'));
const streamCount = Number(argument('--stream-count', '100'));
const maxCalls = Number(argument('--max-calls', '100000000'));

const channels = Number(argument('--channels', '1'));
const channelOptions = JSON.parse(argument('--channel-options', '{}'));

const { EchoService } = loadEcho();
// With more than one channel each gets its own connection (a local subchannel pool), and the workers are spread over them.
const clients = Array.from({ length: channels }, () => new EchoService(address, grpc.credentials.createInsecure(),
  channels > 1 ? { ...channelOptions, 'grpc.use_local_subchannel_pool': 1 } : channelOptions));
const request = { message: 'benchmark message' };
const streamRequest = { message: 'benchmark message', count: streamCount };

function unaryCall(client) {
  return new Promise((resolve, reject) => client.Echo(request, (error) => (error ? reject(error) : resolve(1))));
}

function streamCall(client) {
  return new Promise((resolve, reject) => {
    let received = 0;
    const call = client.ServerStream(streamRequest);
    call.on('data', () => { received++; });
    call.on('error', reject);
    call.on('end', () => resolve(received));
  });
}

async function run(durationMs, record, limit) {
  const call = mode === 'stream' ? streamCall : unaryCall;
  const end = performance.now() + durationMs;
  const latencies = [];
  let calls = 0;
  let messages = 0;
  async function worker(_, index) {
    const client = clients[index % clients.length];
    while (performance.now() < end && calls < limit) {
      const started = performance.now();
      const received = await call(client);
      messages += received;
      calls++;
      if (record) latencies.push(performance.now() - started);
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { calls, messages, seconds: (performance.now() - started) / 1000, latencies };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const cpuBefore = process.cpuUsage();
  const warm = await run(warmup * 1000, false, maxCalls);
  // Tells the parent that the measured part starts, so it can read the servers' CPU counters at the same moment.
  process.stdout.write('MEASURING\n');
  const cpuMeasured = process.cpuUsage();
  const result = await run(seconds * 1000, true, maxCalls);
  const measured = process.cpuUsage(cpuMeasured);
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(result.latencies).sort();
  for (const client of clients) client.close();
  process.stdout.write(JSON.stringify({
    mode,
    warmupCalls: warm.calls,
    calls: result.calls,
    messages: result.messages,
    seconds: result.seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuMicros: cpu.user + cpu.system,
    measuredCpuMicros: measured.user + measured.system,
  }) + '\n');
  process.exit(0);
}

main().catch((error) => {
  console.error(String(error && error.stack || error));
  process.exit(1);
});
