import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The demo's data folder (Temporal's database) is wiped at every start, so each demo begins
 * clean. A second demo must not wipe the folder of one that is still running: a pid file says
 * whose it is.
 */
export class DemoAlreadyRunning extends Error {
  constructor(
    readonly pid: number,
    dir: string,
  ) {
    super(`Another demo (pid ${pid}) is running with ${dir}: stop it with Ctrl-C (or kill ${pid}) first.`);
    this.name = 'DemoAlreadyRunning';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Empties `dir` and claims it for this process; throws DemoAlreadyRunning when another demo owns it. */
export function claimDemoDataDir(dir: string): void {
  const pidFile = path.join(dir, 'demo.pid');
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    // No pid file: nobody owns it.
  }
  if (owner && Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    throw new DemoAlreadyRunning(owner, dir);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(pidFile, `${process.pid}\n`);
}

/** Gives the folder up (its database stays, for a look afterwards, until the next demo). */
export function releaseDemoDataDir(dir: string): void {
  const pidFile = path.join(dir, 'demo.pid');
  try {
    if (Number(readFileSync(pidFile, 'utf8').trim()) === process.pid) rmSync(pidFile, { force: true });
  } catch {
    // Already gone.
  }
}
