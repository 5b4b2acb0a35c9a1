/** "TicketPulse saturation": the page the resource alerts link to (dashboard_url …/d/ticketpulse-saturation). */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { ticketPulseDashboard } from './dashboard-base.js';
import {
  hostCpuPanel,
  hostDiskPanel,
  hostLoadPanel,
  hostMemoryPanel,
  postgresConnectionsPanel,
  postgresDeadlocksPanel,
  postgresLocksPanel,
  postgresLongestTransactionPanel,
  postgresTransactionsPanel,
  postgresUpPanel,
  probeDurationPanel,
  probeSuccessPanel,
} from './exporter-panels.js';
import { cpuPanel, dbPoolPanel, dbQueryPanel, eventLoopLagPanel, gcPanel, heapPanel, memoryPanel } from './saturation-panels.js';

export function buildSaturationDashboard() {
  const half = { w: 12, h: 8 };
  const third = { w: 8, h: 8 };
  return ticketPulseDashboard({
    title: 'TicketPulse saturation',
    uid: 'ticketpulse-saturation',
    description: 'How close each API replica, the database and the host are to their limits, and whether the API answers from outside.',
  })
    .withRow(new RowBuilder('Process'))
    .withPanel(cpuPanel(half))
    .withPanel(eventLoopLagPanel(half))
    .withPanel(memoryPanel(half))
    .withPanel(heapPanel(half))
    .withPanel(gcPanel(half))
    .withRow(new RowBuilder('Database'))
    .withPanel(dbPoolPanel(third))
    .withPanel(dbQueryPanel(0.95, third))
    .withPanel(dbQueryPanel(0.99, third))
    .withPanel(postgresUpPanel({ w: 4, h: 8 }))
    .withPanel(postgresConnectionsPanel({ w: 10, h: 8 }))
    .withPanel(postgresLocksPanel({ w: 10, h: 8 }))
    .withPanel(postgresTransactionsPanel(third))
    .withPanel(postgresDeadlocksPanel(third))
    .withPanel(postgresLongestTransactionPanel(third))
    .withRow(new RowBuilder('Host'))
    .withPanel(hostCpuPanel(half))
    .withPanel(hostMemoryPanel(half))
    .withPanel(hostLoadPanel(half))
    .withPanel(hostDiskPanel(half))
    .withRow(new RowBuilder('Probes (from outside the API)'))
    .withPanel(probeSuccessPanel(half))
    .withPanel(probeDurationPanel(half));
}
