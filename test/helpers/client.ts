/**
 * A CxoneClient wired to a fresh emulator on a manual clock: sleeps are recorded and advance
 * the clock instead of waiting, so tests assert scheduled delays.
 */
import type { TestContext } from "node:test";
import { CxoneClient, type Settings } from "../../provider/cxone/client";
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, type Emulator, type EmulatorOptions } from "../../provider/emulator/emulator";
import type { Tally } from "../../provider/shared/types";
import { manualClock, startEmulator } from "./emulator";

export interface ClientSetup {
  emulator?: EmulatorOptions;
  settings?: Partial<Settings>;
  clientId?: string;
  clientSecret?: string;
  random?: () => number;
}

export async function clientWithEmulator(t: TestContext, options: ClientSetup = {}) {
  const clock = manualClock();
  const sleeps: number[] = [];
  const logs: string[] = [];
  const emu = await startEmulator(t, { now: clock.now, ...options.emulator });
  const client = new CxoneClient(
    {
      baseUrl: emu.url,
      tokenUrl: emu.tokenUrl,
      clientId: options.clientId ?? EMULATOR_CLIENT_ID,
      clientSecret: options.clientSecret ?? EMULATOR_CLIENT_SECRET,
    },
    {
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      random: options.random ?? (() => 0.5),
      settings: options.settings,
      log: (line) => logs.push(line),
    },
  );
  t.after(() => client.close());
  return { emu, client, clock, sleeps, logs };
}

export const tally = (): Tally => ({ httpRequests: 0, retries: 0 });
export const routes = (emu: Emulator, route: string) => emu.requests.filter((r) => r.route === route);
