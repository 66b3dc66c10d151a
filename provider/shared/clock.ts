import { setTimeout as delay } from "node:timers/promises";
import type { Clock, Sleep } from "./types";

/** The real clock and sleep; tests inject their own to check scheduled delays without waiting. */
export const systemClock: Clock = { now: () => Date.now() };
export const systemSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });
