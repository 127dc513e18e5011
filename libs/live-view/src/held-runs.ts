/**
 * Runs of events as they arrived (a run: a batch of event lines and how many it holds), the newest kept up to a bound
 * and every one counted: the bridge keeps the run so far for the pages to read (LiveSystem). Past the bound the oldest
 * runs go, a tenth of the bound at a time: dropping some for every new run would cost more than everything else the
 * keeper does. The newest run always stays.
 */
export class HeldRuns<Run extends { readonly count: number }> {
  private readonly kept: Run[] = [];
  /** Events in the runs kept. */
  private heldEvents = 0;
  /** Events given and no longer kept. */
  private forgottenEvents = 0;

  constructor(private readonly maxHeld: number) {}

  /** The runs kept, oldest first. */
  get runs(): readonly Run[] {
    return this.kept;
  }

  get held(): number {
    return this.heldEvents;
  }

  get forgotten(): number {
    return this.forgottenEvents;
  }

  /** Every event given since the start, kept or not. */
  get count(): number {
    return this.forgottenEvents + this.heldEvents;
  }

  add(run: Run): void {
    this.kept.push(run);
    this.heldEvents += run.count;
    if (this.heldEvents <= this.maxHeld) return;
    const keep = this.maxHeld - Math.floor(this.maxHeld / 10);
    let runs = 0;
    let dropped = 0;
    for (; runs < this.kept.length - 1 && this.heldEvents - dropped > keep; runs += 1) dropped += this.kept[runs].count;
    this.kept.splice(0, runs);
    this.heldEvents -= dropped;
    this.forgottenEvents += dropped;
  }
}
