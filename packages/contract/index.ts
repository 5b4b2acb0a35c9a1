// The API's contract in one module: TypeBox schemas (validation, OpenAPI and serialization from one
// source), the static types derived from them, the limits, the chaos presets and the problem types.
// It imports nothing but TypeBox, so the API, the tools, the tests and the browser page can all use it
// (and it can become a package of its own by a plain move).
export * from './chaos.js';
export * from './concerts.js';
export * from './orders.js';
export * from './problems.js';
export * from './text.js';
