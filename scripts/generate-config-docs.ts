/**
 * Writes docs/configuration.md from the configuration schema's fields and their documentation
 * (src/config/environment.ts), so that the reference cannot drift from the code:
 *
 *   npm run docs:config
 *
 * test/unit/config-docs.test.ts fails when the file is not what this script writes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { environmentSchema, SECTIONS, settings, type Setting } from '../src/config';

export const CONFIGURATION_DOC = path.resolve(__dirname, '../docs/configuration.md');

const INTRO = `# Configuration

<!-- Generated from src/config/environment.ts by \`npm run docs:config\`: edit the schema, not this file. -->

Read from the environment, and from a \`.env\` file in the working directory when present (real environment
variables win; an empty value counts as unset). A missing or malformed value stops start-up with one line per
problem — which variable, what is wrong, an example — and exit code 2. Secrets are never printed.
\`.env.example\` lists the settings most deployments set.

Each variable names its counterpart in Occtoo's original C# provider, where there is one.`;

/** Variables read by the tooling around the service, not by the service itself. */
const TOOLING = `## Read by the tooling, not the service

- \`TEMPORAL_CLI_PATH\`: the \`temporal\` executable for the embedded server and the tests. Unset: found on \`PATH\`.
- \`TEMPORAL_TEST_ADDRESS\`: the tests use this Temporal server instead of starting one. Unset: they start one.`;

/** The original provider's settings that have no variable here, and what took their place. */
const REPLACED = `## What replaced the original provider's plumbing

- \`StorageConnectionString\` (Azure Storage account): none; Temporal persists workflow state and history.
- \`ProductQueue\` (\`product-queue\`, one message per page): Temporal's task queue (\`TEMPORAL_TASK_QUEUE\`); each page is a durable activity.
- \`ProductContainer\` (\`productfullsync\` blobs, one per page): nothing; workflows pass cursors and counts, never product payloads; pages are re-read on retry.
- Azure Table \`Log\`: structured logs plus each workflow's history and result in the Temporal UI.
- Azure Table \`OcctooToken\`: an in-memory token cache per data provider, refreshed before expiry.
- Azure Function keys: \`WEBHOOK_SECRET\` for webhooks, \`ADMIN_TOKEN\` for admin routes.
- \`BluestoneCategoriesScan\`, \`BluestoneProductsCursor\`, ... (endpoint paths): fixed in the client; only the base URL is configurable.
- \`ProductsLimit\` (cursor page size 100): fixed at the API maximum, 100.`;

/** Every variable of the schema with its documentation, in the schema's order. */
export function documentedVariables(): { name: string; about: Setting; required: boolean }[] {
  return Object.entries(environmentSchema.shape).map(([name, field]) => {
    const about = settings.get(field);
    if (!about) throw new Error(`${name} has no documentation: declare it with setting(…) in src/config`);
    return { name, about, required: !field.safeParse(undefined).success };
  });
}

function whenUnset(about: Setting, required: boolean): string {
  if (about.default !== undefined)
    return about.default === '' ? 'Default: empty.' : `Default: \`${about.default}\`.`;
  if (required) return '**Required.**';
  return `Unset: ${about.whenUnset ?? 'none'}.`;
}

function variable(name: string, about: Setting, required: boolean): string {
  const lines = [`### \`${name}\``, '', about.description, '', `- ${whenUnset(about, required)}`];
  if (about.example !== undefined) lines.push(`- Example: \`${name}=${about.example}\``);
  lines.push(`- Original provider: ${about.provider ?? 'none'}`);
  return lines.join('\n');
}

/**
 * docs/configuration.md as this script writes it. Plain headings and lists, no tables: Prettier
 * (\`npm run lint\`) leaves the text as it is, and padded table columns would swell the file.
 */
export function renderConfigurationDoc(): string {
  const variables = documentedVariables();
  const sections = SECTIONS.map((section) =>
    [
      `## ${section}`,
      ...variables
        .filter((v) => v.about.section === section)
        .map(({ name, about, required }) => variable(name, about, required)),
    ].join('\n\n'),
  );
  return [INTRO, ...sections, TOOLING, REPLACED].join('\n\n') + '\n';
}

if (require.main === module) {
  writeFileSync(CONFIGURATION_DOC, renderConfigurationDoc());
  console.log(`wrote ${path.relative(process.cwd(), CONFIGURATION_DOC)}`);
}
