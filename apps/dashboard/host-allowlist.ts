// Which Host headers the dashboard answers. A page on evil.example whose DNS name is re-pointed at
// 127.0.0.1 (DNS rebinding) is same-origin with itself, so Origin checks cannot see it; its requests
// still carry `Host: evil.example`, and that is what is refused here.
import { normaliseHostName } from './config.js';

/** Names a browser on this machine uses for a loopback listener: always safe to answer. */
export const LOOPBACK_HOST_NAMES = ['localhost', '127.0.0.1', '::1'] as const;

const WILDCARD_LISTEN_HOSTS = ['', '0.0.0.0', '::'];

/** The loopback names, the listen address (unless it is a wildcard) and the configured extras. */
export function allowedHostNames(listenHost: string, extra: readonly string[]): Set<string> {
  const names = new Set<string>(LOOPBACK_HOST_NAMES);
  if (!WILDCARD_LISTEN_HOSTS.includes(listenHost)) names.add(normaliseHostName(listenHost));
  for (const name of extra) names.add(normaliseHostName(name));
  return names;
}

/** The host name of a Host header ("name:port", "[v6]:port"), or undefined when it is not one. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header || /[\s@/\\?#]/.test(header)) return undefined;
  try {
    return normaliseHostName(new URL(`http://${header}`).hostname);
  } catch {
    return undefined;
  }
}
