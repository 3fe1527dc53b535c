import { DefaultLogger, type LogEntry, type LogLevel, type Logger } from '@temporalio/worker';

/**
 * One logger for the worker, the gateway and the Temporal runtime: JSON lines in production
 * (one event per line, with workflow and run ids when Temporal attaches them), readable lines
 * on a terminal. Configured secrets are masked wherever they appear.
 */
export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Defaults to pretty on a terminal, JSON otherwise. */
  format?: 'json' | 'pretty';
  secrets?: string[];
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const mask = masker(options.secrets ?? []);
  return new DefaultLogger(options.level, (entry: LogEntry) => {
    write(mask(format === 'json' ? jsonLine(entry) : prettyLine(entry)));
  });
}

function jsonLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level, msg: entry.message, ...entry.meta }, bigintSafe);
}

function prettyLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString().slice(11, 23);
  const meta =
    entry.meta && Object.keys(entry.meta).length ? ' ' + JSON.stringify(entry.meta, bigintSafe) : '';
  return `${time} ${entry.level.padEnd(5)} ${entry.message}${meta}`;
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function masker(secrets: string[]): (line: string) => string {
  // Very short values would mask ordinary words; config requires real secrets to be longer.
  const list = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  // Tokens obtained at run time (Occtoo's bearer tokens) are not configured, but never belong in a log.
  const bearer = (line: string) => line.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***');
  return (line) => bearer(list.reduce((acc, secret) => acc.split(secret).join('***'), line));
}
