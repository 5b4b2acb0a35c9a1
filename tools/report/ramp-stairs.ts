// ramp-stairs.json: the ramp shape's own judgement of each stair (tools/load/shapes.py, RampShape), made
// live at the end of every stair — the one stop criterion. The report reads it back instead of
// judging the stairs again, so "ramp stopped: stair N broke an objective" in Locust's log and the
// report's knee always name the same stair.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knee, Stair } from './analysis.js';

export const RAMP_STAIRS_FILE = 'ramp-stairs.json';

interface JudgedStair {
  stair: number;
  users: number;
  startS: number;
  endS: number;
  purchaseAttempts: number;
  purchaseFailures: number;
  errorRatio: number;
  p99Ms: number;
  withinObjectives: boolean;
}

export interface RampJudgement {
  stairs: JudgedStair[];
  /** 1-based stair after which the shape stopped; null when it ran every stair. */
  stoppedAfterStair: number | null;
}

export function readRampJudgement(runDir: string): RampJudgement | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, RAMP_STAIRS_FILE), 'utf8')) as RampJudgement;
  } catch {
    return undefined;
  }
}

/**
 * The knee from the shape's judgements; request rates from Locust's per-second history (the
 * stair's requests / its length), since the shape counts only purchases.
 */
export function kneeFromJudgement(judgement: RampJudgement, requestsBetween: (startS: number, endS: number) => number): Knee {
  const stairs: Stair[] = judgement.stairs.map((s) => {
    const requests = requestsBetween(s.startS, s.endS);
    return {
      users: s.users,
      startS: s.startS,
      endS: s.endS,
      requests,
      failures: s.purchaseFailures,
      requestsPerS: requests / Math.max(1, s.endS - s.startS),
      errorRatio: s.errorRatio,
      p99Ms: s.p99Ms,
      withinObjectives: s.withinObjectives,
    };
  });
  const brokenIndex = stairs.findIndex((stair) => !stair.withinObjectives);
  const below = brokenIndex < 0 ? stairs : stairs.slice(0, brokenIndex);
  const knee = below.filter((s) => s.withinObjectives).at(-1);
  return { stairs, knee, broken: brokenIndex >= 0 ? stairs[brokenIndex] : undefined };
}
