// A grpc-js client of the standard server reflection service (grpc.reflection.v1, falling back to v1alpha), using
// the reflection.proto that ships with @grpc/reflection: lists the services, fetches the file that declares
// montage.testing.v1.EchoService, loads it as a descriptor set and calls Echo through it.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { loaderOptions } = require('./echo-proto');

const reflectionProtos = path.dirname(require.resolve('@grpc/reflection/package.json'));

function reflectionClient(address, version) {
  const file = path.join(reflectionProtos, 'build', 'proto', 'grpc', 'reflection', version, 'reflection.proto');
  const definition = protoLoader.loadSync(file, loaderOptions);
  const ServerReflection = grpc.loadPackageDefinition(definition).grpc.reflection[version].ServerReflection;
  return new ServerReflection(address, grpc.credentials.createInsecure());
}

// Sends the requests on one ServerReflectionInfo stream and collects one response per request.
function ask(client, requests) {
  return new Promise((resolve, reject) => {
    const responses = [];
    const call = client.ServerReflectionInfo({ deadline: new Date(Date.now() + 30_000) });
    call.on('data', (response) => {
      responses.push(response);
      if (responses.length === requests.length) call.end();
    });
    call.on('error', reject);
    call.on('end', () => resolve(responses));
    for (const request of requests) call.write(request);
  });
}

// FileDescriptorSet { repeated FileDescriptorProto file = 1; }: each file as field 1, length-delimited.
function descriptorSet(files) {
  const parts = [];
  for (const file of files) {
    const length = [];
    let n = file.length;
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      length.push(byte);
    } while (n);
    parts.push(Buffer.from([0x0a, ...length]), file);
  }
  return Buffer.concat(parts);
}

async function roundTrip(address) {
  let version = 'v1';
  let client = reflectionClient(address, version);
  let listed;
  try {
    listed = await ask(client, [{ listServices: '' }]);
  } catch (error) {
    if (error.code !== grpc.status.UNIMPLEMENTED) throw error;
    client.close();
    version = 'v1alpha';
    client = reflectionClient(address, version);
    listed = await ask(client, [{ listServices: '' }]);
  }
  const services = listed[0].listServicesResponse.service.map((s) => s.name);

  const [fileResponse] = await ask(client, [{ fileContainingSymbol: 'montage.testing.v1.EchoService' }]);
  client.close();
  if (fileResponse.errorResponse) {
    return { version, services, error: `reflection error ${fileResponse.errorResponse.errorCode}: ${fileResponse.errorResponse.errorMessage}` };
  }
  const files = fileResponse.fileDescriptorResponse.fileDescriptorProto;

  const definition = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(files), loaderOptions);
  const EchoService = grpc.loadPackageDefinition(definition).montage.testing.v1.EchoService;
  const echo = new EchoService(address, grpc.credentials.createInsecure());
  const response = await new Promise((resolve, reject) => {
    echo.Echo({ message: 'via reflection' }, { deadline: new Date(Date.now() + 30_000) }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  echo.close();
  return { version, services, fileCount: files.length, methods: Object.keys(EchoService.service), echoed: response.message };
}

module.exports = { roundTrip };
