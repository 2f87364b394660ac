import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/actions/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Actions and libraries talk to the runner through the kit only: one place reads inputs and masks secrets.
    files: ['actions/**/*.ts', 'src/**/*.ts', 'packages/**/*.ts'],
    ignores: ['packages/kit/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(getInput|getBooleanInput|getMultilineInput|setOutput|saveState|getState)$/]',
          message: 'Use the kit: parseInputs, defineOutputs, SavedState.',
        },
        {
          selector: "ImportDeclaration[source.value='node:child_process']",
          message: "Run programs with the kit's exec: argument arrays, masking, timeouts.",
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@swiss-deploy/*/*'], message: 'Import a package through its door.' }] },
      ],
    },
  },
  {
    files: ['**/*.cjs', 'test/env/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
