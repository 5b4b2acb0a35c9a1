// The chaos control for demos: reads and changes the API's fault injection through the dashboard
// server, which holds the admin token (the page never sees it).
// The API's chaos shapes and the same presets as `npm start -- --chaos <preset>`, bundled into the
// page from their one home, the contract module (browser-safe: it imports only TypeBox).
import { chaosPresetNames, chaosPresets, describeChaos, describeFaults, type ChaosInput, type ChaosPresetName, type ChaosSettings } from '../../../packages/contract/chaos.js';
import { getJson, putJson, RequestError } from './api.js';

/** The buttons' words; the compiler insists every preset has one. A preset replaces every setting: the faults it does not name are healed. */
const PRESET_LABELS: Record<ChaosPresetName, string> = {
  calm: 'Calm',
  'flaky-payments': 'Flaky payments (20%)',
  outage: 'Payments down',
  slow: 'Slow (0.5–2 s)',
  'db-slow': 'Database slow (+200 ms)',
  'db-outage': 'Database down',
  'memory-leak': 'Memory leak (60 MB/min)',
  'cpu-burn': 'CPU burn (1 thread)',
  'event-loop-stalls': 'Event-loop stalls (500 ms / 2 s)',
  'crash-loop': 'Crash loop (20 s)',
  'read-errors': 'Read errors (25%)',
};

/** The order of the buttons: the payment and latency presets first, as before. */
const PRESET_ORDER: readonly ChaosPresetName[] = ['calm', 'flaky-payments', 'outage', 'slow', ...chaosPresetNames.filter((name) => !['calm', 'flaky-payments', 'outage', 'slow'].includes(name))];

function field(form: HTMLFormElement, name: string, label: string, attributes: Record<string, string>): HTMLInputElement {
  const wrapper = document.createElement('label');
  wrapper.textContent = label;
  const input = document.createElement('input');
  input.name = name;
  input.type = 'number';
  input.required = true;
  for (const [key, value] of Object.entries(attributes)) input.setAttribute(key, value);
  wrapper.append(input);
  form.append(wrapper);
  return input;
}

export function createChaosControl(container: HTMLElement): { refresh(): Promise<RequestError | null> } {
  const current = document.createElement('p');
  current.className = 'chaos-current';
  const form = document.createElement('form');
  form.className = 'chaos-form';
  const failureRate = field(form, 'failureRate', 'Failure rate (0–1)', { min: '0', max: '1', step: '0.01' });
  const latencyMin = field(form, 'latencyMin', 'Latency min (ms)', { min: '0', step: '1' });
  const latencyMax = field(form, 'latencyMax', 'Latency max (ms)', { min: '0', step: '1' });
  const dbSlow = field(form, 'dbSlowMs', 'DB slowness (ms)', { min: '0', max: '10000', step: '1' });
  const dbOutage = field(form, 'dbOutage', 'DB outage', {});
  dbOutage.type = 'checkbox';
  dbOutage.required = false;
  const leak = field(form, 'leakMbPerMinute', 'Memory leak (MB/min)', { min: '0', max: '1000', step: '1' });
  const burn = field(form, 'cpuThreads', 'CPU burn (threads)', { min: '0', max: '8', step: '1' });
  const stallMs = field(form, 'stallMs', 'Stall (ms)', { min: '0', max: '10000', step: '1' });
  const stallEvery = field(form, 'stallEverySeconds', 'Stall every (s)', { min: '0.1', max: '3600', step: '0.1' });
  const crashAfter = field(form, 'crashAfterSeconds', 'Crash after (s)', { min: '0', max: '3600', step: '1' });
  const readErrors = field(form, 'readErrorRate', 'Read errors (0–1)', { min: '0', max: '1', step: '0.01' });
  const apply = document.createElement('button');
  apply.type = 'submit';
  apply.textContent = 'Apply';
  form.append(apply);
  const presets = document.createElement('div');
  presets.className = 'chaos-presets';
  const feedback = document.createElement('p');
  feedback.className = 'chaos-feedback';
  container.append(current, form, presets, feedback);

  let edited = false; // don't overwrite what a person is typing with the 5-second refresh
  form.addEventListener('input', () => (edited = true));

  function show(settings: ChaosInput): void {
    container.dataset.failureRate = String(settings.failureRate);
    current.textContent =
      `In force: ${(settings.failureRate * 100).toFixed(0)}% payment failures, ` +
      `latency ${settings.latencyMs.min}–${settings.latencyMs.max} ms` +
      (describeFaults(settings) ? `; faults: ${describeFaults(settings)}` : '; no other fault');
    container.dataset.faults = describeFaults(settings) || 'none';
    if (!edited) {
      failureRate.value = String(settings.failureRate);
      latencyMin.value = String(settings.latencyMs.min);
      latencyMax.value = String(settings.latencyMs.max);
      dbSlow.value = String(settings.database?.slowMs ?? 0);
      dbOutage.checked = Boolean(settings.database?.outage);
      leak.value = String(settings.memoryLeak?.mbPerMinute ?? 0);
      burn.value = String(settings.cpuBurn?.threads ?? 0);
      stallMs.value = String(settings.eventLoopStall?.ms ?? 0);
      stallEvery.value = String(settings.eventLoopStall?.everySeconds ?? 5);
      crashAfter.value = String(settings.crash?.exitAfterSeconds ?? 0);
      readErrors.value = String(settings.readErrorRate ?? 0);
    }
  }

  function setEnabled(enabled: boolean): void {
    for (const control of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')) control.disabled = !enabled;
    for (const button of presets.querySelectorAll('button')) button.disabled = !enabled;
  }

  async function send(settings: ChaosInput): Promise<void> {
    feedback.textContent = 'Applying…';
    try {
      const body = await putJson<{ settings: ChaosSettings }>('/api/chaos', settings);
      edited = false;
      show(body.settings);
      feedback.textContent = `Applied at ${new Date().toLocaleTimeString()}.`;
      container.dataset.applied = String(body.settings.failureRate);
    } catch (error) {
      feedback.textContent = `Not applied: ${RequestError.from(error).message}`;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send({
      failureRate: Number(failureRate.value),
      latencyMs: { min: Math.round(Number(latencyMin.value)), max: Math.round(Number(latencyMax.value)) },
      database: { slowMs: Math.round(Number(dbSlow.value)), outage: dbOutage.checked },
      memoryLeak: { mbPerMinute: Number(leak.value) },
      cpuBurn: { threads: Math.round(Number(burn.value)) },
      eventLoopStall: { ms: Math.round(Number(stallMs.value)), everySeconds: Number(stallEvery.value) },
      crash: { exitAfterSeconds: Math.round(Number(crashAfter.value)) },
      readErrorRate: Number(readErrors.value),
    });
  });
  for (const name of PRESET_ORDER) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = PRESET_LABELS[name];
    // The exact settings from the contract, so a label's shorthand can never hide what the button stages.
    button.title = describeChaos(chaosPresets[name]);
    button.dataset.preset = name;
    button.addEventListener('click', () => {
      edited = false;
      void send(chaosPresets[name]);
    });
    presets.append(button);
  }

  return {
    /** Resolves to null when fine, or the RequestError (for the banner). */
    async refresh() {
      try {
        const body = await getJson<{ enabled: true; settings: ChaosSettings } | { enabled: false; reason: string }>('/api/chaos');
        if (!body.enabled) {
          setEnabled(false);
          current.textContent = `Chaos control disabled: ${body.reason}.`;
          container.dataset.state = 'disabled';
          return null;
        }
        setEnabled(true);
        show(body.settings);
        container.dataset.state = 'ok';
        return null;
      } catch (error) {
        const failure = RequestError.from(error);
        current.textContent = `Chaos settings unknown: ${failure.message}`;
        container.dataset.state = 'error';
        return failure;
      }
    },
  };
}
