// A panel's fieldConfig (defaults + overrides) resolved for one series, as Grafana applies it.
import type { FieldConfig, FieldMatcher, Panel } from './grafana-model.js';
import type { Series } from './queries.js';
import { resolveColor, SERIES_COLORS } from './units.js';

type Node = Record<string, unknown>;

// Override properties name nested fields by path ("custom.fillOpacity"); each level is copied so
// the panel's defaults stay untouched.
function setPath(target: Node, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] = { ...((node[key] as Node | undefined) ?? {}) };
  node[keys[keys.length - 1]!] = value;
}

type Named = Pick<Series, 'name' | 'refId'>;

function matches(matcher: FieldMatcher | undefined, series: Named): boolean {
  switch (matcher?.id) {
    case 'byName':
      return series.name === matcher.options;
    case 'byRegexp':
      try {
        return new RegExp(matcher.options ?? '').test(series.name);
      } catch {
        return false;
      }
    case 'byFrameRefID':
      return series.refId === matcher.options;
    default:
      return false;
  }
}

/** Defaults with every matching override's properties applied (later overrides win). */
export function fieldConfigFor(panel: Panel, series: Named): FieldConfig {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const config: FieldConfig = { ...defaults, custom: { ...(defaults.custom ?? {}) } };
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (!matches(override.matcher, series)) continue;
    for (const property of override.properties ?? []) setPath(config as Node, property.id, property.value);
  }
  return config;
}

/** The series colour: a fixed colour when configured, else Grafana's classic palette by position. */
export function seriesColor(config: FieldConfig, index: number): string {
  if (config.color?.mode === 'fixed' && config.color.fixedColor) return resolveColor(config.color.fixedColor);
  return SERIES_COLORS[index % SERIES_COLORS.length]!;
}

export function displayName(config: FieldConfig, series: Named): string {
  return config.displayName ? config.displayName.replace(/\$\{__series\.name\}/g, series.name) : series.name;
}
