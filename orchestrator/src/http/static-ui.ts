import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ariadne</title></head>
<body><h1>Ariadne</h1><p>The admin UI has not been built yet. Run <code>npm run build:ui</code>, then reload this page.</p>
<p>The API is available under <a href="/api/openapi.json">/api</a>.</p></body></html>`;

/**
 * Serves the built admin UI with an SPA fallback: any GET outside /api that is not a file answers index.html,
 * so client-side routes survive a reload. The dist folder is looked up per request, so a UI built after start-up
 * is served without a restart.
 */
export function staticUi(distDir: string): Router {
  const dir = resolve(distDir);
  const router = Router();
  const serve = express.static(dir, {
    index: 'index.html',
    fallthrough: true,
    setHeaders(res, file) {
      // index.html names the current asset bundle: always revalidate it; Vite's hashed assets never change.
      if (file.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
      else if (/[\\/]assets[\\/]/.test(file)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      else res.setHeader('Cache-Control', 'public, max-age=3600');
    },
  });
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/api' || req.path.startsWith('/api/')) return next();
    if (!existsSync(join(dir, 'index.html'))) {
      if (req.path === '/' || req.accepts('html')) {
        res.status(200).type('html').send(MISSING_PAGE);
        return;
      }
      return next();
    }
    serve(req, res, (err?: unknown) => {
      if (err) return next(err);
      // Asset-looking paths (with an extension) that do not exist are real 404s, not the SPA page.
      if (/\.[A-Za-z0-9]{1,8}$/.test(req.path)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(dir, 'index.html'));
    });
  });
  return router;
}
