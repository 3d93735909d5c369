// The pause between retries of the informer's watch loop and the leader elector's campaign: a sleep
// that stop() cuts short, so shutting down never waits out a backoff or a retry period.

export class InterruptibleSleep {
  private interrupted = false;
  private wake?: () => void;

  /** Resolves after `ms`, or at once when interrupted (now or already). */
  sleep(ms: number): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }

  /** Ends the current sleep; every later one returns at once. */
  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }
}
