// Stands in for `node:http` in the Lambda bundle only (the alias is in infra/adapter-function.ts).
//
// Why: esbuild keeps an ESM `import ... from "node:http"` (from @middy/util, @smithy's request
// handler) as it is, and for it Node builds an ES module facade that reads every export of
// node:http once. Two of them, WebSocket and MessageEvent, are lazy getters that load Node's
// own copy of undici (fetch, WebSocket, HTTP/2 client...): 10 to 20 ms of every cold start, for
// classes nothing here uses. A CommonJS module reads nothing up front: esbuild's interop reads
// each property when the code uses it.
//
// It must export the whole module object (undici's own require('node:http') comes here too and
// uses names no ESM importer names), never a list of names.
'use strict';
module.exports = process.getBuiltinModule('node:http');
