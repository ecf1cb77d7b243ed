import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// `npm run dev:ui` serves the UI with hot reload and forwards /api (REST and the WebSocket) to a running
// orchestrator, so the browser sees one origin exactly as in production (cookies, CSP, same-origin WebSocket).
const target = process.env.ARIADNE_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  server: {
    port: Number(process.env.ARIADNE_UI_PORT ?? 5173),
    strictPort: true,
    proxy: { '/api': { target, changeOrigin: false, ws: true } },
  },
});
