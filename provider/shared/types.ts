/** Shapes shared by the client, the emulator and the provider. */

/** `configuration.dateProcessing`, the part of a Data Action this provider owns. */
export interface DateProcessing {
  sourceField: string;
  targetField: string;
  computedValue: string;
  timezone: string;
  dstAdjustment: boolean;
  precision: number;
  [key: string]: unknown;
}

export interface DataAction {
  id: string;
  name: string;
  type?: string;
  enabled: boolean;
  version?: number;
  configuration: { dateProcessing?: DateProcessing; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ListPage {
  entities: DataAction[];
  total: number;
  page: number;
  pageSize: number;
}

/** Injected time, so tests check scheduled delays instead of waiting. */
export interface Clock {
  now(): number; // ms since the epoch
}
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Per-operation counters that end up in the audit record. */
export interface Tally {
  httpRequests: number;
  retries: number;
}
