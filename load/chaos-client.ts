// Reads and changes the API's chaos settings (GET/PUT /api/admin/chaos, Bearer ADMIN_TOKEN).
import type { ChaosSettings } from '../src/report/run-record.js';

export async function getChaos(host: string, adminToken: string): Promise<ChaosSettings> {
  const response = await fetch(`${host}/api/admin/chaos`, {
    headers: { authorization: `Bearer ${adminToken}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`GET /api/admin/chaos answered ${response.status}`);
  return (await response.json()) as ChaosSettings;
}

export async function putChaos(host: string, adminToken: string, settings: ChaosSettings): Promise<ChaosSettings> {
  const response = await fetch(`${host}/api/admin/chaos`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`PUT /api/admin/chaos answered ${response.status}`);
  return (await response.json()) as ChaosSettings;
}
