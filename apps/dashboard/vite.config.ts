import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// In development the page runs on Vite's server and calls the API on the same origin through this
// proxy, exactly as it does when the API serves the built files at /dashboard/.
// biome-ignore lint/complexity/useLiteralKeys: process.env is typed as an index signature.
const apiTarget = process.env['CREDITS_API_URL'] ?? 'http://127.0.0.1:8787';

export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  server: {
    proxy: {
      '/v1': { target: apiTarget, changeOrigin: true },
      '/healthz': { target: apiTarget, changeOrigin: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
