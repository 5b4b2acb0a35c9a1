// Checks, before anything is spawned, that every port the stack needs is free — so a clash is one
// line naming the port and the flag to change it, not a child dying with EADDRINUSE in its logs.
import { createServer } from 'node:net';

export interface PortClaim {
  /** What wants it, e.g. "API". */
  service: string;
  port: number;
  /** How to change it, e.g. "--api-port or API_PORT". */
  override: string;
}

export class PortInUseError extends Error {
  constructor(readonly claim: PortClaim, host: string) {
    super(`port ${claim.port} (${claim.service}) is already in use on ${host}; free it or choose another with ${claim.override}`);
    this.name = 'PortInUseError';
  }
}

export class PortConflictError extends Error {
  constructor(a: PortClaim, b: PortClaim) {
    super(`port ${a.port} is configured for both ${a.service} and ${b.service}; change one with ${b.override}`);
    this.name = 'PortConflictError';
  }
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws PortConflictError or PortInUseError for the first problem found. */
export async function checkPortsFree(host: string, claims: PortClaim[]): Promise<void> {
  const seen = new Map<number, PortClaim>();
  for (const claim of claims) {
    const other = seen.get(claim.port);
    if (other) throw new PortConflictError(other, claim);
    seen.set(claim.port, claim);
  }
  for (const claim of claims) {
    if (!(await canListen(host, claim.port))) throw new PortInUseError(claim, host);
  }
}
