// Loads the sample EchoService from the same echo.proto the .NET side compiles, so both peers share one contract.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoPath = path.resolve(__dirname, '../Montage.Grpc.Testing/Protos/montage/testing/v1/echo.proto');
const loaderOptions = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

function loadEcho() {
  const packageDefinition = protoLoader.loadSync(protoPath, loaderOptions);
  const proto = grpc.loadPackageDefinition(packageDefinition);
  return { packageDefinition, EchoService: proto.montage.testing.v1.EchoService };
}

module.exports = { loadEcho, protoPath, loaderOptions };
