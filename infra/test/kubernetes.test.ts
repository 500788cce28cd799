import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readEnv } from '@twinwire/config/read-env';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { appNames, deployedApps, migrateCommand, type AppName } from '../src/deployment.ts';
import {
  podContainers,
  podTemplate,
  renderKustomization,
  secretValues,
  splitImage,
  type Container,
  type Resource,
} from './lib/kustomize.ts';
import { infraDir } from './lib/paths.ts';

const k8sDir = join(infraDir, 'k8s');
const targets = ['base', 'overlays/local'] as const;
const rendered = Object.fromEntries(
  targets.map((target) => [target, renderKustomization(join(k8sDir, target), k8sDir)]),
) as Record<(typeof targets)[number], ReturnType<typeof renderKustomization>>;

const imageApp = new Map(appNames.map((app) => [deployedApps[app].image, app]));
/** The Twinwire app a container runs (by its image), if any. */
const appOf = (container: Container): AppName | undefined =>
  imageApp.get(splitImage(container.image ?? '').name);

const find = (resources: Resource[], kind: string, name: string) =>
  resources.find((resource) => resource.kind === kind && resource.metadata.name === name);

const workloads = (resources: Resource[]) => resources.filter((resource) => podTemplate(resource));

function configMapData(resources: Resource[], name: string) {
  return (find(resources, 'ConfigMap', name)?.data ?? {}) as Record<string, string>;
}

/** The variables a container sets and where each comes from. */
function environment(resources: Resource[], container: Container) {
  const sources = new Map<string, 'configMap' | 'secret' | 'value' | 'field'>();
  const values: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      for (const [key, value] of Object.entries(configMapData(resources, from.configMapRef.name))) {
        sources.set(key, 'configMap');
        values[key] = value;
      }
    }
    if (from.secretRef) throw new Error('envFrom secretRef: name each secret key instead');
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom;
    if (ref?.secretKeyRef) {
      sources.set(variable.name, 'secret');
      const secret = find(resources, 'Secret', ref.secretKeyRef.name);
      const value = secret ? secretValues(secret)[ref.secretKeyRef.key] : undefined;
      if (value !== undefined) values[variable.name] = value;
    } else if (ref?.fieldRef) {
      sources.set(variable.name, 'field');
      values[variable.name] = 'pod-name';
    } else {
      sources.set(variable.name, ref?.configMapKeyRef ? 'configMap' : 'value');
      values[variable.name] = variable.value ?? '';
    }
  }
  return { sources, values };
}

function twinwireContainers(resources: Resource[]) {
  return workloads(resources).flatMap((workload) =>
    podContainers(workload).flatMap((container) => {
      const app = appOf(container);
      return app ? [{ workload, container, app }] : [];
    }),
  );
}

describe('kustomize layout', () => {
  it('uses every manifest and env file under infra/k8s (nothing orphaned)', () => {
    const onDisk = (readdirSync(k8sDir, { recursive: true }) as string[])
      .filter((path) => /\.(ya?ml|env)$/.test(path))
      .map((path) => relative(k8sDir, join(k8sDir, path)));
    const used = new Set(targets.flatMap((target) => rendered[target].files));
    expect(onDisk.filter((path) => !used.has(path))).toEqual([]);
  });

  it('parses every file as YAML without errors', () => {
    for (const file of new Set(targets.flatMap((target) => rendered[target].files))) {
      if (!/\.ya?ml$/.test(file)) continue;
      // renderKustomization throws on a parse error; this names duplicates and warnings too.
      const text = spawnSync('cat', [join(k8sDir, file)], { encoding: 'utf8' }).stdout;
      for (const document of parseAllDocuments(text)) {
        expect(document.errors, file).toEqual([]);
        expect(document.warnings, file).toEqual([]);
      }
    }
  });

  it('base runs the brokers, the API, the admin UI and the migration Job', () => {
    const names = rendered.base.resources.map((r) => `${r.kind}/${r.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Deployment/twinwire-broker',
        'Deployment/twinwire-api',
        'Deployment/twinwire-admin',
        'Job/twinwire-migrate',
        'Service/twinwire-broker',
        'Service/twinwire-broker-mqtt',
        'Service/twinwire-api',
        'Service/twinwire-admin',
      ]),
    );
  });

  it('base keeps secrets out: no Secret, and every secret reference is to twinwire-secrets', () => {
    expect(rendered.base.resources.filter((r) => r.kind === 'Secret')).toEqual([]);
    const referenced = new Set(
      twinwireContainers(rendered.base.resources).flatMap(({ container }) =>
        (container.env ?? []).flatMap((v) => v.valueFrom?.secretKeyRef?.name ?? []),
      ),
    );
    expect([...referenced]).toEqual(['twinwire-secrets']);
  });

  it.each(appNames)(
    'the %s containers take exactly the documented secrets from the Secret',
    (app) => {
      const keys = new Set(
        twinwireContainers(rendered.base.resources)
          .filter((entry) => entry.app === app && !isMigrate(entry.container))
          .flatMap(({ container }) =>
            (container.env ?? []).flatMap((v) => v.valueFrom?.secretKeyRef?.key ?? []),
          ),
      );
      expect([...keys].sort()).toEqual([...deployedApps[app].secrets].sort());
    },
  );
});

const isMigrate = (container: Container) =>
  JSON.stringify(container.command) === JSON.stringify(migrateCommand);

describe.each(targets)('%s', (target) => {
  const { resources } = rendered[target];
  const isOverlay = target !== 'base';

  describe.each(workloads(resources).map((w) => [`${w.kind}/${w.metadata.name}`, w] as const))(
    '%s',
    (_name, workload) => {
      const template = podTemplate(workload)!;

      it('runs as a non-root numeric user without privilege escalation', () => {
        expect(template.spec.securityContext?.runAsNonRoot).toBe(true);
        expect(template.spec.securityContext?.runAsUser).toBeGreaterThan(0);
        for (const container of podContainers(workload)) {
          expect(container.securityContext?.allowPrivilegeEscalation, container.name).toBe(false);
          expect(container.securityContext?.readOnlyRootFilesystem, container.name).toBe(true);
          expect(container.securityContext?.capabilities?.drop, container.name).toEqual(['ALL']);
        }
      });

      it('requests CPU and memory and limits memory for every container', () => {
        for (const container of podContainers(workload)) {
          expect(container.resources?.requests?.cpu, container.name).toBeTruthy();
          expect(container.resources?.requests?.memory, container.name).toBeTruthy();
          expect(container.resources?.limits?.memory, container.name).toBeTruthy();
        }
      });

      if (workload.kind === 'Job') return;
      it('has readiness and liveness probes on real ports', () => {
        for (const container of template.spec.containers) {
          for (const probe of [
            container.readinessProbe,
            container.livenessProbe,
            container.startupProbe,
          ]) {
            if (probe === container.startupProbe && !probe) continue;
            expect(probe, container.name).toBeDefined();
            const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
            if (port === undefined) {
              expect(probe?.exec?.command.length).toBeGreaterThan(0);
              continue;
            }
            const ports = container.ports ?? [];
            expect(
              ports.some((p) => p.name === port || p.containerPort === port),
              `${container.name} probe port ${port}`,
            ).toBe(true);
          }
        }
      });
    },
  );

  describe.each(
    twinwireContainers(resources).map(
      (entry) => [`${entry.workload.metadata.name}/${entry.container.name}`, entry] as const,
    ),
  )('%s', (_name, { container, app }) => {
    const { schema, secrets, ports, health } = deployedApps[app];
    const known = Object.keys(schema.properties);
    const { sources, values } = environment(resources, container);

    it('sets only variables its app reads', () => {
      expect([...sources.keys()].filter((key) => !known.includes(key))).toEqual([]);
    });

    it('reads secrets from the Secret and everything else from the ConfigMap', () => {
      for (const [key, source] of sources) {
        if (secrets.includes(key)) expect(source, key).toBe('secret');
        else expect(source, key).not.toBe('secret');
        if (source === 'value') throw new Error(`${key}: literal value; use the ConfigMap`);
      }
    });

    it('references ConfigMaps that exist', () => {
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef)
          expect(find(resources, 'ConfigMap', from.configMapRef.name)).toBeDefined();
      }
    });

    if (isOverlay)
      it('references Secret keys that exist', () => {
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (!ref) continue;
          const secret = find(resources, 'Secret', ref.name);
          expect(secret, ref.name).toBeDefined();
          if (!ref.optional) expect(secretValues(secret!), ref.key).toHaveProperty(ref.key);
        }
      });

    if (isOverlay)
      it('gets an environment its app accepts at start', () => {
        expect(() => readEnv(schema, values)).not.toThrow();
      });

    if (!isMigrate(container))
      it('declares the ports the app listens on, probes its health paths', () => {
        const config = readEnv(schema, values) as Record<string, unknown>;
        const expected = Object.entries(ports).map(([name, port]) => ({
          name,
          containerPort: port.env ? Number(config[port.env]) : port.port,
        }));
        expect(container.ports).toEqual(expected);
        expect(container.readinessProbe?.httpGet).toEqual({
          path: health.readiness,
          port: health.port,
        });
        expect(container.livenessProbe?.httpGet).toEqual({
          path: health.liveness,
          port: health.port,
        });
      });
  });

  it('runs the migration before the API: an initContainer, and a Job', () => {
    const api = find(resources, 'Deployment', 'twinwire-api')!;
    const spec = podTemplate(api)!.spec;
    const [init] = spec.initContainers ?? [];
    const main = spec.containers.find((c) => appOf(c) === 'api');
    expect(init?.command).toEqual([...migrateCommand]);
    expect(init?.image).toBe(main?.image);
    const job = find(resources, 'Job', 'twinwire-migrate')!;
    const jobSpec = podTemplate(job)!.spec;
    expect(jobSpec.containers.map((c) => c.command)).toEqual([[...migrateCommand]]);
    expect(jobSpec.containers[0]?.image).toBe(main?.image);
    expect(['Never', 'OnFailure']).toContain(jobSpec.restartPolicy);
  });

  it('uses the images infra/docker builds, all at one tag', () => {
    const twinwire = twinwireContainers(resources).map(({ container }) =>
      splitImage(container.image ?? ''),
    );
    expect(new Set(twinwire.map((image) => image.name))).toEqual(
      new Set(appNames.map((app) => deployedApps[app].image)),
    );
    expect(new Set(twinwire.map((image) => image.tag)).size).toBe(1);
    expect(twinwire[0]?.tag).toBe(isOverlay ? 'local' : 'latest');
  });

  it.each(resources.filter((r) => r.kind === 'Service').map((s) => [s.metadata.name, s] as const))(
    'Service %s selects pods and targets their named ports',
    (_name, service) => {
      const spec = service.spec as {
        selector: Record<string, string>;
        ports: { port: number; targetPort: string | number }[];
      };
      const selected = workloads(resources).filter((workload) => {
        const labels = podTemplate(workload)?.metadata?.labels ?? {};
        return Object.entries(spec.selector).every(([key, value]) => labels[key] === value);
      });
      expect(selected.length).toBe(1);
      const containerPorts = podTemplate(selected[0]!)!.spec.containers.flatMap(
        (c) => c.ports ?? [],
      );
      for (const port of spec.ports) {
        expect(
          containerPorts.some(
            (p) => p.name === port.targetPort || p.containerPort === port.targetPort,
          ),
          `targetPort ${port.targetPort}`,
        ).toBe(true);
      }
    },
  );

  it('keeps one broker and one API up during voluntary disruptions', () => {
    for (const name of ['twinwire-broker', 'twinwire-api']) {
      const pdb = find(resources, 'PodDisruptionBudget', name);
      const deployment = find(resources, 'Deployment', name);
      const selector = (pdb?.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      const labels = podTemplate(deployment!)?.metadata?.labels ?? {};
      expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(true);
    }
  });

  it('lets the API reach the brokers through their Service', () => {
    const api = find(resources, 'Deployment', 'twinwire-api')!;
    const main = podTemplate(api)!.spec.containers[0]!;
    const { values } = environment(resources, main);
    const url = new URL(String(readEnv(deployedApps.api.schema, values).MQTT_URL));
    const service = find(resources, 'Service', url.hostname);
    expect(service, url.hostname).toBeDefined();
    const port = (service!.spec as { ports: { port: number; targetPort: string }[] }).ports.find(
      (p) => p.port === Number(url.port || 1883),
    );
    expect(port?.targetPort).toBe('mqtt');
  });

  it('gives the apps longer than their own 30 s to flush on SIGTERM', () => {
    for (const name of ['twinwire-broker', 'twinwire-api']) {
      const spec = podTemplate(find(resources, 'Deployment', name)!)!.spec as {
        terminationGracePeriodSeconds?: number;
      };
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(30);
    }
  });
});

describe('overlays/local', () => {
  const { resources } = rendered['overlays/local'];

  it('puts everything in the twinwire namespace', () => {
    for (const resource of resources) {
      if (resource.kind === 'Namespace') expect(resource.metadata.name).toBe('twinwire');
      else expect(resource.metadata.namespace, resource.metadata.name).toBe('twinwire');
    }
  });

  it('holds only dev-only secret values', () => {
    for (const secret of resources.filter((r) => r.kind === 'Secret')) {
      for (const [key, value] of Object.entries(secretValues(secret))) {
        const safe =
          value.includes('dev-only') || (/^\w+:\/\//.test(value) && !new URL(value).password);
        expect(safe, `${secret.metadata.name}/${key}`).toBe(true);
      }
    }
  });

  it('points the apps at its own PostgreSQL and Redis with matching credentials', () => {
    const secrets = secretValues(find(resources, 'Secret', 'twinwire-secrets')!);
    const database = new URL(secrets.DATABASE_URL ?? '');
    expect(find(resources, 'Service', database.hostname)).toBeDefined();
    expect(database.password).toBe(
      secretValues(find(resources, 'Secret', 'twinwire-postgres')!).POSTGRES_PASSWORD,
    );
    expect(find(resources, 'Service', new URL(secrets.REDIS_URL ?? '').hostname)).toBeDefined();
  });

  it('lets the admin UI (port-forwarded) call the API and the API accept its origin', () => {
    const admin = configMapData(resources, 'twinwire-admin-config');
    const api = configMapData(resources, 'twinwire-api-config');
    expect(admin.API_BASE_URL).toBe('http://localhost:3000');
    expect(api.CORS_ORIGINS?.split(',')).toContain('http://localhost:8080');
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const kubectlMissing = kubectl.status !== 0;

describe.skipIf(kubectlMissing)(
  'kubectl kustomize renders what test/lib/kustomize.ts renders (skipped without kubectl)',
  () => {
    it.each(targets)('%s', (target) => {
      const result = spawnSync('kubectl', ['kustomize', join(k8sDir, target)], {
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      const theirs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Resource);
      expect(normalize(theirs)).toEqual(normalize(rendered[target].resources));
    });
  },
);

/** Decoded secrets, generated names without kustomize's hash suffix, in a stable order. */
function normalize(resources: Resource[]): Resource[] {
  const hashed = new Map<string, string>();
  for (const resource of resources) {
    if (resource.kind !== 'ConfigMap' && resource.kind !== 'Secret') continue;
    const match = /^(.*)-[a-z0-9]{10}$/.exec(resource.metadata.name);
    if (match) hashed.set(resource.metadata.name, match[1]!);
  }
  const rename = (node: unknown): unknown => {
    if (typeof node === 'string') return hashed.get(node) ?? node;
    if (Array.isArray(node)) return node.map(rename);
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rename(v)]));
    return node;
  };
  return resources
    .map((resource) => {
      const copy = structuredClone(resource);
      if (copy.kind === 'Secret') {
        copy.stringData = secretValues(resource);
        delete copy.data;
      }
      return rename(copy) as Resource;
    })
    .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}
