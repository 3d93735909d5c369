// Work in progress that shutdown must wait for: HTTP requests being answered and
// engine calls running. Engine calls are counted separately because the legacy
// SSE transport (and stdio) answer on another stream: its POST returns 202 at
// once while the call is still running.
export class Activity {
  private active = 0;
  private waiters: Array<() => void> = [];

  /** Marks one piece of work as started; call the returned function when it ends (once). */
  begin(): () => void {
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
      if (this.active === 0) this.waiters.splice(0).forEach((wake) => wake());
    };
  }

  get count(): number {
    return this.active;
  }

  /** Resolves when nothing is in progress (at once if nothing is). */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
