import { isDeepStrictEqual } from 'node:util';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { NO_FAULTS, withFaultDefaults, type ChaosSettings, type FaultSettings } from '../../../packages/contract/index.js';
import type { Database } from '../db/database.js';

interface ChaosRow {
  failure_rate: number;
  latency_min_ms: number;
  latency_max_ms: number;
  faults: Partial<FaultSettings>;
}

function faultsOf(settings: ChaosSettings): FaultSettings {
  const { failureRate: _rate, latencyMs: _latency, ...faults } = settings;
  return faults;
}

/**
 * The simulated payment failures and slowness in force. The database holds the one shared copy
 * (so an admin change reaches every replica); each replica polls it every `syncIntervalMs` and
 * reads its local copy on the hot path. No row means "the environment's defaults".
 */
export class ChaosSettingsStore {
  private current: ChaosSettings;
  private timer: NodeJS.Timeout | undefined;
  private listeners: Array<(settings: ChaosSettings) => void> = [];

  constructor(
    private readonly db: Database,
    private readonly defaults: ChaosSettings,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.current = defaults;
  }

  get settings(): ChaosSettings {
    return this.current;
  }

  onChange(listener: (settings: ChaosSettings) => void): void {
    this.listeners.push(listener);
    listener(this.current);
  }

  async sync(): Promise<void> {
    const [row] = await this.db.query<ChaosRow>(
      'chaos_settings',
      'SELECT failure_rate, latency_min_ms, latency_max_ms, faults FROM chaos_settings WHERE id = 1',
    );
    this.apply(
      row
        ? withFaultDefaults({
            failureRate: row.failure_rate,
            latencyMs: { min: row.latency_min_ms, max: row.latency_max_ms },
            // A replica older or newer than the writer ignores keys it does not know.
            ...pickKnownFaults(row.faults),
          })
        : this.defaults,
    );
  }

  async update(settings: ChaosSettings): Promise<ChaosSettings> {
    await this.db.query(
      'chaos_settings_update',
      `INSERT INTO chaos_settings (id, failure_rate, latency_min_ms, latency_max_ms, faults, updated_at)
       VALUES (1, $1, $2, $3, $4, now())
       ON CONFLICT (id) DO UPDATE SET failure_rate = $1, latency_min_ms = $2, latency_max_ms = $3, faults = $4, updated_at = now()`,
      [settings.failureRate, settings.latencyMs.min, settings.latencyMs.max, JSON.stringify(faultsOf(settings))],
    );
    this.apply(settings);
    return settings;
  }

  startSync(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sync().catch((error) => this.logger.warn({ err: error }, 'could not refresh chaos settings; keeping the last known'));
    }, intervalMs);
    this.timer.unref();
  }

  stopSync(): void {
    clearInterval(this.timer);
  }

  paymentFails(): boolean {
    return this.current.failureRate > 0 && this.random() < this.current.failureRate;
  }

  /**
   * A long-tailed delay between min and max: u^8 puts the median at 0.4% of the range, p90 at 43%
   * and p99 at 92% — most requests fast, a few slow, as real services behave.
   */
  sampleLatencyMs(): number {
    const { min, max } = this.current.latencyMs;
    if (max <= 0) return 0;
    return min + (max - min) * this.random() ** 8;
  }

  /** True when a share of public reads should fail right now. */
  readFails(): boolean {
    return this.current.readErrorRate > 0 && this.random() < this.current.readErrorRate;
  }

  private apply(settings: ChaosSettings): void {
    // Deep comparison ignores key order, which jsonb does not keep.
    const changed = !isDeepStrictEqual(settings, this.current);
    this.current = settings;
    if (changed) {
      this.logger.info({ chaos: settings }, 'chaos settings changed');
      for (const listener of this.listeners) listener(settings);
    }
  }
}

function pickKnownFaults(stored: Partial<FaultSettings> | null): Partial<FaultSettings> {
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(NO_FAULTS)) {
    if (stored && Object.hasOwn(stored, key)) known[key] = (stored as Record<string, unknown>)[key];
  }
  return known as Partial<FaultSettings>;
}
