// The named load shapes of tools/load/locustfile.py, one list for `npm run load`, `npm start -- --load`
// and the scenario files.
export const SHAPES = ['steady', 'ramp', 'spike', 'soak'] as const;
export type ShapeName = (typeof SHAPES)[number];
