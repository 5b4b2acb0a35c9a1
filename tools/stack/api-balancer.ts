// The front door of `npm start -- --replicas N`: one address for browsers, Locust and the dashboard,
// spread round-robin over the API replicas, as a Kubernetes Service or compose's DNS would. A
// replica that refuses the connection (crashed, restarting) is skipped and the request goes to the
// next; when none answers, a 503 problem says so. Nothing else is changed on the way.
import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ApiBalancer {
  server: Server;
  close(): Promise<void>;
}

const UNREACHABLE = new Set(['ECONNREFUSED']);

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
      outgoing.writeHead(503, { 'content-type': 'application/problem+json' });
      outgoing.end(
        JSON.stringify({
          type: 'https://ticketpulse.dev/problems/service-unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: 'No API replica is answering right now; try again shortly.',
        }),
      );
      return;
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
      // Only "never reached it" is retried elsewhere: a request a replica started may have sold tickets.
      if (UNREACHABLE.has(error.code ?? '')) {
        tryReplica(incoming, outgoing, body, (index + 1) % replicaPorts.length, tried + 1);
      } else {
        outgoing.writeHead(502, { 'content-type': 'application/problem+json' });
        outgoing.end(JSON.stringify({ type: 'about:blank', title: 'Bad gateway', status: 502, detail: 'The API replica failed mid-request.' }));
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
