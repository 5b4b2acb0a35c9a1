// Reads and changes an API's chaos settings (GET/PUT /api/admin/chaos with the admin token): the one
// client the launcher, the demo and the load runner share.
import type { ChaosInput, ChaosSettings } from '../contract/index.js';

async function call(method: 'GET' | 'PUT', apiUrl: string, adminToken: string, settings?: ChaosInput, timeoutMs = 10_000): Promise<ChaosSettings> {
  const response = await fetch(`${apiUrl}/api/admin/chaos`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(settings ? { 'content-type': 'application/json' } : {}) },
    body: settings ? JSON.stringify(settings) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /api/admin/chaos answered ${response.status}: ${text.trim().slice(0, 200)}`);
  return JSON.parse(text) as ChaosSettings;
}

export function getChaos(apiUrl: string, adminToken: string): Promise<ChaosSettings> {
  return call('GET', apiUrl, adminToken);
}

/** Throws with the API's answer when it refuses. */
export function putChaos(apiUrl: string, adminToken: string, settings: ChaosInput, timeoutMs?: number): Promise<ChaosSettings> {
  return call('PUT', apiUrl, adminToken, settings, timeoutMs);
}
