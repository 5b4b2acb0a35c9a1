/** "TicketPulse saturation": the page the resource alerts link to (dashboard_url …/d/ticketpulse-saturation). */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { ticketPulseDashboard } from './dashboard-base.js';
import { cpuPanel, dbPoolPanel, dbQueryPanel, eventLoopLagPanel, gcPanel, heapPanel, memoryPanel } from './saturation-panels.js';

export function buildSaturationDashboard() {
  const half = { w: 12, h: 8 };
  return ticketPulseDashboard({
    title: 'TicketPulse saturation',
    uid: 'ticketpulse-saturation',
    description: 'How close each API replica and the database pool are to their limits.',
  })
    .withRow(new RowBuilder('Process'))
    .withPanel(cpuPanel(half))
    .withPanel(eventLoopLagPanel(half))
    .withPanel(memoryPanel(half))
    .withPanel(heapPanel(half))
    .withPanel(gcPanel(half))
    .withRow(new RowBuilder('Database'))
    .withPanel(dbPoolPanel(half))
    .withPanel(dbQueryPanel(0.95, half))
    .withPanel(dbQueryPanel(0.99, half));
}
