import { defineConfig } from 'vitest/config';

// FUZZ_SCALE=20 (a longer fuzz hunt, test/fuzz/arbitraries.ts) runs 20 times the inputs: the time
// allowed grows with it, so a long hunt fails only on what it finds.
const scale = Math.max(1, Number(process.env.FUZZ_SCALE ?? 1) || 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: Math.round(30_000 * scale),
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
