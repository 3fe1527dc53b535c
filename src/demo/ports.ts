import { freePort, portIsFree } from '../ports';

/**
 * The demo prefers the usual ports (Temporal 7233, its UI 8233, the gateway 3000, the
 * simulators 4010/4020) so that its links look familiar, but a developer may have `npm start`
 * or `npm run sim` running: then it takes free ones and says so instead of failing.
 */
export interface PickedPort {
  /** What listens there, in words (e.g. `Temporal UI`). */
  name: string;
  port: number;
  preferred: number;
  /** The preferred port was in use. */
  moved: boolean;
}

/** One port per name: the preferred one when free (on every interface and on 127.0.0.1), else any. */
export async function pickPorts<K extends string>(
  preferred: Record<K, number>,
  labels: Partial<Record<K, string>> = {},
  host = '127.0.0.1',
): Promise<Record<K, PickedPort>> {
  const picked = {} as Record<K, PickedPort>;
  const taken = new Set<number>();
  for (const name of Object.keys(preferred) as K[]) {
    const want = preferred[name];
    // `npm start`'s gateway listens on every interface, the embedded server on 127.0.0.1: probe both.
    const free = !taken.has(want) && (await portIsFree(want, host)) && (await portIsFree(want, '0.0.0.0'));
    let port = want;
    if (!free) {
      do port = await freePort(host);
      while (taken.has(port));
    }
    taken.add(port);
    picked[name] = { name: labels[name] ?? name, port, preferred: want, moved: !free };
  }
  return picked;
}
