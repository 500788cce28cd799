import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** What the renderer understands; anything else is refused rather than silently ignored. */
const fields = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'images',
  'namespace',
  'labels',
]);

interface Generator {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  envs?: string[];
  literals?: string[];
}

interface Kustomization {
  resources?: string[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  images?: { name: string; newName?: string; newTag?: string }[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean }[];
}

const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass']);

export interface Rendered {
  resources: Resource[];
  /** Every file the kustomization read (manifests and env files), relative to `root`. */
  files: string[];
}

/**
 * Renders a kustomization the way `kustomize build` does for the features Twinwire uses
 * (resources, ConfigMap/Secret generators without name hashes, images, namespace, labels),
 * so the manifests can be checked where no kustomize binary exists. When kubectl is
 * installed, the tests compare this rendering with `kubectl kustomize`.
 */
export function renderKustomization(dir: string, root: string = dir): Rendered {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((name) => join(dir, name))
    .find((path) => existsSync(path));
  if (!file) throw new Error(`${relative(root, dir) || '.'}: no kustomization.yaml`);
  const config = parse(readFileSync(file, 'utf8')) as Kustomization & Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!fields.has(key))
      throw new Error(
        `${relative(root, file)}: "${key}" is not supported by test/lib/kustomize.ts`,
      );
  }
  const files = [relative(root, file)];
  const resources: Resource[] = [];

  for (const entry of config.resources ?? []) {
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${relative(root, file)}: resource ${entry} not found`);
    if (statSync(path).isDirectory()) {
      const inner = renderKustomization(path, root);
      resources.push(...inner.resources);
      files.push(...inner.files);
      continue;
    }
    files.push(relative(root, path));
    for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (document.errors.length > 0)
        throw new Error(`${relative(root, path)}: ${document.errors[0]?.message ?? 'invalid'}`);
      const resource = document.toJS() as Resource | null;
      if (resource) resources.push(resource);
    }
  }

  const generate = (kind: 'ConfigMap' | 'Secret', generators: Generator[] = []) => {
    for (const generator of generators) {
      const data: Record<string, string> = {};
      for (const envFile of generator.envs ?? []) {
        const path = join(dir, envFile);
        if (!existsSync(path)) throw new Error(`${relative(root, file)}: ${envFile} not found`);
        files.push(relative(root, path));
        Object.assign(data, parseEnvFile(readFileSync(path, 'utf8')));
      }
      Object.assign(data, parseEnvFile((generator.literals ?? []).join('\n')));
      const existing = resources.find(
        (resource) => resource.kind === kind && resource.metadata.name === generator.name,
      );
      const behavior = generator.behavior ?? 'create';
      if (behavior === 'create') {
        if (existing) throw new Error(`${relative(root, file)}: ${generator.name} already exists`);
        resources.push(generated(kind, generator.name, data));
      } else {
        if (!existing)
          throw new Error(`${relative(root, file)}: ${generator.name} to ${behavior} not found`);
        const field = kind === 'Secret' ? 'stringData' : 'data';
        const previous = (behavior === 'merge' ? existing[field] : undefined) ?? {};
        existing[field] = { ...(previous as Record<string, string>), ...data };
      }
    }
  };
  generate('ConfigMap', config.configMapGenerator);
  generate('Secret', config.secretGenerator);

  for (const resource of resources) {
    if (config.namespace && !clusterScoped.has(resource.kind))
      resource.metadata.namespace = config.namespace;
    for (const { pairs } of config.labels ?? []) {
      resource.metadata.labels = { ...resource.metadata.labels, ...pairs };
    }
    for (const container of podContainers(resource)) {
      for (const image of config.images ?? []) {
        const { name } = splitImage(container.image ?? '');
        if (name !== image.name) continue;
        const current = splitImage(container.image ?? '');
        container.image = `${image.newName ?? name}:${image.newTag ?? current.tag ?? 'latest'}`;
      }
    }
  }
  return { resources, files };
}

function generated(kind: 'ConfigMap' | 'Secret', name: string, data: Record<string, string>) {
  return kind === 'Secret'
    ? { apiVersion: 'v1', kind, metadata: { name }, type: 'Opaque', stringData: data }
    : { apiVersion: 'v1', kind, metadata: { name }, data };
}

/** kustomize's env-file format: KEY=VALUE per line, # comments, no quoting. */
export function parseEnvFile(text: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new Error(`not KEY=VALUE: ${trimmed}`);
    data[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return data;
}

export function splitImage(image: string): { name: string; tag?: string } {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/')
    ? { name: image.slice(0, at), tag: image.slice(at + 1) }
    : { name: image };
}

interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

export function podTemplate(resource: Resource): PodTemplate | undefined {
  if (!workloadKinds.has(resource.kind)) return undefined;
  return (resource.spec as { template: PodTemplate }).template;
}

export function podContainers(resource: Resource): Container[] {
  const spec = podTemplate(resource)?.spec;
  return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
}

/** A Secret's values, whether written as stringData or base64 data. */
export function secretValues(resource: Resource): Record<string, string> {
  const data = (resource.data ?? {}) as Record<string, string>;
  return {
    ...Object.fromEntries(
      Object.entries(data).map(([key, value]) => [
        key,
        Buffer.from(value.replace(/\s/g, ''), 'base64').toString('utf8'),
      ]),
    ),
    ...((resource.stringData ?? {}) as Record<string, string>),
  };
}
