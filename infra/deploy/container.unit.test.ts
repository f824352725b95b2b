import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { PROGRAMS } from './build';

// No Docker engine here: the Dockerfile and docker-compose.yml are checked as text - parsed and
// linted (dockerfile-utils, the VS Code Docker language service's checks) and held to what the
// built artifact needs. The artifact itself is run by tests/e2e/built-service.int.test.ts.
const root = join(__dirname, '..', '..');
const dockerfileText = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);

interface ComposeService {
  build?: string;
  image?: string;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const SERVICES = ['credit-scoring', 'contract', 'invoicing', 'collections', 'reporting'];

/** The instructions of the stage that starts at `from` (up to the next FROM). */
function stageInstructions(stage: string) {
  const all = dockerfile.getInstructions();
  const start = all.findIndex(
    (i) => i.getKeyword() === 'FROM' && i.getArgumentsContent()?.endsWith(` AS ${stage}`),
  );
  const next = all.findIndex((i, n) => n > start && i.getKeyword() === 'FROM');
  return all.slice(start, next === -1 ? undefined : next);
}

describe('Dockerfile', () => {
  it('passes the linter', () => {
    expect(validate(dockerfileText)).toEqual([]);
  });

  it('is multi-stage on Node 24; the last stage copies only from the build stage and runs as a numeric non-root user', () => {
    const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
    expect(stages).toEqual(['build', 'runtime']);
    const base = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === 'NODE_IMAGE');
    expect(base?.getProperty()?.getValue()).toMatch(/^node:24[.-]/);

    const runtime = stageInstructions('runtime');
    const copies = runtime
      .filter((i) => i instanceof Copy)
      .map((copy) => `from ${copy.getFromFlag()?.getValue()}: ${copy.getArgumentsContent()}`);
    expect(copies).toEqual(['from build: /app /app']);
    const users = runtime.filter((i) => i.getKeyword() === 'USER').map((i) => i.getArgumentsContent());
    expect(users).toHaveLength(1);
    expect(users[0]).toMatch(/^[1-9][0-9]*(:[1-9][0-9]*)?$/);
  });

  it('builds with pnpm build and deploys @ar/deploy; starts the program named by its argument; probes /health', () => {
    const build = stageInstructions('build')
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '')
      .join('\n');
    expect(build).toContain('pnpm install --frozen-lockfile');
    expect(build).toContain('pnpm build');
    expect(build).toMatch(/pnpm --filter @ar\/deploy deploy .*--prod .*\/app/);
    const runtime = stageInstructions('runtime');
    const entrypoint = runtime.find((i) => i.getKeyword() === 'ENTRYPOINT');
    expect(JSON.parse(entrypoint?.getArgumentsContent() ?? '[]')).toEqual(['node', 'dist/run.js']);
    const healthcheck = runtime.find((i) => i.getKeyword() === 'HEALTHCHECK')?.getArgumentsContent();
    expect(healthcheck).toContain('["node", "dist/probe.js", "/health"]');
    expect(dockerfileText).not.toMatch(/\btsx\b/);
  });

  it('leaves out what must not reach the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const path of ['**/node_modules', '**/dist', '.data', '.cache', '.git'])
      expect(ignored).toContain(path);
  });
});

describe('docker-compose.yml', () => {
  const port = dockerfile
    .getENVs()
    .flatMap((e) => e.getProperties())
    .find((p) => p.getName() === 'PORT')
    ?.getValue();

  it.each(SERVICES)('runs %s from the image (no sources mounted, no tsx), healthy on /ready', (name) => {
    const service = compose.services[name]!;
    expect(service.build).toBe('.');
    expect(service.command).toEqual([name]);
    expect(Object.keys(PROGRAMS)).toContain(name);
    expect(service.volumes ?? []).toEqual([]);
    expect(JSON.stringify(service)).not.toMatch(/tsx|\.ts\b/);
    expect(service.healthcheck?.test).toEqual(['CMD', 'node', 'dist/probe.js', '/ready']);
    expect(service.ports).toEqual([expect.stringMatching(new RegExp(`^41\\d\\d:${port}$`))]);
    expect(service.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      topics: { condition: 'service_completed_successfully' },
    });
  });

  it.each(SERVICES)(
    'starts %s trusting the configured identity provider only (compose refuses without it)',
    (name) => {
      const env = compose.services[name]!.environment ?? {};
      expect(String(env.OIDC_ISSUER)).toMatch(/^\$\{OIDC_ISSUER:\?/);
      expect(env.OIDC_AUDIENCE).toBeDefined();
      expect(env).not.toHaveProperty('AUTH_DEV_MODE');
      if (name === 'contract')
        expect(String(env.OIDC_CLIENT_SECRET)).toMatch(/^\$\{CONTRACT_OIDC_CLIENT_SECRET:\?/);
    },
  );

  it.each(SERVICES)('gives %s its own PostgreSQL login and database, made at the first start', (name) => {
    const own = name.replace(/-/g, '_');
    const url = new URL(String(compose.services[name]!.environment?.DATABASE_URL));
    expect(url.username).toBe(own);
    expect(url.pathname).toBe(`/${own}`);
    const init = readFileSync(join(__dirname, 'postgres', 'init-service-databases.sh'), 'utf8');
    expect(init).toMatch(new RegExp(`for service in [^;]*\\b${own}\\b`));
    expect(compose.services.postgres!.environment).toHaveProperty(`${own.toUpperCase()}_DB_PASSWORD`);
  });

  it('provisions the topics once (pnpm topics) before the services, after Kafka is healthy; mounts files that exist', () => {
    const topics = compose.services.topics!;
    expect(topics.command).toEqual(['topics']);
    expect(topics.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(compose.services.kafka!.healthcheck?.test).toBeDefined();
    expect(compose.services.postgres!.healthcheck?.test).toBeDefined();
    for (const volume of compose.services.postgres!.volumes ?? []) {
      expect(existsSync(join(root, volume.split(':')[0]!))).toBe(true);
    }
    expect(compose.services.contract!.environment?.CREDIT_SCORING_URL).toBe(`http://credit-scoring:${port}`);
  });
});
