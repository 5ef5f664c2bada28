// A grpc-js server of the sample EchoService (montage.testing.v1), with server reflection.
// Usage: node echo-server.js [--port N]   (0 or absent: a free port). Prints "LISTENING <port>" once ready.
'use strict';
const grpc = require('@grpc/grpc-js');
const { ReflectionService } = require('@grpc/reflection');
const { loadEcho } = require('./echo-proto');

function argument(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function echoedMetadata(call) {
  const metadata = new grpc.Metadata();
  for (const [key, values] of Object.entries(call.metadata.getMap())) {
    if (key.startsWith('x-echo-')) {
      for (const value of call.metadata.get(key)) metadata.add(key, value);
    }
  }
  return metadata;
}

// Resolves after `ms` unless the call is cancelled first (then resolves false).
function wait(call, ms) {
  if (!ms) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    call.on('cancelled', () => { clearTimeout(timer); resolve(false); });
  });
}

function response(message, index, size, count) {
  return { message, index: index || 0, payload: Buffer.alloc(size || 0, 0x61), count: count || 0 };
}

const handlers = {
  async Echo(call, callback) {
    const request = call.request;
    const trailers = request.echoMetadata ? echoedMetadata(call) : undefined;
    if (request.echoMetadata) call.sendMetadata(echoedMetadata(call));
    if (!(await wait(call, request.delayMs))) return;
    if (request.failCode) {
      callback({ code: request.failCode, details: request.failMessage, metadata: trailers });
      return;
    }
    callback(null, response(request.message, 0, request.responseSize), trailers);
  },

  async ServerStream(call) {
    const request = call.request;
    for (let i = 0; i < request.count; i++) {
      if (request.failAfter && i === request.failAfter) {
        call.emit('error', { code: request.failCode || grpc.status.INTERNAL, details: `failed after ${i} responses` });
        return;
      }
      if (i > 0 && !(await wait(call, request.intervalMs))) return;
      if (call.cancelled) return;
      call.write(response(request.message, i, request.responseSize));
    }
    call.end();
  },

  ClientStream(call, callback) {
    const messages = [];
    call.on('data', (request) => messages.push(request.message));
    call.on('end', () => callback(null, { message: messages.join(''), count: messages.length, index: 0, payload: Buffer.alloc(0) }));
    call.on('error', () => {});
  },

  Duplex(call) {
    let index = 0;
    call.on('data', (request) => {
      if (request.failCode) {
        call.emit('error', { code: request.failCode, details: request.failMessage });
        return;
      }
      call.write(response(request.message, index++, request.responseSize));
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
};

const { packageDefinition, EchoService } = loadEcho();
const server = new grpc.Server();
server.addService(EchoService.service, handlers);
new ReflectionService(packageDefinition).addToServer(server);
server.bindAsync(`127.0.0.1:${argument('--port', '0')}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`LISTENING ${port}`);
});

// Ends with the test process: stdin closes when the parent goes away.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
