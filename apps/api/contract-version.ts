/**
 * The version of the HTTP contract in docs/api.md, served as the OpenAPI `info.version`. Raise it
 * with every change a client can see and add a line to the changelog section of docs/api.md
 * (test/apps/api/contract-drift.test.ts checks that the two agree).
 */
export const API_CONTRACT_VERSION = '1.2.0';
