// A grpc-js client that runs the interop scenarios against an EchoService server and prints what it observed as
// one JSON object (scenario name -> observations, or { error }). The .NET tests make the assertions.
// Usage: node interop-client.js --address 127.0.0.1:PORT [--only name,name]
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { loadEcho, loaderOptions } = require('./echo-proto');

function argument(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const address = argument('--address');
if (!address) {
  console.error('usage: node interop-client.js --address host:port [--only a,b]');
  process.exit(2);
}

const { EchoService } = loadEcho();
const client = new EchoService(address, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 30_000);

function unary(target, method, request, options = {}) {
  return new Promise((resolve) => {
    let headers = null;
    const call = target[method](request, options.metadata || new grpc.Metadata(), { deadline: options.deadline || deadline() }, (error, response) => {
      if (error) resolve({ error, headers });
      else resolve({ response, headers, call });
    });
    call.on('metadata', (metadata) => { headers = metadata; });
    call.on('status', (status) => { call.finalStatus = status; });
  });
}

function statusOf(error) {
  return { code: error.code, details: error.details };
}

function metadataValue(metadata, key) {
  if (!metadata) return null;
  const values = metadata.get(key);
  if (values.length === 0) return null;
  return Buffer.isBuffer(values[0]) ? values[0].toString('base64') : values[0];
}

const scenarios = {
  async unary() {
    const { error, response } = await unary(client, 'Echo', { message: 'hello', responseSize: 3 });
    if (error) return statusOf(error);
    return { code: 0, message: response.message, payloadLength: response.payload.length };
  },

  server_streaming() {
    return new Promise((resolve) => {
      const indexes = [];
      const messages = [];
      const call = client.ServerStream({ message: 'tick', count: 5 }, { deadline: deadline() });
      call.on('data', (response) => { indexes.push(response.index); messages.push(response.message); });
      call.on('error', (error) => resolve({ ...statusOf(error), indexes }));
      call.on('status', (status) => { if (status.code === 0) resolve({ code: 0, indexes, messages }); });
    });
  },

  client_streaming() {
    return new Promise((resolve) => {
      const call = client.ClientStream({ deadline: deadline() }, (error, response) => {
        if (error) resolve(statusOf(error));
        else resolve({ code: 0, message: response.message, count: response.count });
      });
      for (const part of ['a', 'b', 'c']) call.write({ message: part });
      call.end();
    });
  },

  duplex() {
    return new Promise((resolve) => {
      const received = [];
      const call = client.Duplex({ deadline: deadline() });
      let sent = 0;
      const sendNext = () => {
        if (sent < 3) call.write({ message: `m${sent++}` });
        else call.end();
      };
      // Each request is written only after the previous answer arrived: both directions stay open together.
      call.on('data', (response) => { received.push({ message: response.message, index: response.index }); sendNext(); });
      call.on('error', (error) => resolve({ ...statusOf(error), received }));
      call.on('status', (status) => { if (status.code === 0) resolve({ code: 0, received }); });
      sendNext();
    });
  },

  async deadline() {
    const started = Date.now();
    const { error } = await unary(client, 'Echo', { message: 'slow', delayMs: 20_000 }, { deadline: new Date(Date.now() + 300) });
    return error ? { ...statusOf(error), elapsedMs: Date.now() - started } : { code: 0 };
  },

  cancel_stream() {
    return new Promise((resolve) => {
      let received = 0;
      const call = client.ServerStream({ message: 'long', count: 1000, intervalMs: 20 }, { deadline: deadline() });
      call.on('data', () => {
        received++;
        if (received === 3) call.cancel();
      });
      call.on('error', async (error) => {
        // The channel must still serve calls after a stream was reset in the middle.
        const after = await unary(client, 'Echo', { message: 'still here' });
        resolve({ ...statusOf(error), received, after: after.error ? statusOf(after.error) : after.response.message });
      });
      call.on('status', (status) => { if (status.code === 0) resolve({ code: 0, received }); });
    });
  },

  async too_large_request() {
    const { error } = await unary(client, 'Echo', { message: 'big', payload: Buffer.alloc(5 * 1024 * 1024) });
    return error ? statusOf(error) : { code: 0 };
  },

  async too_large_response() {
    const { error } = await unary(client, 'Echo', { message: 'big', responseSize: 5 * 1024 * 1024 });
    return error ? statusOf(error) : { code: 0 };
  },

  async metadata() {
    const metadata = new grpc.Metadata();
    metadata.add('x-echo-text', 'plain value');
    metadata.add('x-echo-data-bin', Buffer.from([0, 1, 2, 250, 255, 10, 13]));
    const result = await unary(client, 'Echo', { message: 'meta', echoMetadata: true }, { metadata });
    if (result.error) return statusOf(result.error);
    const trailers = result.call.finalStatus ? result.call.finalStatus.metadata : null;
    return {
      code: 0,
      headerText: metadataValue(result.headers, 'x-echo-text'),
      headerBin: metadataValue(result.headers, 'x-echo-data-bin'),
      trailerText: metadataValue(trailers, 'x-echo-text'),
      trailerBin: metadataValue(trailers, 'x-echo-data-bin'),
    };
  },

  async error_status() {
    const metadata = new grpc.Metadata();
    metadata.add('x-echo-reason', 'testing');
    const request = { message: 'fail', failCode: grpc.status.NOT_FOUND, failMessage: 'Ünïcödé job ✓ not found: 100% gone\t(really)', echoMetadata: true };
    const { error } = await unary(client, 'Echo', request, { metadata });
    if (!error) return { code: 0 };
    return { ...statusOf(error), trailerReason: metadataValue(error.metadata, 'x-echo-reason') };
  },

  async gzip() {
    const gzipClient = new EchoService(address, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
    const message = 'compressible text '.repeat(4000);
    const unaryResult = await unary(gzipClient, 'Echo', { message, responseSize: 64 * 1024 });
    if (unaryResult.error) return statusOf(unaryResult.error);
    const streamed = await new Promise((resolve) => {
      const call = gzipClient.ClientStream({ deadline: deadline() }, (error, response) => resolve(error ? { error } : { response }));
      call.write({ message });
      call.write({ message: '!' });
      call.end();
    });
    gzipClient.close();
    if (streamed.error) return statusOf(streamed.error);
    return {
      code: 0,
      unaryEchoed: unaryResult.response.message === message,
      payloadLength: unaryResult.response.payload.length,
      streamedEchoed: streamed.response.message === message + '!',
    };
  },

  async reflection() {
    return require('./reflection-client').roundTrip(address);
  },
};

async function main() {
  const only = argument('--only');
  const names = only ? only.split(',') : Object.keys(scenarios);
  const results = {};
  for (const name of names) {
    try {
      results[name] = await Promise.race([
        scenarios[name](),
        new Promise((_, reject) => setTimeout(() => reject(new Error('scenario timed out after 60 s')), 60_000)),
      ]);
    } catch (error) {
      results[name] = { error: String(error && error.stack || error) };
    }
  }
  client.close();
  process.stdout.write(JSON.stringify(results) + '\n');
  process.exit(0);
}

main();
