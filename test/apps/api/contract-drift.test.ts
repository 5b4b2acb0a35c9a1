import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { PROBLEM_BASE, PROBLEM_TYPES, type ProblemCode } from '../../../apps/api/errors.js';
import { buildTestApp, type TestApp } from '../../support/app.js';
import { repoPath } from '../../../packages/shared/repo-root.js';

/**
 * docs/api.md (the contract in words) against the OpenAPI document the app serves: the same
 * operations, the same statuses per operation, the same problem types per status, the same
 * chaos faults and the same version. Every difference is reported as one line naming the
 * operation, status or type and the side that lacks it, so reconciling after a merge is mechanical.
 *
 * What is read from docs/api.md:
 * - `### METHOD /path` headings are operations; `(outside the OpenAPI document)` after the path
 *   marks one the document deliberately leaves out (it must still be served);
 * - in an operation's section, table rows `| <status> | <problem codes in backticks, or —> | … |`;
 * - under `## Problem types`, rows `| \`code\` | status | title | … |`;
 * - under `## Answers any request can get`, rows like an operation's: types not tied to one operation;
 * - rows `| \`field\` | … |` of the table whose header starts `| field | fault |`: the chaos faults;
 * - `Contract version: **x.y.z**` and the first `### x.y.z` under `## Changelog`.
 */

const DOC_PATH = repoPath('docs', 'api.md');
const DOC = 'docs/api.md';
const OPENAPI = '/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** status → problem codes, per operation ("GET /api/concerts/{id}"). */
type Operations = Map<string, Map<string, Set<string>>>;

interface ContractDoc {
  version: string | undefined;
  changelogVersion: string | undefined;
  operations: Operations;
  outsideOpenApi: string[];
  catalog: Map<string, { status: number; title: string }>;
  anyRequestTypes: Set<string>;
  faults: Set<string>;
}

const CODES_IN_CELL = /`([a-z0-9-]+)`/g;

function parseContractDoc(markdown: string): ContractDoc {
  const doc: ContractDoc = {
    version: /^Contract version: \*\*(\d+\.\d+\.\d+)\*\*/m.exec(markdown)?.[1],
    changelogVersion: undefined,
    operations: new Map(),
    outsideOpenApi: [],
    catalog: new Map(),
    anyRequestTypes: new Set(),
    faults: new Set(),
  };
  let section = '';
  let operation: Map<string, Set<string>> | undefined;
  let inFaultTable = false;
  for (const line of markdown.split('\n')) {
    const h2 = /^## (.+)$/.exec(line);
    if (h2) {
      section = h2[1]!.trim();
      operation = undefined;
      continue;
    }
    const h3 = /^### (.+)$/.exec(line);
    if (h3) {
      operation = undefined;
      const heading = h3[1]!.trim();
      const route = /^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) (\/\S*)( \(outside the OpenAPI document\))?$/.exec(heading);
      if (route) {
        const key = `${route[1]} ${route[2]}`;
        if (route[3]) doc.outsideOpenApi.push(key);
        else doc.operations.set(key, (operation = new Map()));
      } else if (section === 'Changelog' && doc.changelogVersion === undefined) {
        doc.changelogVersion = /^(\d+\.\d+\.\d+)\b/.exec(heading)?.[1];
      }
      continue;
    }
    if (/^\| field \| fault \|/.test(line)) inFaultTable = true;
    else if (!line.startsWith('|')) inFaultTable = false;
    const cells = line.startsWith('|') ? line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()) : [];
    if (cells.length < 2) continue;

    const statusRow = /^\d{3}$/.test(cells[0]!) ? { status: cells[0]!, codes: [...cells[1]!.matchAll(CODES_IN_CELL)].map((m) => m[1]!) } : undefined;
    if (operation && statusRow) {
      const codes = operation.get(statusRow.status) ?? new Set<string>();
      for (const code of statusRow.codes) codes.add(code);
      operation.set(statusRow.status, codes);
    } else if (section === 'Answers any request can get' && statusRow) {
      for (const code of statusRow.codes) doc.anyRequestTypes.add(code);
    } else if (section === 'Problem types' && /^`[a-z0-9-]+`$/.test(cells[0]!) && /^\d{3}$/.test(cells[1]!)) {
      doc.catalog.set(cells[0]!.slice(1, -1), { status: Number(cells[1]), title: cells[2] ?? '' });
    } else if (inFaultTable && /^`[A-Za-z]+`$/.test(cells[0]!)) {
      doc.faults.add(cells[0]!.slice(1, -1));
    }
  }
  return doc;
}

interface OpenApiDocument {
  info: { version: string };
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}
interface OpenApiResponse {
  content?: Record<string, { examples?: Record<string, { value?: { type?: string } }> }>;
}

function operationsOf(openapi: OpenApiDocument): Operations {
  const operations: Operations = new Map();
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const statuses = new Map<string, Set<string>>();
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const codes = new Set<string>();
        for (const media of Object.values(response.content ?? {})) {
          for (const example of Object.values(media.examples ?? {})) {
            const type = example.value?.type;
            if (type) codes.add(type.startsWith(PROBLEM_BASE) ? type.slice(PROBLEM_BASE.length) : type);
          }
        }
        statuses.set(status, codes);
      }
      operations.set(`${method.toUpperCase()} ${path}`, statuses);
    }
  }
  return operations;
}

/** One line per difference: what, and which side lacks it. Empty when the two agree. */
function compareOperations(documented: Operations, served: Operations): string[] {
  const differences: string[] = [];
  const lacks = (what: string, has: string, lacking: string) => differences.push(`${what}: in ${has}, missing in ${lacking}`);
  for (const [name, statuses] of documented) {
    const other = served.get(name);
    if (!other) {
      lacks(`operation ${name}`, DOC, OPENAPI);
      continue;
    }
    for (const [status, codes] of statuses) {
      const otherCodes = other.get(status);
      if (!otherCodes) {
        lacks(`${name} status ${status}`, DOC, OPENAPI);
        continue;
      }
      for (const code of codes) if (!otherCodes.has(code)) lacks(`${name} ${status} problem type \`${code}\``, DOC, OPENAPI);
      for (const code of otherCodes) if (!codes.has(code)) lacks(`${name} ${status} problem type \`${code}\``, OPENAPI, DOC);
    }
    for (const status of other.keys()) if (!statuses.has(status)) lacks(`${name} status ${status}`, OPENAPI, DOC);
  }
  for (const name of served.keys()) if (!documented.has(name)) lacks(`operation ${name}`, OPENAPI, DOC);
  return differences;
}

const report = (differences: string[]) => `docs/api.md and the API disagree:\n  ${differences.join('\n  ')}`;

describe('docs/api.md agrees with the OpenAPI document the API serves', () => {
  let test: TestApp;
  let openapi: OpenApiDocument;
  const doc = parseContractDoc(readFileSync(DOC_PATH, 'utf8'));

  before(async () => {
    test = await buildTestApp('postgres');
    const response = await test.app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    openapi = response.json();
  });
  after(() => test?.close());

  it('lists the same operations, statuses and problem types per status', () => {
    assert.ok(doc.operations.size >= 9, `docs/api.md lists ${doc.operations.size} operations; the parser reads "### METHOD /path" headings`);
    const differences = compareOperations(doc.operations, operationsOf(openapi));
    assert.deepEqual(differences, [], report(differences));
  });

  it('catalogues exactly the problem types the code defines, each used by an operation or by any request', () => {
    const differences: string[] = [];
    const code = 'apps/api/errors.ts PROBLEM_TYPES';
    for (const [type, { status, title }] of Object.entries(PROBLEM_TYPES)) {
      const documented = doc.catalog.get(type);
      if (!documented) differences.push(`problem type \`${type}\` (${status}): in ${code}, missing in ${DOC} "Problem types"`);
      else if (documented.status !== status || documented.title !== title) {
        differences.push(`problem type \`${type}\`: ${code} says ${status} "${title}", ${DOC} says ${documented.status} "${documented.title}"`);
      }
    }
    for (const type of doc.catalog.keys()) {
      if (!(type in PROBLEM_TYPES)) differences.push(`problem type \`${type}\`: in ${DOC} "Problem types", missing in ${code}`);
    }
    const used = new Set([...operationsOf(openapi).values()].flatMap((statuses) => [...statuses.values()].flatMap((codes) => [...codes])));
    for (const type of used) {
      if (!(type in PROBLEM_TYPES)) differences.push(`problem type \`${type}\`: in ${OPENAPI}, missing in ${code}`);
    }
    for (const type of Object.keys(PROBLEM_TYPES)) {
      if (!used.has(type) && !doc.anyRequestTypes.has(type)) {
        differences.push(`problem type \`${type}\`: on no operation in ${OPENAPI} and not under "Answers any request can get" in ${DOC}`);
      }
    }
    for (const type of doc.anyRequestTypes) {
      if (!(type in PROBLEM_TYPES)) differences.push(`problem type \`${type}\`: under "Answers any request can get" in ${DOC}, missing in ${code}`);
    }
    assert.deepEqual(differences, [], report(differences));
  });

  it('answers with the status and title the catalogue gives each problem type', async () => {
    const answers: Array<[ProblemCode, InjectOptions]> = [
      ['invalid-request', { url: '/api/concerts?limit=0' }],
      ['unauthorized', { url: '/api/admin/chaos' }],
      ['concert-not-found', { url: '/api/concerts/00000000-0000-4000-8000-000000000000' }],
      ['order-not-found', { url: '/api/orders/00000000-0000-4000-8000-000000000000' }],
      ['not-found', { url: '/no-such-path' }],
      ['payload-too-large', { method: 'POST', url: '/api/concerts', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(70_000) }],
      ['unsupported-media-type', { method: 'POST', url: '/api/concerts', headers: { 'content-type': 'text/xml' }, payload: '<concert/>' }],
    ];
    const differences: string[] = [];
    for (const [code, request] of answers) {
      const response = await test.app.inject(request);
      const body = response.json();
      const expected = { type: PROBLEM_BASE + code, ...PROBLEM_TYPES[code] };
      const got = { type: body.type, status: response.statusCode, title: body.title };
      if (JSON.stringify(got) !== JSON.stringify({ type: expected.type, status: expected.status, title: expected.title })) {
        differences.push(`\`${code}\`: answered ${JSON.stringify(got)}, PROBLEM_TYPES says ${expected.status} "${expected.title}"`);
      }
    }
    assert.deepEqual(differences, [], differences.join('\n'));
  });

  it('lists the same chaos faults as the admin API accepts', () => {
    const accepted = new Set(Object.keys(openapi.components?.schemas?.ChaosSettings?.properties ?? {}));
    assert.ok(accepted.size > 0, 'the OpenAPI document has a ChaosSettings schema');
    const differences = [
      ...[...doc.faults].filter((f) => !accepted.has(f)).map((f) => `chaos fault \`${f}\`: in ${DOC}, missing in ${OPENAPI} ChaosSettings`),
      ...[...accepted].filter((f) => !doc.faults.has(f)).map((f) => `chaos fault \`${f}\`: in ${OPENAPI} ChaosSettings, missing in ${DOC} faults table`),
    ];
    assert.deepEqual(differences, [], report(differences));
  });

  it('states the version the OpenAPI document serves, with a changelog entry for it', () => {
    assert.equal(doc.version, openapi.info.version, `${DOC} "Contract version" vs ${OPENAPI} info.version`);
    assert.equal(doc.changelogVersion, doc.version, `the first entry of ${DOC} "Changelog" is the current version`);
  });

  it('serves the routes it documents outside the OpenAPI document, and only those are missing from it', async () => {
    assert.deepEqual(doc.outsideOpenApi.sort(), ['GET /docs', 'GET /metrics', 'GET /openapi.json']);
    for (const route of doc.outsideOpenApi) {
      const [method, url] = route.split(' ') as ['GET', string];
      const response = await test.app.inject({ method, url });
      assert.ok(response.statusCode < 400, `${route} answers ${response.statusCode}`);
      assert.equal(openapi.paths[url], undefined, `${route} is documented as outside the OpenAPI document`);
    }
  });

  it('reports a status, a problem type or an operation added on one side only, naming it and the side', () => {
    const served = operationsOf(openapi);
    const withExtra: Operations = new Map([...served].map(([name, statuses]) => [name, new Map([...statuses].map(([s, c]) => [s, new Set(c)]))]));
    withExtra.get('POST /api/concerts/{id}/orders')!.set('418', new Set(['teapot']));
    withExtra.get('GET /readyz')!.get('503')!.add('overloaded');
    withExtra.set('DELETE /api/orders/{id}', new Map([['204', new Set()]]));
    assert.deepEqual(compareOperations(doc.operations, withExtra).sort(), [
      `GET /readyz 503 problem type \`overloaded\`: in ${OPENAPI}, missing in ${DOC}`,
      `POST /api/concerts/{id}/orders status 418: in ${OPENAPI}, missing in ${DOC}`,
      `operation DELETE /api/orders/{id}: in ${OPENAPI}, missing in ${DOC}`,
    ]);
    const docWithExtra = parseContractDoc(`${readFileSync(DOC_PATH, 'utf8')}\n## More\n\n### PATCH /api/concerts/{id}\n\n| status | problem type | when |\n|---|---|---|\n| 200 | — | x |\n`);
    assert.deepEqual(compareOperations(docWithExtra.operations, served), [`operation PATCH /api/concerts/{id}: in ${DOC}, missing in ${OPENAPI}`]);
  });
});
