// Which web pages the installed Prometheus and Alertmanager actually serve. Debian's `prometheus`
// (2.42) is built without the React UI: /alerts and /targets answer 404 and only /classic/… works.
// Debian's `prometheus-alertmanager` has no web UI at all (its / is a page saying so). Upstream
// builds serve both. The launcher asks once, after start-up, and prints links that open.
export type PrometheusPage = 'graph' | 'alerts' | 'targets' | 'rules';

export interface PrometheusUi {
  /** 'react': /graph, /alerts…; 'classic': /classic/graph…; 'none': only the HTTP API. */
  kind: 'react' | 'classic' | 'none';
  page(name: PrometheusPage): string;
}

export interface AlertmanagerUi {
  hasUi: boolean;
  /** Where a browser sees the active alerts: the UI, or the JSON API when there is none. */
  alertsUrl: string;
  /** The amtool lines that show alerts and silences (for builds without a UI). */
  amtool: { alerts: string; silences: string };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function detectPrometheusUi(origin: string): Promise<PrometheusUi> {
  const kind = (await answers(`${origin}/alerts`)) ? 'react' : (await answers(`${origin}/classic/alerts`)) ? 'classic' : 'none';
  return {
    kind,
    page: (name) => (kind === 'react' ? `${origin}/${name}` : kind === 'classic' ? `${origin}/classic/${name}` : `${origin}/api/v1/${name === 'graph' ? 'query' : name}`),
  };
}

export async function detectAlertmanagerUi(origin: string): Promise<AlertmanagerUi> {
  // The upstream UI is an Elm app loaded from /script.js; Debian's placeholder page has none.
  const hasUi = await answers(`${origin}/script.js`);
  const amtool = `amtool --alertmanager.url=${origin}`;
  return {
    hasUi,
    alertsUrl: hasUi ? `${origin}/#/alerts` : `${origin}/api/v2/alerts`,
    amtool: { alerts: `${amtool} alert query`, silences: `${amtool} silence query` },
  };
}
