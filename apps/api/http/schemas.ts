import { Type } from '@sinclair/typebox';
import { PROBLEM_TYPES, problemTypeUri, ProblemSchema, type ProblemCode } from '../../../packages/contract/index.js';

/**
 * The OpenAPI-only parts of the routes' schemas. The shapes themselves (concerts, orders, chaos,
 * problems) are the contract's: packages/contract/.
 */
export const HealthSchema = Type.Object({ status: Type.String() });

/**
 * The problem responses a route can give, for its OpenAPI entry: one response per status, typed
 * application/problem+json, with one example per problem type so that clients (and the drift test
 * against docs/api.md) can read which types each status carries. Name problem types; a bare
 * status (a problem answer not in PROBLEM_TYPES yet) lists no type, which the drift test reports.
 */
export function problems(...answers: Array<ProblemCode | number>): Record<number, object> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const answer of answers) {
    const status = typeof answer === 'number' ? answer : PROBLEM_TYPES[answer].status;
    const codes = byStatus.get(status) ?? [];
    if (typeof answer !== 'number') codes.push(answer);
    byStatus.set(status, codes);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: codes.length > 0 ? `Problem: ${codes.join(', ')}` : 'Problem',
        ...(codes.some((code) => 'retryAfterSeconds' in PROBLEM_TYPES[code]) ? { headers: { 'Retry-After': RetryAfterHeader } } : {}),
        content: {
          'application/problem+json': {
            schema: Type.Ref(ProblemSchema),
            ...(codes.length > 0 ? { examples: Object.fromEntries(codes.map((code) => [code, { value: problemExample(code) }])) } : {}),
          },
        },
      },
    ]),
  );
}

const RetryAfterHeader = Type.Integer({ minimum: 0, description: 'Seconds to wait before retrying' });

function problemExample(code: ProblemCode): { type: string; title: string; status: number } {
  const { status, title } = PROBLEM_TYPES[code];
  return { type: problemTypeUri(code), title, status };
}
