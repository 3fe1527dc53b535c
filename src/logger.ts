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

/**
 * Replaces every configured secret by `***`, also in the forms it takes inside URLs and JSON (a
 * secret in a query string, in a response body quoted in an error, in a log line's own JSON).
 */
export function masker(secrets: readonly string[]): (line: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets)
    if (secret.length >= MIN_MASKED_LENGTH) for (const form of secretForms(secret)) forms.add(form);
  // Longest first, so that a form that contains another is replaced whole.
  const list = [...forms].sort((a, b) => b.length - a.length);
  // Tokens obtained at run time (Occtoo's bearer tokens) are not configured, but never belong in a log.
  const bearer = (line: string) => line.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***');
  return (line) => bearer(list.reduce((acc, form) => acc.split(form).join('***'), line));
}

/**
 * Shorter values are not masked: a one-letter "secret" (test credentials such as `k`) would blank
 * that letter in every word of every line. The service's own secrets (WEBHOOK_SECRET, ADMIN_TOKEN)
 * must have 16 characters; credentials issued by Bluestone and Occtoo are long.
 */
const MIN_MASKED_LENGTH = 4;

/** How deep JSON may nest a secret: a body quoted in an error message, inside a JSON log line, … */
const JSON_DEPTH = 3;

/**
 * A secret as written; URL-encoded (percent and form encoding, either hex case); JSON-escaped up
 * to JSON_DEPTH times, by JSON.stringify or by writers that escape non-ASCII as `\uXXXX`.
 */
function secretForms(secret: string): string[] {
  const json = (s: string) => JSON.stringify(s).slice(1, -1);
  const asciiJson = (s: string) =>
    json(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  const percent = safely(() => encodeURIComponent(secret));
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const forms = [secret, form, lowerHex(form)];
  if (percent) forms.push(percent, lowerHex(percent));
  for (let depth = 0, plain = secret, ascii = secret; depth < JSON_DEPTH; depth++) {
    plain = json(plain);
    ascii = asciiJson(ascii);
    forms.push(plain, ascii);
  }
  return forms;
}

/** encodeURIComponent throws on a lone surrogate; such a secret has no percent-encoded form. */
function safely(encode: () => string): string | undefined {
  try {
    return encode();
  } catch {
    return undefined;
  }
}
