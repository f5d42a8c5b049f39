import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run build:web` (= `vite build web`) builds into web/dist, which the API serves at `/`.
// `npx vite web` serves the dashboard with hot reload and forwards API calls to a running
// `npm start` (PALISADE_API_PORT, default 8080).
const root = fileURLToPath(new URL('.', import.meta.url));
const api = `http://127.0.0.1:${process.env.PALISADE_API_PORT ?? '8080'}`;

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // viem's local signing (the devnet account picker) and ABI coders make one ~600 kB bundle; fine for a dashboard
    chunkSizeWarningLimit: 800,
  },
  server: {
    host: '127.0.0.1',
    // changeOrigin: the API checks the Host header (no DNS rebinding), so the proxy must present the API's own host
    proxy: Object.fromEntries(
      ['/chains', '/health', '/markets', '/positions', '/auctions', '/reserve', '/stream', '/prices', '/kyc', '/compliance', '/openapi.json'].map((p) => [p, { target: api, changeOrigin: true }]),
    ),
  },
});
