import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { READERS, type ServiceHttpApp } from '@ar/platform';
import { dashboardSignInRoutes } from './sign-in';

const PUBLIC = join(__dirname, 'public');
// Chart.js's browser build, served from the installed package: the dashboard needs no CDN.
const CHART_JS = join(dirname(createRequire(__filename).resolve('chart.js')), 'chart.umd.min.js');

const assets: Record<string, { file: string; type: string }> = {
  '/dashboard/': { file: join(PUBLIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': { file: join(PUBLIC, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/dashboard.css': { file: join(PUBLIC, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  '/dashboard/chart.umd.min.js': { file: CHART_JS, type: 'text/javascript; charset=utf-8' },
};

/**
 * The management dashboard: a static page that draws the REST reports with Chart.js. It reads
 * the same endpoints internal systems do, so it never shows a figure the API would not.
 */
export async function dashboardRoutes(app: ServiceHttpApp) {
  const bodies = Object.fromEntries(Object.entries(assets).map(([path, a]) => [path, readFileSync(a.file)]));
  // With a sign-in at the company's provider, a browser without a token is sent there.
  const signIn = dashboardSignInRoutes(app);
  const config = { roles: READERS, ...(signIn && { signIn }) };
  app.get('/', { config, schema: { hide: true } }, (_request, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard', { config, schema: { hide: true } }, (_request, reply) =>
    reply.redirect('/dashboard/'),
  );
  for (const [path, asset] of Object.entries(assets)) {
    app.get(path, { config, schema: { hide: true } }, (_request, reply) =>
      reply.header('cache-control', 'no-cache').type(asset.type).send(bodies[path]),
    );
  }
}
