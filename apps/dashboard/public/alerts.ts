// Firing alerts as Alertmanager sees them (after grouping, silences and inhibitions): what would
// page someone right now.
import { getJson, RequestError } from './api.js';

/** One alert as the dashboard server summarises Alertmanager's (apps/dashboard/app.ts). */
export interface AlertSummary {
  name: string;
  severity: string;
  summary: string;
  description: string;
  runbookUrl: string | undefined;
  startsAt: string;
  labels: Record<string, string>;
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, page: 0, warning: 1, info: 2 };

function since(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 90) return `${seconds}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

export function createAlertList(container: HTMLElement): { refresh(): Promise<RequestError | null> } {
  const list = document.createElement('ul');
  list.className = 'alert-list';
  const empty = document.createElement('p');
  empty.className = 'muted';
  container.append(list, empty);
  container.dataset.state = 'loading';

  function render(alerts: AlertSummary[]): void {
    list.replaceChildren();
    const sorted = [...alerts].sort(
      (a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) || a.name.localeCompare(b.name),
    );
    for (const alert of sorted) {
      const item = document.createElement('li');
      item.className = `alert severity-${alert.severity.replace(/[^a-z0-9-]/gi, '')}`;
      item.dataset.alertname = alert.name;
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = alert.severity;
      const name = document.createElement('strong');
      name.textContent = alert.name;
      const age = document.createElement('span');
      age.className = 'muted';
      age.textContent = alert.startsAt ? ` for ${since(alert.startsAt)}` : '';
      const summary = document.createElement('div');
      summary.className = 'alert-summary';
      summary.textContent = alert.summary || alert.description;
      if (alert.description) summary.title = alert.description;
      item.append(badge, name, age, summary);
      // The server hands over only its own /runbooks/<name>.md paths: an annotation can never run
      // script in this page or send the reader elsewhere.
      if (alert.runbookUrl && /^\/runbooks\/[a-z0-9-]+\.md$/.test(alert.runbookUrl)) {
        const runbook = document.createElement('a');
        runbook.href = alert.runbookUrl;
        runbook.textContent = 'runbook';
        runbook.target = '_blank';
        runbook.rel = 'noopener noreferrer';
        item.append(runbook);
      }
      list.append(item);
    }
    empty.textContent = alerts.length === 0 ? 'No alerts firing.' : '';
    container.dataset.state = 'ok';
    container.dataset.count = String(alerts.length);
  }

  return {
    /** Resolves to null when fine, or the RequestError (for the banner). */
    async refresh() {
      try {
        const { alerts } = await getJson<{ alerts: AlertSummary[] }>('/api/alerts');
        render(alerts);
        return null;
      } catch (error) {
        const failure = RequestError.from(error);
        list.replaceChildren();
        empty.textContent = `Alerts unknown: ${failure.message}`;
        container.dataset.state = 'error';
        return failure;
      }
    },
  };
}
