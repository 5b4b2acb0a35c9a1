import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP pass-through between this process's connection pool and PostgreSQL, so a staged database
 * outage is real at the connection level: while `outage` is on, open connections are cut and new
 * ones are closed as soon as they arrive, exactly what the driver sees when the server or the
 * network goes away. It listens on loopback only, on a port the system picks.
 */
export interface DatabaseFaultProxy {
  /** `host:port` to connect to instead of the database. */
  readonly port: number;
  setOutage(outage: boolean): void;
  close(): Promise<void>;
}

export async function startDatabaseFaultProxy(targetHost: string, targetPort: number): Promise<DatabaseFaultProxy> {
  const sockets = new Set<Socket>();
  let outage = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const server = createServer((client) => {
    track(client);
    if (outage) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };

  return {
    port,
    setOutage(value) {
      outage = value;
      if (outage) for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The database URL with its host and port replaced by the proxy's. */
export function viaProxy(databaseUrl: string, proxy: DatabaseFaultProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}
