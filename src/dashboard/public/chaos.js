// The chaos control for demos: reads and changes the API's fault injection through the dashboard
// server, which holds the admin token (the page never sees it).
import { getJson, putJson } from './api.js';

const PRESETS = [
  { label: 'Calm', failureRate: 0, latencyMs: { min: 5, max: 150 } },
  { label: 'Flaky payments (20%)', failureRate: 0.2, latencyMs: { min: 5, max: 150 } },
  { label: 'Payments down', failureRate: 1, latencyMs: { min: 5, max: 150 } },
  { label: 'Slow (0.5–2 s)', failureRate: 0.02, latencyMs: { min: 500, max: 2000 } },
];

function field(form, name, label, attributes) {
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

export function createChaosControl(container) {
  const current = document.createElement('p');
  current.className = 'chaos-current';
  const form = document.createElement('form');
  form.className = 'chaos-form';
  const failureRate = field(form, 'failureRate', 'Failure rate (0–1)', { min: '0', max: '1', step: '0.01' });
  const latencyMin = field(form, 'latencyMin', 'Latency min (ms)', { min: '0', step: '1' });
  const latencyMax = field(form, 'latencyMax', 'Latency max (ms)', { min: '0', step: '1' });
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

  function show(settings) {
    container.dataset.failureRate = String(settings.failureRate);
    current.textContent =
      `In force: ${(settings.failureRate * 100).toFixed(0)}% payment failures, ` +
      `latency ${settings.latencyMs.min}–${settings.latencyMs.max} ms`;
    if (!edited) {
      failureRate.value = String(settings.failureRate);
      latencyMin.value = String(settings.latencyMs.min);
      latencyMax.value = String(settings.latencyMs.max);
    }
  }

  function setEnabled(enabled) {
    for (const control of form.elements) control.disabled = !enabled;
    for (const button of presets.children) button.disabled = !enabled;
  }

  async function send(settings) {
    feedback.textContent = 'Applying…';
    try {
      const body = await putJson('/api/chaos', settings);
      edited = false;
      show(body.settings);
      feedback.textContent = `Applied at ${new Date().toLocaleTimeString()}.`;
      container.dataset.applied = String(body.settings.failureRate);
    } catch (error) {
      feedback.textContent = `Not applied: ${error.message}`;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send({
      failureRate: Number(failureRate.value),
      latencyMs: { min: Math.round(Number(latencyMin.value)), max: Math.round(Number(latencyMax.value)) },
    });
  });
  for (const preset of PRESETS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = preset.label;
    button.addEventListener('click', () => {
      edited = false;
      void send({ failureRate: preset.failureRate, latencyMs: preset.latencyMs });
    });
    presets.append(button);
  }

  return {
    /** Resolves to null when fine, or the RequestError (for the banner). */
    async refresh() {
      try {
        const body = await getJson('/api/chaos');
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
        current.textContent = `Chaos settings unknown: ${error.message}`;
        container.dataset.state = 'error';
        return error;
      }
    },
  };
}
