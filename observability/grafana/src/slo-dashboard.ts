/** "TicketPulse SLO": the page the burn-rate alerts link to (dashboard_url …/d/ticketpulse-slo). */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { SLO } from './alert-thresholds.js';
import { ticketPulseDashboard } from './dashboard-base.js';
import {
  availabilityBudgetPanel,
  availabilitySliPanel,
  burnRateWindowPanel,
  latencyBudgetPanel,
  latencySliPanel,
} from './slo-panels.js';

export function buildSloDashboard() {
  const dashboard = ticketPulseDashboard({
    title: 'TicketPulse SLO',
    uid: 'ticketpulse-slo',
    description: `Availability and latency objectives over ${SLO.window}: budget left, SLIs, and the burn rates the SLO alerts watch.`,
  })
    .withRow(new RowBuilder(`Error budget (${SLO.window})`))
    .withPanel(availabilityBudgetPanel({ w: 6, h: 8 }))
    .withPanel(latencyBudgetPanel({ w: 6, h: 8 }))
    .withPanel(availabilitySliPanel({ w: 6, h: 8 }))
    .withPanel(latencySliPanel({ w: 6, h: 8 }))
    .withRow(new RowBuilder('Burn rates (one panel per alert window pair)'));
  for (const window of SLO.burnRateWindows) dashboard.withPanel(burnRateWindowPanel(window, { w: 12, h: 8 }));
  return dashboard;
}
