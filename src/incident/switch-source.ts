import { hostname } from "node:os";
import {
  liveAcks,
  readSwitchState,
  removeAck,
  switchFileStamp,
  updateSwitchState,
  writeAck,
  type SwitchAck,
  type SwitchState,
} from "./switch-state.js";

/**
 * Where the kill switch's state and the gateways' acknowledgements live: the data directory (one
 * host) or the PostgreSQL audit database (every replica sharing it). The CLI, the admin endpoint
 * and ProviderSwitch only talk to this, so both behave the same way.
 */
export interface SwitchSource {
  /** For messages: the data directory, or the database URL without credentials. */
  readonly description: string;
  /** True when replicas on other hosts see the same switch (the acks then name their host). */
  readonly shared: boolean;
  /** Changes whenever the state changes, and is cheap enough to ask every poll. */
  stamp(): Promise<string>;
  /** The state; an unreadable one is an error, never "everything on". */
  read(): Promise<SwitchState>;
  /** Applies `change` under a lock and bumps the revision when it returns true; returns the state after. */
  update(change: (s: SwitchState) => boolean): Promise<SwitchState>;
  writeAck(ack: SwitchAck): Promise<void>;
  removeAck(instance: string): Promise<void>;
  /** Acknowledgements of gateways that are still running. */
  liveAcks(): Promise<SwitchAck[]>;
  close(): Promise<void>;
}

/** The switch as one JSON file in a data directory, as it has always been (see switch-state.ts). */
export class FileSwitchSource implements SwitchSource {
  readonly shared = false;
  constructor(readonly dataDir: string) {}

  get description(): string {
    return this.dataDir;
  }

  /** Synchronous reads, so a file-backed ProviderSwitch can be built (and fail) in a constructor. */
  stampNow(): string {
    return switchFileStamp(this.dataDir);
  }

  readNow(): SwitchState {
    return readSwitchState(this.dataDir);
  }

  async stamp(): Promise<string> {
    return this.stampNow();
  }

  async read(): Promise<SwitchState> {
    return this.readNow();
  }

  async update(change: (s: SwitchState) => boolean): Promise<SwitchState> {
    return updateSwitchState(this.dataDir, change);
  }

  async writeAck(ack: SwitchAck): Promise<void> {
    writeAck(this.dataDir, ack);
  }

  async removeAck(instance: string): Promise<void> {
    removeAck(this.dataDir, instance);
  }

  async liveAcks(): Promise<SwitchAck[]> {
    return liveAcks(this.dataDir);
  }

  async close(): Promise<void> {}
}

/** How a gateway is named in messages: its pid on this host, host/pid across hosts. */
export function ackLabel(a: SwitchAck): string {
  return a.host ? `${a.host}/${a.pid}` : String(a.pid);
}

export const HOST = hostname();
