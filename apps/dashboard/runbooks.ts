// The runbooks this checkout (or image) has, served at /runbooks/<name>.md, so every runbook link —
// in alert messages (RUNBOOK_BASE_URL defaults to DASHBOARD_URL + runbooks/) and in the dashboard's
// alert list — opens the runbook the reader actually has, not a repository they may not reach.
// Only the files found at start are served (no path handling); markdown is sent as plain text,
// which every browser shows as it is.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { repoPath } from '../../packages/shared/repo-root.js';

export const RUNBOOKS_DIR = repoPath('docs', 'runbooks');

/** A rule's runbook_url (only its file name counts) → this server's path for it. */
export function localRunbookPath(runbookUrl: string | undefined): string {
  const file = runbookUrl?.split('/').pop() ?? '';
  return /^[a-z0-9-]+\.md$/.test(file) ? `/runbooks/${file}` : '';
}

export async function registerRunbooks(app: FastifyInstance, dir = RUNBOOKS_DIR): Promise<void> {
  const names = await readdir(dir).then(
    (entries) => entries.filter((name) => /^[a-z0-9-]+\.md$/.test(name)).sort(),
    () => [] as string[],
  );
  const known = new Set(names);
  app.get('/runbooks/', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(`Runbooks (one per alert):\n\n${names.map((name) => `/runbooks/${name}`).join('\n')}\n`),
  );
  app.get('/runbooks/:name', async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    if (!known.has(request.params.name)) return reply.code(404).send({ error: `no runbook ${request.params.name}` });
    return reply.type('text/plain; charset=utf-8').send(await readFile(join(dir, request.params.name)));
  });
}
