import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Alert } from "./alert.js";
import type { Notifier } from "./notifiers.js";
import { DeliveryError } from "./webhook.js";

/** One undeliverable alert, as a line of the dead-letter file. */
export interface DeadLetter {
  ts: string;
  notifier: string;
  attempts: number;
  /** Why the last attempt failed (no URL, no server reply text). */
  reason: string;
  alert: Alert;
}

export type DeliveryOutcome = "sent" | "retry" | "failed";

export interface DispatcherOptions {
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  queueSize: number;
  deadLetterFile: string;
  /** Called after each attempt, for metrics. */
  onOutcome?: (notifier: string, outcome: DeliveryOutcome) => void;
  /** Told about dead letters and files it could not write; never about alert contents. */
  onProblem?: (message: string, fields: Record<string, unknown>) => void;
  /** How many deliveries run at once. */
  concurrency?: number;
}

interface Job {
  alert: Alert;
  notifier: Notifier;
  attempt: number;
}

/**
 * Delivers alerts off the call path. `enqueue` returns at once and never throws; deliveries run in
 * the background with retries and exponential backoff; a bounded queue keeps a storm of alerts from
 * exhausting memory, and an alert that cannot be delivered (retries used up, permanent refusal, or
 * a full queue) is appended to the dead-letter file for `policygate alerts dead-letters`.
 */
export class AlertDispatcher {
  private readonly ready: Job[] = [];
  /** Jobs waiting for their retry time. */
  private readonly timers = new Map<NodeJS.Timeout, Job>();
  private running = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DispatcherOptions) {}

  /** Jobs queued, waiting for a retry or running: the queue depth metric. */
  get depth(): number {
    return this.ready.length + this.timers.size + this.running;
  }

  enqueue(alert: Alert, notifiers: Notifier[]): void {
    for (const notifier of notifiers) {
      if (this.closed || this.depth >= this.opts.queueSize) {
        this.deadLetter(
          { alert, notifier, attempt: 0 },
          this.closed ? "the gateway was stopping" : "the alert queue was full",
        );
        continue;
      }
      this.ready.push({ alert, notifier, attempt: 0 });
    }
    this.pump();
  }

  /** Resolves when nothing is queued, waiting or running (or after `timeoutMs`). */
  async idle(timeoutMs = 30_000): Promise<void> {
    if (this.depth === 0) return this.writes;
    await Promise.race([
      new Promise<void>((r) => this.idleWaiters.push(r)),
      new Promise<void>((r) => setTimeout(r, timeoutMs).unref()),
    ]);
    await this.writes;
  }

  /**
   * Stops retrying: waits up to `graceMs` for deliveries in flight, then writes whatever is left to
   * the dead-letter file so nothing is lost silently at shutdown.
   */
  async close(graceMs = 5000): Promise<void> {
    await this.idle(graceMs);
    this.closed = true;
    const left = [...this.ready.splice(0), ...this.timers.values()];
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
    for (const job of left) this.deadLetter(job, "the gateway stopped before delivery");
    // Attempts in flight end by their notifier's timeout; a failure now goes to the dead letters.
    await this.idle(60_000);
  }

  private pump(): void {
    const max = this.opts.concurrency ?? 4;
    while (this.running < max && this.ready.length) {
      const job = this.ready.shift()!;
      this.running++;
      void this.attempt(job).finally(() => {
        this.running--;
        this.pump();
        this.checkIdle();
      });
    }
    this.checkIdle();
  }

  private async attempt(job: Job): Promise<void> {
    job.attempt++;
    try {
      await job.notifier.send(job.alert);
      this.opts.onOutcome?.(job.notifier.name, "sent");
      return;
    } catch (e) {
      const err = e instanceof DeliveryError ? e : new DeliveryError("the notifier failed", true);
      if (!err.retry || job.attempt > this.opts.retries || this.closed) {
        this.opts.onOutcome?.(job.notifier.name, "failed");
        this.deadLetter(job, err.message);
        return;
      }
      this.opts.onOutcome?.(job.notifier.name, "retry");
      const delay = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (job.attempt - 1));
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.ready.push(job);
        this.pump();
      }, delay);
      // A pending retry must not keep a finished CLI process alive.
      t.unref();
      this.timers.set(t, job);
    }
  }

  private checkIdle(): void {
    if (this.depth === 0) for (const f of this.idleWaiters.splice(0)) f();
  }

  private deadLetter(job: Job, reason: string): void {
    const letter: DeadLetter = {
      ts: new Date().toISOString(),
      notifier: job.notifier.name,
      attempts: job.attempt,
      reason,
      alert: job.alert,
    };
    this.opts.onProblem?.("alert not delivered; written to the dead-letter file", {
      alert_id: job.alert.id,
      notifier: job.notifier.name,
      attempts: job.attempt,
      reason,
    });
    const file = this.opts.deadLetterFile;
    this.writes = this.writes.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await appendFile(file, JSON.stringify(letter) + "\n", { mode: 0o600 });
      } catch (e) {
        this.opts.onProblem?.("cannot write the alert dead-letter file", {
          file,
          code: (e as NodeJS.ErrnoException).code,
        });
      }
    });
  }
}

/** Reads a dead-letter file; a missing file is an empty list, a damaged line is skipped and counted. */
export async function readDeadLetters(file: string): Promise<{ letters: DeadLetter[]; damaged: number }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { letters: [], damaged: 0 };
    throw e;
  }
  const letters: DeadLetter[] = [];
  let damaged = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      letters.push(JSON.parse(line) as DeadLetter);
    } catch {
      damaged++;
    }
  }
  return { letters, damaged };
}
