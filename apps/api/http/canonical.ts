/**
 * Canonical forms of the values the database is picky about, checked before any statement runs,
 * so hostile input is a 4xx problem and never a database error (a 500).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The lower-case form of a UUID, or undefined when the text is not one. PostgreSQL ignores case
 * in uuid input and answers lower case, so comparisons (the idempotent replay) need this form.
 */
export function canonicalUuid(value: string): string | undefined {
  return UUID.test(value) ? value.toLowerCase() : undefined;
}

/** RFC 3339 allows years 0000–9999 and any offset; PostgreSQL has no year 0 and limits offsets. */
const MIN_INSTANT = new Date('0001-01-01T00:00:00.000Z').getTime();
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The instant as the API writes timestamps (UTC, milliseconds: `2027-06-01T19:30:00.000Z`), or
 * undefined when JavaScript cannot read it (e.g. a leap second) or it falls outside years
 * 0001–9999 UTC once the offset is applied.
 */
export function storableInstant(value: string): string | undefined {
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  const instant = new Date(time);
  if (time < MIN_INSTANT || time > MAX_INSTANT) return undefined;
  return instant.toISOString();
}
