// The front door of `npm start -- --replicas N`: one address for browsers, Locust and the dashboard,
// spread round-robin over the API replicas, as a Kubernetes Service or compose's DNS would. A
// replica that refuses the connection (crashed, restarting) is skipped and the request goes to the
// next; when none answers, a 503 problem says so. A replica that dies while it handles a request
// may have done it (sold the tickets): the request goes to the next replica only when sending it
// again is safe (a read, a PUT, a purchase with an Idempotency-Key, which the API answers with the
// original order if the sale was committed); otherwise the answer is the API's own 504
// outcome-unknown problem, never a plain "bad gateway" that a buyer reads as "not sold".
// Nothing else is changed on the way.
import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PROBLEM_TYPES, problemTypeUri, type ProblemCode } from '../../packages/contract/index.js';

export interface ApiBalancer {
  server: Server;
  close(): Promise<void>;
}

const UNREACHABLE = new Set(['ECONNREFUSED']);
const REPEATABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether a request a replica may already have carried out can be sent again without doing it twice. */
export function safeToResend(incoming: Pick<IncomingMessage, 'method' | 'headers'>): boolean {
  const method = incoming.method ?? 'GET';
  return REPEATABLE_METHODS.has(method) || (method === 'POST' && typeof incoming.headers['idempotency-key'] === 'string');
}

function answerProblem(outgoing: ServerResponse, code: ProblemCode, detail: string): void {
  const { status, title, retryAfterSeconds } = PROBLEM_TYPES[code] as { status: number; title: string; retryAfterSeconds?: number };
  outgoing.writeHead(status, { 'content-type': 'application/problem+json', ...(retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {}) });
  outgoing.end(JSON.stringify({ type: problemTypeUri(code), title, status, detail }));
}

export async function startApiBalancer(host: string, port: number, replicaPorts: number[]): Promise<ApiBalancer> {
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    // The body is buffered so that a request refused by one replica can be sent to the next intact.
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const start = next;
      next = (next + 1) % replicaPorts.length;
      tryReplica(incoming, outgoing, Buffer.concat(chunks), start, 0);
    });
  });

  function tryReplica(incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer, index: number, tried: number): void {
    if (tried === replicaPorts.length) {
      return answerProblem(outgoing, 'service-unavailable', 'No API replica is answering right now; try again shortly.');
    }
    const upstream = forward(
      { host, port: replicaPorts[index], method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (outgoing.headersSent) return outgoing.destroy();
      if (UNREACHABLE.has(error.code ?? '') || safeToResend(incoming)) {
        tryReplica(incoming, outgoing, body, (index + 1) % replicaPorts.length, tried + 1);
      } else {
        answerProblem(
          outgoing,
          'outcome-unknown',
          'The API replica stopped while handling this request: it may or may not have taken effect. Send purchases with an Idempotency-Key so that a retry returns the committed order, or check before buying again.',
        );
      }
    });
    upstream.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
