import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appNames, deployedApps } from '../src/deployment.ts';
import { instructions, parseDockerfile, type Stage } from './lib/dockerfile.ts';
import { infraDir, repoRoot } from './lib/paths.ts';

const { packageManager } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  packageManager: string;
};
const pinnedPnpm = packageManager.replace(/^pnpm@/, '');

/** The Node.js image every Node stage uses: a supported LTS line. */
const NODE_IMAGE = 'node:24-bookworm-slim';

const dockerfile = (app: (typeof appNames)[number]) =>
  parseDockerfile(readFileSync(join(infraDir, deployedApps[app].dockerfile), 'utf8'));
const finalStage = (app: (typeof appNames)[number]): Stage => {
  const stage = dockerfile(app).stages.at(-1);
  if (!stage) throw new Error(`${app}: no FROM`);
  return stage;
};
const words = (stage: Stage, keyword: string) =>
  instructions(stage, keyword).flatMap((instruction) => instruction.args.split(' '));

describe.each(appNames)('%s Dockerfile', (app) => {
  const { stages } = dockerfile(app);
  const runtime = finalStage(app);
  const build = stages[0]!;

  it(`is multi-stage: a build stage on ${NODE_IMAGE}, a runtime stage without the toolchain`, () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.from).toBe(NODE_IMAGE);
    expect(build.name).toBe('build');
    // Nothing is installed or built in the runtime stage: it only copies the build's output.
    expect(instructions(runtime, 'RUN')).toEqual([]);
    if (app === 'admin') expect(runtime.from).toMatch(/^nginxinc\/nginx-unprivileged:/);
    else expect(runtime.from).toBe(NODE_IMAGE);
  });

  it('installs the pnpm package.json pins, without corepack, from the frozen lockfile', () => {
    const pnpmArg = instructions(build, 'ARG').find((arg) => arg.args.startsWith('PNPM_VERSION='));
    expect(pnpmArg?.args).toBe(`PNPM_VERSION=${pinnedPnpm}`);
    const runs = instructions(build, 'RUN').map((run) => run.args);
    expect(runs.join('\n')).toMatch(/npm install --global .*pnpm@\$\{PNPM_VERSION\}/);
    expect(runs.join('\n')).not.toMatch(/corepack/);
    expect(runs.join('\n')).toMatch(/pnpm install --offline --frozen-lockfile/);
    expect(runs.join('\n')).toContain(`--filter @twinwire/${app}...`);
    expect(runs.join('\n')).toContain(`pnpm --filter @twinwire/${app} build`);
  });

  it('runs as a numeric non-root user', () => {
    const users = instructions(runtime, 'USER');
    expect(users).toHaveLength(1);
    const uid = Number(users[0]!.args.split(':')[0]);
    expect(Number.isInteger(uid)).toBe(true);
    expect(uid).toBeGreaterThan(0);
  });

  it('exposes exactly the ports the app listens on by default', () => {
    const exposed = words(runtime, 'EXPOSE').map(Number).sort();
    const expected = Object.values(deployedApps[app].ports).map(({ env, port }) => {
      if (env) {
        const property = deployedApps[app].schema.properties[env] as { default?: number };
        expect(property.default, `${env} default`).toBe(port);
      }
      return port;
    });
    expect(exposed).toEqual(expected.sort());
  });

  it('has a HEALTHCHECK on the liveness path and port', () => {
    const checks = instructions(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const check = checks[0]!.args;
    const { health, ports } = deployedApps[app];
    const port = ports[health.port]!;
    expect(check).toContain(health.liveness);
    expect(check).toContain(String(port.port));
    if (port.env) expect(check).toContain(`process.env.${port.env}`);
    // No curl in the slim image: node's fetch, or busybox wget in the alpine nginx image.
    expect(check).toMatch(app === 'admin' ? /"wget"/ : /"node", "-e", "fetch\(/);
  });

  it('copies only files that exist into the image', () => {
    for (const stage of stages) {
      for (const copy of instructions(stage, 'COPY')) {
        if (/--from=/.test(copy.args)) continue;
        const parts = copy.args.split(' ').filter((part) => !part.startsWith('--'));
        for (const source of parts.slice(0, -1)) {
          if (source === '.') continue;
          expect(existsSync(join(repoRoot, source)), `${source} exists`).toBe(true);
        }
      }
    }
  });
});

describe.each(['broker', 'api'] as const)('%s image (Node)', (app) => {
  const { stages } = dockerfile(app);
  const runtime = finalStage(app);

  it('ships the `pnpm deploy --prod` output: package.json, node_modules and dist', () => {
    const runs = instructions(stages[0]!, 'RUN')
      .map((run) => run.args)
      .join('\n');
    expect(runs).toMatch(new RegExp(`pnpm --filter @twinwire/${app} deploy --prod .*/out`));
    const copied = instructions(runtime, 'COPY').map((copy) => copy.args);
    expect(copied).toEqual([
      '--from=build /out/package.json ./package.json',
      '--from=build /out/node_modules ./node_modules',
      '--from=build /out/dist ./dist',
    ]);
  });

  it('starts node dist/main.js in production mode', () => {
    expect(instructions(runtime, 'CMD').map((cmd) => cmd.exec)).toEqual([['node', 'dist/main.js']]);
    expect(words(runtime, 'ENV')).toContain('NODE_ENV=production');
    expect(words(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
  });
});

describe('admin image', () => {
  const runtime = finalStage('admin');

  it('serves the admin build through the nginx config and writes config.json at start', () => {
    const copies = instructions(runtime, 'COPY').map((copy) => copy.args);
    expect(copies).toContain('--from=build /src/apps/admin/dist /usr/share/nginx/html');
    expect(copies).toContain('infra/docker/admin/nginx.conf /etc/nginx/conf.d/default.conf');
    // The image's entrypoint runs only executable /docker-entrypoint.d/*.sh files.
    expect(copies).toContain(
      '--chmod=0755 infra/docker/admin/40-twinwire-config.sh /docker-entrypoint.d/40-twinwire-config.sh',
    );
  });
});

describe('Node.js versions', () => {
  const { engines } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const oldestMajor = Number(/^>=(\d+)\./.exec(engines.node)?.[1]);
  const bundler = readFileSync(join(repoRoot, 'packages', 'build', 'bundle-app.mjs'), 'utf8');

  it('builds and runs the Node images on one LTS line newer than Node 20 (end of life April 2026)', () => {
    const major = Number(/^node:(\d+)-/.exec(NODE_IMAGE)?.[1]);
    // Even majors become LTS; 22 and 24 are supported as of December 2026.
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
    for (const app of appNames) expect(dockerfile(app).stages[0]?.from).toBe(NODE_IMAGE);
  });

  it('bundles for the oldest Node.js engines.node allows, the one .nvmrc names', () => {
    expect(oldestMajor).toBe(20);
    expect(bundler).toContain(`target: 'node${oldestMajor}'`);
    expect(readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim()).toBe(String(oldestMajor));
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it.each(['node_modules', '.data', '.reports', 'dist', '.env'])(
    'keeps every %s out of the build context',
    (name) => {
      expect(patterns).toContain(`**/${name}`);
    },
  );

  it('keeps what the images need: lockfile, workspace manifests, infra/docker', () => {
    for (const needed of [
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'package.json',
      '.npmrc',
      'infra',
      'apps',
      'packages',
    ]) {
      expect(patterns.some((pattern) => pattern === needed || pattern === `${needed}/`)).toBe(
        false,
      );
    }
  });
});
