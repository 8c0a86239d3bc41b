import { randomBytes } from "node:crypto";
import {
  readSwitchState,
  removeAck,
  switchFileStamp,
  updateSwitchState,
  writeAck,
  type SwitchEntry,
  type SwitchState,
} from "./switch-state.js";

export const SWITCH_POLL_MS = 200;

export interface ProviderSwitchOptions {
  dataDir: string;
  /** How often the state file is checked; a change is in force within this (well under a second). */
  pollMs?: number;
  /** Told when the file cannot be read: the last good state stays in force. */
  onError?: (e: unknown) => void;
  onChange?: (s: SwitchState) => void;
}

/**
 * A running gateway's view of the kill switch. Checks the state file every `pollMs` (a stat call;
 * the file is read only when it changed), applies it, and acknowledges the revision it applied so
 * `policygate provider disable` can wait until every running gateway has it. The admin endpoint
 * changes the state through `set`, which is in force for new calls before it returns.
 */
export class ProviderSwitch {
  private state: SwitchState;
  private stamp = "";
  private timer: NodeJS.Timeout | undefined;
  readonly instance = `${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly pollMs: number;

  constructor(private readonly opts: ProviderSwitchOptions) {
    this.pollMs = opts.pollMs ?? SWITCH_POLL_MS;
    this.stamp = switchFileStamp(opts.dataDir);
    // A gateway must not start with a switched-off provider on: an unreadable file stops the start.
    this.state = readSwitchState(opts.dataDir);
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
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Switches a provider off (entry) or on (null), in the file and in this process at once. */
  set(provider: string, entry: SwitchEntry | null): SwitchState {
    const next = updateSwitchState(this.opts.dataDir, (s) => {
      if (entry) {
        s.providers[provider] = entry;
        return true;
      }
      if (!Object.hasOwn(s.providers, provider)) return false;
      delete s.providers[provider];
      return true;
    });
    this.apply(next, switchFileStamp(this.opts.dataDir));
    return next;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    removeAck(this.opts.dataDir, this.instance);
  }

  private poll(): void {
    const stamp = switchFileStamp(this.opts.dataDir);
    if (stamp === this.stamp) return;
    try {
      this.apply(readSwitchState(this.opts.dataDir), stamp);
    } catch (e) {
      this.opts.onError?.(e);
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
    try {
      writeAck(this.opts.dataDir, {
        pid: process.pid,
        instance: this.instance,
        revision: this.state.revision,
        at: new Date().toISOString(),
      });
    } catch (e) {
      this.opts.onError?.(e);
    }
  }
}
