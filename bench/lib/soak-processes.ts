/**
 * The soak's moving parts, each of which it can take down and bring back: a service process (the
 * worker, the gateway) kept running by a supervisor, and the Temporal dev server on a fixed port
 * with its database in a file, so that workflows survive its restart.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/logger';
import { startDevServer, type DevServer } from '../../src/worker/dev-server';
import { requireTemporalCli } from '../../src/worker/temporal-cli';
import { spawnTs, type TsChild } from './children';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UnplannedExit {
  /** ms since the soak began. */
  at: number;
  code: number | null;
  /** The process's last lines, to see why. */
  tail: string;
}

export interface SupervisedOptions {
  name: string;
  script: string;
  args: string[];
  env: Record<string, string>;
  /** The log line that says it is ready (the worker polls, the gateway listens). */
  ready: (line: string) => boolean;
  /** Every start's output goes to `<logDir>/<name>-<n>.log`. */
  logDir: string;
  /** ms since the soak began, for the record of exits. */
  clock: () => number;
  readyTimeoutMs?: number;
}

/**
 * A service process kept running: one that exits without being told to is recorded as an
 * unplanned exit and started again a second later (start-up failures are retried too).
 */
export class SupervisedProcess {
  readonly unplannedExits: UnplannedExit[] = [];
  starts = 0;
  private current: TsChild | undefined;
  private starting: Promise<void> | undefined;
  private planned = false;
  private stopping = false;

  constructor(private readonly options: SupervisedOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  get name(): string {
    return this.options.name;
  }

  /** Running and ready (or being started). */
  get up(): boolean {
    return this.current !== undefined && this.current.child.exitCode === null && !this.planned;
  }

  /** Starts it unless it runs; resolves once it is ready. */
  ensureUp(): Promise<void> {
    if (this.up && !this.starting) return Promise.resolve();
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Takes it down on purpose: SIGKILL to its process group, or SIGTERM (a graceful stop). */
  async takeDown(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    await this.starting;
    const child = this.current;
    if (!child) return;
    this.planned = true;
    try {
      if (signal === 'SIGKILL') child.kill();
      else await child.stop(15_000);
      await child.exited;
      // tsx's node child may outlive tsx by a moment: the whole group goes.
      child.kill();
    } finally {
      this.current = undefined;
      this.planned = false;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.starting?.catch(() => undefined);
    await this.current?.stop(15_000);
  }

  /** Synchronous last resort (process exit). */
  kill(): void {
    this.stopping = true;
    this.current?.kill();
  }

  private async start(): Promise<void> {
    const { name, script, args, env, ready, logDir } = this.options;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) return;
      this.starts++;
      const child = spawnTs(script, args, env);
      const log: WriteStream = createWriteStream(path.join(logDir, `${name}-${this.starts}.log`));
      child.child.stdout?.on('data', (c: Buffer) => log.write(c));
      child.child.stderr?.on('data', (c: Buffer) => log.write(c));
      void child.exited.then(() => log.end());
      this.current = child;
      try {
        await child.waitForLine(ready, this.options.readyTimeoutMs ?? 180_000, `the ${name} to be ready`);
      } catch (err) {
        child.kill();
        this.current = undefined;
        // Started while Temporal was down, say: try again, a few times.
        if (attempt >= 5 || this.stopping) throw err;
        await sleep(2_000);
        continue;
      }
      void child.exited.then((code) => this.exited(child, code));
      return;
    }
  }

  private exited(child: TsChild, code: number | null): void {
    if (this.current !== child || this.planned || this.stopping) return;
    this.current = undefined;
    this.unplannedExits.push({ at: this.options.clock(), code, tail: child.tail() });
    setTimeout(() => void this.ensureUp().catch(() => undefined), 1_000);
  }
}

/**
 * The Temporal dev server (src/worker/dev-server.ts, as `npm start` runs it) on a fixed loopback
 * port, persisted to `<dataDir>/temporal.db`: a restart keeps every workflow and its history.
 */
export class RestartableTemporal {
  private server: DevServer | undefined;
  private readonly cliPath = requireTemporalCli();

  constructor(private readonly options: { port: number; uiPort: number; dataDir: string; logger: Logger }) {}

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    // Right after a stop its ports may still be held for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        this.server = await startDevServer({
          cliPath: this.cliPath,
          ip: '127.0.0.1',
          port: this.options.port,
          uiPort: this.options.uiPort,
          namespace: 'default',
          dataDir: this.options.dataDir,
          logger: this.options.logger,
        });
        return;
      } catch (err) {
        if (attempt >= 10) throw err;
        await sleep(1_000);
      }
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}
