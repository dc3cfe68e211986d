import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx}'],
		plugins: {'react-hooks': reactHooks},
		rules: {
			...reactHooks.configs.recommended.rules,
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			eqeqeq: ['error', 'always'],
			'no-console': 'off',
		},
	},
	{
		// The JSON Schema is made at build time (npm run schema): the CLI never pays for it.
		files: ['source/**/*.{ts,tsx}'],
		ignores: ['source/build/scenario-schema.ts'],
		rules: {
			'no-restricted-syntax': ['error', {selector: "MemberExpression[property.name='toJSONSchema']", message: 'only source/build/scenario-schema.ts makes JSON Schema'}],
		},
	},
	{
		// The kernel is deterministic: no wall clock, no timers, no ambient randomness, no I/O.
		files: ['source/kernel/**/*.ts'],
		rules: {
			'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'performance', 'process'],
			'no-restricted-properties': [
				'error',
				{object: 'Date', property: 'now', message: 'virtual time only in the kernel'},
				{object: 'Math', property: 'random', message: 'use the seeded PRNG'},
			],
			'no-restricted-imports': ['error', {patterns: ['node:*', 'fs', 'path', 'react', 'ink']}],
		},
	},
);
