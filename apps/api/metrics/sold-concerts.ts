/**
 * The concerts this process sold tickets of since the last scrape: what the busiest-concerts
 * merge looks up. Bounded, so a spread of sales over many concerts cannot make the scrape's
 * lookup grow; a concert left out sells again and is noted at a later scrape (a real top seller
 * sells constantly).
 */
export class SoldConcerts {
  private ids = new Set<string>();

  constructor(private readonly limit = 100) {}

  note(concertId: string): void {
    if (this.ids.size < this.limit) this.ids.add(concertId);
  }

  /** Hands over what was noted and starts afresh. */
  take(): string[] {
    const taken = [...this.ids];
    this.ids = new Set();
    return taken;
  }

  /** Puts back what a failed merge did not use. */
  restore(concertIds: readonly string[]): void {
    for (const id of concertIds) this.note(id);
  }
}
