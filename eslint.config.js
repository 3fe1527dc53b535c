// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');

const nodeBuiltins = require('node:module').builtinModules.filter((m) => !m.startsWith('_'));

/** An import pattern for `no-restricted-imports`: anything under src/<folder>, however it is reached. */
function importsFrom(folder, message = `Not from src/${folder}: see the layout in the README.`) {
  return { regex: `(^|/)${folder}(/|$)`, message };
}

/**
 * `no-restricted-syntax` selectors for a workflow named by a string: a start, execute, signal or
 * query call whose first argument is a string, and a Schedule action's `workflowType: '…'`.
 */
function workflowByNameSelectors() {
  const stringArgument = ['Literal', 'TemplateLiteral'].map((type) => `[arguments.0.type='${type}']`);
  const calls = [
    // client.workflow.start / execute / signalWithStart (and env.client.workflow…)
    "CallExpression[callee.object.property.name='workflow'][callee.property.name=/^(start|execute|signalWithStart|executeUpdateWithStart)$/]",
    // handle.query / handle.signal, and client.workflow.getHandle(id).query (other `query` calls, such as SQL, pass)
    'CallExpression[callee.object.name=/[hH]andle$/][callee.property.name=/^(query|signal)$/]',
    "CallExpression[callee.object.callee.property.name='getHandle'][callee.property.name=/^(query|signal)$/]",
    // child workflows, from workflow code
    'CallExpression[callee.name=/^(executeChild|startChild)$/]',
  ];
  const message =
    'Name the workflow, signal or query by its definition, not a string: ' +
    '`client.workflow.start(fullSync, …)`, `handle.query(fullSyncProgressQuery)` (src/shared/messages.ts).';
  return [
    ...calls.flatMap((call) => stringArgument.map((arg) => ({ selector: call + arg, message }))),
    ...['Literal', 'TemplateLiteral'].map((type) => ({
      selector: `Property[key.name='workflowType'][value.type='${type}']`,
      message: 'A Schedule action takes the workflow function: `workflowType: refreshSyncs`.',
    })),
  ];
}

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', '**/*.js', '!bin/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node modules, no I/O, no zod.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({ name, message: 'Not in workflow code.' })),
            {
              name: 'zod',
              message: 'zod costs memory per cached workflow; validate in activities or the gateway.',
            },
            { name: 'axios', message: 'No I/O in workflow code: call an activity.' },
            { name: 'express', message: 'No I/O in workflow code.' },
          ],
        },
      ],
    },
  },
  {
    // One Temporal contract: workflows are started, signalled and queried through their function
    // and their signal/query definitions, so a renamed workflow or query fails to compile.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...workflowByNameSelectors()],
    },
  },
  // Layout: the arrows run from the edges (api, cli, activities, workflows) to the rooms, never back.
  {
    files: ['src/bluestone/**/*.ts', 'src/occtoo/**/*.ts', 'src/mapping/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...['activities', 'workflows', 'api', 'cli'].map((folder) => importsFrom(folder))] },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts', 'src/config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [importsFrom('activities')] }] },
  },
  {
    // The simulators model Bluestone and Occtoo independently: they share their types, not their code.
    files: ['src/sim/**/*.ts'],
    ignores: ['src/sim/expected-state.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            importsFrom('activities'),
            {
              ...importsFrom('bluestone', 'The simulators import only types from src/bluestone.'),
              allowTypeImports: true,
            },
            {
              ...importsFrom('occtoo', 'The simulators import only types from src/occtoo.'),
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // The one exception: the test oracle still reads entities with the service's own schemas and
    // merge. Issue #17 rewrites it to share no code; then it joins the rule above.
    files: ['src/sim/expected-state.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [importsFrom('activities')] }] },
  },
  {
    files: ['bin/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
