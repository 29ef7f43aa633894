import { builtinModules, createRequire } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Workflow code runs inside Temporal's deterministic sandbox; these modules either touch the outside
// world or drag in the worker/client runtime. ops/check-workflow-imports.ts enforces the same list
// across the transitive import graph, which this per-file rule cannot see.
const sandboxMessage = 'Workflows run in the Temporal sandbox: move this into an activity, or use `import type`.';

const sandbox = createRequire(import.meta.url)('./ops/workflow-sandbox.json');
const forbiddenPackages = sandbox.packages;
const forbiddenDirs = sandbox.dirs;

const commonJsGlobals = {
  module: 'readonly',
  require: 'readonly',
  exports: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
  process: 'readonly',
  console: 'readonly',
};

export default defineConfig(
  globalIgnores(['**/node_modules/', '**/generated/', '**/dist/', '**/.lantai/', '**/coverage/']),

  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `require(x) as typeof import(x)` is the only way to type a lazy require, so inline import() types stay legal.
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },

  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: commonJsGlobals },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },

  {
    files: ['workflows/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...forbiddenPackages].map((name) => ({
            name,
            message: sandboxMessage,
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: ['node:*', '@prisma/*', '@aws-sdk/*', 'pino-*', 'minio/*', 'express/*', 'pg/*'],
              message: sandboxMessage,
              allowTypeImports: true,
            },
            {
              regex: `^(?:\\.\\./)+(?:${forbiddenDirs.join('|')})(?:/|$)`,
              message:
                'Workflows may reach activities, api, worker, devices, prisma, store, ops, config and generated code only through `import type`.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },

  // The layers of README's Layout: a route parses, authorises, calls a use case and replies; data access is in
  // catalogue/ only; nothing outside workflows/ takes a workflow's code, only its contract.
  {
    files: ['api/**'],
    ignores: ['api/main.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(workflows|activities|prisma)(/|$)',
              message: 'Routes call use cases (use-cases/); workflows are started there by their contract, data is read in catalogue/.',
              allowTypeImports: true,
            },
            {
              regex: '^(@prisma/|@temporalio/client$|pg$)',
              message: 'Routes reach the catalogue and Temporal through use cases.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/**'],
    ignores: ['api/main.ts', 'api/authorise.ts', 'api/items.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^\\.\\./catalogue(/|$)', message: 'Routes reach the catalogue through use cases.', allowTypeImports: true }],
        },
      ],
    },
  },
  {
    files: ['activities/**', 'use-cases/**', 'worker/**', 'bench/**', 'ops/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+workflows(/|$)',
              message: "Start a step and talk to it through its contract (contracts/<step>.ts), not its workflow's code.",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**', 'use-cases/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+prisma/', message: 'Data access lives in catalogue/.', allowTypeImports: true },
            { regex: '^@prisma/', message: 'Data access lives in catalogue/.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['catalogue/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(api|use-cases|activities|workflows|worker)(/|$)',
              message: 'The catalogue is the bottom layer: it imports no route, use case, activity or workflow.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['contracts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!domain/|contracts/)',
              message: 'A contract is pure: it imports only domain/, other contracts and Temporal definitions.',
            },
          ],
        },
      ],
    },
  },
);
