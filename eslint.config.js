// eslint.config.js - lint rules that match the code as written (npm run lint).
'use strict';
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // Present style: single quotes, semicolons, === everywhere, const by default.
      quotes: ['error', 'single', { avoidEscape: true, allowTemplateLiterals: true }],
      semi: ['error', 'always'],
      eqeqeq: ['error', 'always'],
      'prefer-const': 'error',
      // CommonJS output: lazy require() of optional parts (serialport, energy) is deliberate.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-var-requires': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^(_|t$)', varsIgnorePattern: '^(_|t$)', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `a = x, b = y;` on one line is house style (as in the C).
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests stub untyped corners (fake streams, addon internals).
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
