import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { environmentSchema } from './environment';
import { configSchema, type Config } from './schema';
import { settings } from './setting';

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** ` (example: NAME=value)` when the variable has an example, so that each message says how to fix it. */
function exampleOf(name: string): string {
  const field = environmentSchema.shape[name as keyof typeof environmentSchema.shape];
  const example = field && settings.get(field)?.example;
  return example ? ` (example: ${name}=${example})` : '';
}

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? 'configuration');
  const example = exampleOf(name);
  const missing = env[name] === undefined;
  if (missing && issue.code === 'invalid_type') return `${name} is required but not set${example}`;
  if (issue.code === 'invalid_value') {
    return `${name} must be one of ${issue.values.map(String).join(', ')}${example}`;
  }
  // The message never includes the value itself: it may be a secret.
  const message = issue.message.startsWith('is ') ? issue.message : `is invalid: ${issue.message}`;
  return `${name} ${message}${example}`;
}

/** Reads and validates the configuration; throws a ConfigError with one line per problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, so that `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const result = configSchema.safeParse(cleaned);
  const problems = result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, cleaned));
  // Checked outside the schema so that it is reported together with every other problem.
  if (
    !cleaned.WEBHOOK_SECRET &&
    !['true', '1', 'yes'].includes(cleaned.ALLOW_INSECURE_WEBHOOKS?.toLowerCase() ?? '')
  ) {
    problems.push(
      `WEBHOOK_SECRET is required unless ALLOW_INSECURE_WEBHOOKS=true: the shared secret Bluestone sends with each webhook${exampleOf('WEBHOOK_SECRET')}`,
    );
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/** Loads `.env` from the working directory (when present) into process.env; real env vars win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
