// The parts of Grafana's dashboard JSON model the live page reads, typed once for every module.
// Fields are optional where Grafana's own model lets them be absent: the page must cope with any
// generated dashboard, not only ours.
// @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/

export interface ThresholdStep {
  color: string;
  value: number | null;
}

export interface Thresholds {
  mode?: 'absolute' | 'percentage';
  steps: ThresholdStep[];
}

export interface FieldCustom {
  drawStyle?: string;
  lineInterpolation?: string;
  lineWidth?: number;
  fillOpacity?: number;
  spanNulls?: boolean | number;
  showPoints?: string;
  axisSoftMin?: number;
  axisSoftMax?: number;
  axisPlacement?: 'auto' | 'left' | 'right' | 'hidden';
  axisLabel?: string;
  stacking?: { mode?: string; group?: string };
  thresholdsStyle?: { mode?: string };
  [key: string]: unknown;
}

export interface FieldConfig {
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  noValue?: string;
  displayName?: string;
  color?: { mode?: string; fixedColor?: string };
  thresholds?: Thresholds;
  custom?: FieldCustom;
  [key: string]: unknown;
}

export interface FieldMatcher {
  id?: string;
  options?: string;
}

export interface FieldOverride {
  matcher?: FieldMatcher;
  properties?: { id: string; value: unknown }[];
}

export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  hide?: boolean;
  datasource?: DataSourceRef;
}

export interface GridPos {
  x?: number;
  y?: number;
  w?: number;
  h?: number;
}

export interface PanelOptions {
  reduceOptions?: { calcs?: string[] };
  colorMode?: string;
  textMode?: string;
  graphMode?: string;
  orientation?: string;
  legend?: { showLegend?: boolean; displayMode?: string; placement?: string };
  content?: string;
  [key: string]: unknown;
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: GridPos;
  datasource?: DataSourceRef;
  targets?: Target[];
  maxDataPoints?: number;
  interval?: string;
  fieldConfig?: { defaults?: FieldConfig; overrides?: FieldOverride[] };
  options?: PanelOptions;
  transformations?: { id: string; options?: Record<string, unknown> }[];
  /** Rows only: the panels a collapsed row carries. */
  panels?: Panel[];
}

export interface TemplateVariableModel {
  name: string;
  type?: string;
  label?: string;
  description?: string;
  query?: string | { query?: string };
  definition?: string;
  regex?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  hide?: number;
  current?: { text?: string | string[]; value?: string | string[] };
}

export interface AnnotationModel {
  name?: string;
  enable?: boolean;
  builtIn?: number;
  expr?: string;
  step?: string;
  iconColor?: string;
  titleFormat?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  time?: { from?: string; to?: string };
  templating?: { list?: TemplateVariableModel[] };
  annotations?: { list?: AnnotationModel[] };
  panels?: Panel[];
}
