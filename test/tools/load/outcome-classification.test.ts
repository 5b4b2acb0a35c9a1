// The locustfile's outcome rules, checked in Debian's Python against stub responses: what counts
// as a success, what as a failure, and the failure's name (Locust groups failures by that name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli-process.js';

// The interpreter Debian's locust runs under (its shebang), not whichever python3 is first on PATH.
const PYTHON = '/usr/bin/python3';

const PROBE = `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'tools', 'load'))})
import locustfile

class Stub:
    def __init__(self, status, body=None, error=None):
        self.status_code = status
        self._body = body
        if error is not None:
            self.error = error
    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body

P = "https://ticketpulse.example/problems/"
cases = {
    "sold-out on purchase": locustfile.classify(Stub(409, {"type": P + "sold-out"}), 201),
    "payment failed": locustfile.classify(Stub(502, {"type": P + "payment-failed"}), 201),
    "plain 502": locustfile.classify(Stub(502, {"type": "about:blank"}), 201),
    "503": locustfile.classify(Stub(503), 200),
    "connection refused": locustfile.classify(Stub(0, error=ConnectionRefusedError()), 200),
    "409 of another type": locustfile.classify(Stub(409, {"type": P + "idempotency-conflict"}), 201),
    "409 on a read": locustfile.classify(Stub(409, {"type": P + "sold-out"}), 200),
    "404 for a seeded concert": locustfile.classify(Stub(404, {"type": P + "not-found"}), 200),
    "created": locustfile.classify(Stub(201, {"id": "x"}), 201),
    "ok": locustfile.classify(Stub(200, {"id": "x"}), 200),
}
print(json.dumps(cases))
`;

test('the locustfile classifies outcomes per the contract, with bounded failure names', () => {
  const output = execFileSync(PYTHON, ['-c', PROBE], { encoding: 'utf8', timeout: 60_000 });
  const cases = JSON.parse(output.trim().split('\n').pop()!) as Record<string, string | null>;
  assert.deepEqual(cases, {
    'sold-out on purchase': null,
    'payment failed': 'payment-failed',
    'plain 502': 'server-error 502',
    '503': 'server-error 503',
    'connection refused': 'connection-error ConnectionRefusedError',
    '409 of another type': 'off-contract: status 409',
    '409 on a read': 'off-contract: status 409',
    '404 for a seeded concert': 'off-contract: status 404',
    created: null,
    ok: null,
  });
});
