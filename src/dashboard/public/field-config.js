// A panel's fieldConfig (defaults + overrides) resolved for one series, as Grafana applies it.
import { resolveColor, SERIES_COLORS } from './units.js';

function setPath(target, path, value) {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] = { ...(node[key] ?? {}) };
  node[keys[keys.length - 1]] = value;
}

function matches(matcher, series) {
  switch (matcher?.id) {
    case 'byName':
      return series.name === matcher.options;
    case 'byRegexp':
      try {
        return new RegExp(matcher.options).test(series.name);
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
export function fieldConfigFor(panel, series) {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const config = { ...defaults, custom: { ...(defaults.custom ?? {}) } };
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (!matches(override.matcher, series)) continue;
    for (const property of override.properties ?? []) setPath(config, property.id, property.value);
  }
  return config;
}

/** The series colour: a fixed colour when configured, else Grafana's classic palette by position. */
export function seriesColor(config, index) {
  if (config.color?.mode === 'fixed' && config.color.fixedColor) return resolveColor(config.color.fixedColor);
  return SERIES_COLORS[index % SERIES_COLORS.length];
}

export function displayName(config, series) {
  return config.displayName ? config.displayName.replace(/\$\{__series\.name\}/g, series.name) : series.name;
}
