// Per-page CSRF tokens for the chaos control: every page load gets a fresh token (salted and
// time-stamped by @fastify/csrf against a secret that lives only in this process), and a chaos
// change must carry one. A page on another origin can neither read the token nor forge one.
import { Tokens } from '@fastify/csrf';

/** The header the page sends its token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** A tab left open longer than this must be reloaded before it can change chaos settings. */
const TOKEN_VALIDITY_MS = 24 * 60 * 60 * 1000;

export interface PageTokens {
  issue(): string;
  verify(token: string | undefined): boolean;
}

export function createPageTokens(): PageTokens {
  const tokens = new Tokens({ validity: TOKEN_VALIDITY_MS });
  const secret = tokens.secretSync();
  return {
    issue: () => tokens.create(secret),
    verify: (token) => typeof token === 'string' && token !== '' && tokens.verify(secret, token),
  };
}
