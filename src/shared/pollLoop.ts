/**
 * Runs one `step` at a time: on demand (`tick`) and every `pollMs` while started. Services that poll
 * chains (monitor, executor) share it so a slow step never overlaps the next and `stop` waits for the
 * step in flight.
 */
export class PollLoop {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private active = false;

  constructor(
    private readonly step: () => Promise<void>,
    private readonly pollMs: number,
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  /** Runs the step now, after the one in flight; rejects with the step's error. */
  tick(): Promise<void> {
    return this.exclusive(() => this.step());
  }

  /** Runs `job` after the step in flight and before the next, so it never overlaps a step (e.g. a manual price set). */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = (this.running ?? Promise.resolve()).then(job);
    this.running = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private schedule(): void {
    if (!this.active) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch(() => {})
        .finally(() => this.schedule());
    }, this.pollMs);
  }
}
