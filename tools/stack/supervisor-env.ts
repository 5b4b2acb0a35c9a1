/** The variable through which spawnNodeChild tells a child who its supervisor is (orphan-guard.ts reads it). */
export const SUPERVISOR_PID_ENV = 'TICKETPULSE_SUPERVISOR_PID';
