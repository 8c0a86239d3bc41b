import { randomBytes } from "node:crypto";
import { FileSwitchSource, HOST, type SwitchSource } from "./switch-source.js";
import type { SwitchEntry, SwitchState } from "./switch-state.js";

export const SWITCH_POLL_MS = 200;
/** How often a replica sharing a database re-acknowledges, so `provider disable` knows it still runs. */
export const ACK_REFRESH_MS = 2_000;

export interface ProviderSwitchOptions {
  /** The file-backed switch in this data directory (used when no `source` is given). */
  dataDir?: string;
  /** Where the switch lives otherwise (PostgreSQL); such a switch is made with ProviderSwitch.open. */
  source?: SwitchSource;
  /** How often the state is checked; a change is in force within this (well under a second). */
  pollMs?: number;
  /** Told when the state cannot be read: the last good state stays in force. */
  onError?: (e: unknown) => void;
  onChange?: (s: SwitchState) => void;
}

/**
 * A running gateway's view of the kill switch. Checks the source's stamp every `pollMs` (a stat
 * call, or one single-row query on PostgreSQL; the state is read only when it changed), applies it,
 * and acknowledges the revision it applied so `policygate provider disable` can wait until every
 * running gateway has it. The admin endpoint changes the state through `set`, which is in force for
 * new calls on this gateway before it resolves.
 */
export class ProviderSwitch {
  private state: SwitchState;
  private stamp = "";
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Counts `set` calls, so a poll that read the state before one finished does not undo it. */
  private sets = 0;
  private lastAck = 0;
  private closed = false;
  readonly instance = `${process.pid}-${randomBytes(4).toString("hex")}`;
  readonly source: SwitchSource;
  private readonly pollMs: number;

  /**
   * The file-backed switch (opts.dataDir), read now: a gateway must not start with a switched-off
   * provider on, so an unreadable file throws here. Other sources go through `open`.
   */
  constructor(
    private readonly opts: ProviderSwitchOptions,
    initial?: { state: SwitchState; stamp: string },
  ) {
    this.pollMs = opts.pollMs ?? SWITCH_POLL_MS;
    if (initial) {
      this.source = opts.source!;
      this.stamp = initial.stamp;
      this.state = initial.state;
      return;
    }
    if (opts.source && !(opts.source instanceof FileSwitchSource))
      throw new Error("a switch with this source is made with ProviderSwitch.open");
    const file = opts.source ?? new FileSwitchSource(opts.dataDir!);
    this.source = file;
    this.stamp = file.stampNow();
    this.state = file.readNow();
  }

  /** Reads the state first and throws when it cannot: the gateway then does not start (fail closed). */
  static async open(opts: ProviderSwitchOptions): Promise<ProviderSwitch> {
    if (!opts.source) return new ProviderSwitch(opts);
    const stamp = await opts.source.stamp();
    const state = await opts.source.read();
    return new ProviderSwitch(opts, { state, stamp });
  }

  /** The switch entry when `provider` is switched off, else undefined. */
  disabled(provider: string): SwitchEntry | undefined {
    return Object.hasOwn(this.state.providers, provider) ? this.state.providers[provider] : undefined;
  }

  get current(): SwitchState {
    return this.state;
  }

  start(): void {
    this.ack();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Switches a provider off (entry) or on (null), in the source and in this process at once. */
  async set(provider: string, entry: SwitchEntry | null): Promise<SwitchState> {
    const next = await this.source.update((s) => {
      if (entry) {
        s.providers[provider] = entry;
        return true;
      }
      if (!Object.hasOwn(s.providers, provider)) return false;
      delete s.providers[provider];
      return true;
    });
    this.sets++;
    // The stamp is not re-read: the next poll reads the state once more, which is harmless.
    this.apply(next, this.stamp);
    return next;
  }

  /** Stops polling, withdraws this gateway's acknowledgement and closes the source. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // A poll still in flight must not acknowledge again after the acknowledgement is withdrawn.
    this.closed = true;
    await this.source.removeAck(this.instance).catch((e: unknown) => this.opts.onError?.(e));
    await this.source.close().catch(() => undefined);
  }

  private async poll(): Promise<void> {
    // A slow database must not pile up polls: the next one starts after this one ends.
    if (this.polling) return;
    this.polling = true;
    const sets = this.sets;
    try {
      const stamp = await this.source.stamp();
      if (stamp !== this.stamp) {
        const state = await this.source.read();
        if (sets === this.sets) this.apply(state, stamp);
      } else if (this.source.shared && Date.now() - this.lastAck >= ACK_REFRESH_MS) this.ack();
    } catch (e) {
      this.opts.onError?.(e);
    } finally {
      this.polling = false;
    }
  }

  private apply(state: SwitchState, stamp: string): void {
    this.stamp = stamp;
    const changed = state.revision !== this.state.revision;
    this.state = state;
    if (this.timer || changed) this.ack();
    if (changed) this.opts.onChange?.(state);
  }

  private ack(): void {
    if (this.closed) return;
    this.lastAck = Date.now();
    this.source
      .writeAck({
        pid: process.pid,
        instance: this.instance,
        revision: this.state.revision,
        at: new Date().toISOString(),
        ...(this.source.shared ? { host: HOST } : {}),
      })
      .catch((e: unknown) => this.opts.onError?.(e));
  }
}
