// A bounded pool of items (DuckDB connections) created on demand. When all are busy, acquire()
// waits, first come first served. close() refuses new work, waits for borrowed items to come back
// and destroys everything, so in-flight queries finish on the old database during a reload.

import { DatabaseOpenError } from './errors.js';

interface Waiter<T> {
  resolve(item: T): void;
  reject(err: unknown): void;
}

export interface PoolStats {
  /** Items created and not destroyed, including those being created. */
  size: number;
  idle: number;
  waiting: number;
  max: number;
}

export class Pool<T> {
  private readonly idle: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  /** Items currently borrowed, so shutdown can interrupt the work running on them. */
  private readonly lent = new Set<T>();
  private size = 0;
  private borrowed = 0;
  private closed = false;
  private onDrained: (() => void) | undefined;

  constructor(
    private readonly create: () => Promise<T>,
    private readonly destroy: (item: T) => void,
    readonly max: number,
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`pool size must be a positive integer, got ${max}`);
  }

  stats(): PoolStats {
    return { size: this.size, idle: this.idle.length, waiting: this.waiters.length, max: this.max };
  }

  acquire(): Promise<T> {
    if (this.closed) return Promise.reject(new DatabaseOpenError('The database is closed'));
    const item = this.idle.pop();
    if (item !== undefined) {
      this.borrowed++;
      this.lent.add(item);
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.size < this.max) this.createFor(waiter);
      else this.waiters.push(waiter);
    });
  }

  /** The items borrowed right now. */
  borrowedItems(): T[] {
    return [...this.lent];
  }

  release(item: T): void {
    if (this.closed) {
      this.lent.delete(item);
      this.size--;
      this.borrowed--;
      this.destroy(item);
      if (this.borrowed === 0) this.onDrained?.();
      return;
    }
    const next = this.waiters.shift();
    if (next) {
      next.resolve(item);
      return;
    }
    this.borrowed--;
    this.lent.delete(item);
    this.idle.push(item);
  }

  /** Destroys a borrowed item instead of returning it (e.g. a connection left in a bad state). */
  discard(item: T): void {
    this.lent.delete(item);
    this.size--;
    this.borrowed--;
    this.destroy(item);
    if (this.closed) {
      if (this.borrowed === 0) this.onDrained?.();
      return;
    }
    const next = this.waiters.shift();
    if (next) this.createFor(next);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new DatabaseOpenError('The database is closed'));
    for (const item of this.idle.splice(0)) {
      this.size--;
      this.destroy(item);
    }
    if (this.borrowed > 0) await new Promise<void>((resolve) => (this.onDrained = resolve));
  }

  private createFor(waiter: Waiter<T>): void {
    this.size++;
    this.borrowed++;
    this.create().then(
      (item) => {
        if (this.closed) {
          this.release(item);
          waiter.reject(new DatabaseOpenError('The database is closed'));
        } else {
          this.lent.add(item);
          waiter.resolve(item);
        }
      },
      (err: unknown) => {
        this.size--;
        this.borrowed--;
        waiter.reject(err);
        if (this.closed) {
          if (this.borrowed === 0) this.onDrained?.();
          return;
        }
        // Give the next waiter its own attempt rather than leaving it queued forever.
        const next = this.waiters.shift();
        if (next) this.createFor(next);
      },
    );
  }
}
