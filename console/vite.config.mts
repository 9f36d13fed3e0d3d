/// <reference types="vitest/config" />
import { defineConfig, loadEnv } from 'vite';

/**
 * Built into the service's output (dist/console), served at /console. React's JSX goes through
 * Vite's own oxc transform (no Babel plugin). `npm run console:dev` proxies the API to a running
 * service at AGENTMESH_URL (default http://127.0.0.1:3000) with hot reload.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, '.', '');
  const target = env.AGENTMESH_URL || 'http://127.0.0.1:3000';
  return {
    base: '/console/',
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: '../dist/console',
      emptyOutDir: true,
      assetsDir: 'assets',
      sourcemap: false,
      // The console's CSP has no 'unsafe-inline': nothing may be inlined as a data: script.
      assetsInlineLimit: 0,
    },
    server: {
      proxy: { '/api': { target, changeOrigin: false } },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  };
});
