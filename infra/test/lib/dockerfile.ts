/** One Dockerfile instruction: `RUN pnpm install` → { keyword: 'RUN', args: 'pnpm install' }. */
export interface Instruction {
  keyword: string;
  args: string;
  /** For exec-form arguments (`["node", "x"]`), the parsed array. */
  exec?: string[];
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/**
 * A Dockerfile's stages, enough to check its shape: line continuations joined, comments
 * and parser directives dropped, global ARG defaults substituted into FROM.
 */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) logical.push(full);
  }
  if (pending.trim()) logical.push(pending.trim());

  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/s.exec(line);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const rest = (match[2] ?? '').replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const [image = '', as, name] = rest.split(' ');
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
        const key = a ?? b ?? '';
        return args[key] ?? '';
      });
      stages.push({
        from,
        ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
        instructions: [],
      });
      continue;
    }
    const current = stages.at(-1);
    if (!current) {
      if (keyword === 'ARG') {
        const [key = '', value = ''] = rest.split('=');
        args[key] = value;
      }
      continue;
    }
    current.instructions.push({ keyword, args: rest, ...execForm(rest) });
  }
  return { args, stages };
}

function execForm(rest: string): { exec?: string[] } {
  const body = rest.replace(/^(?:--\S+\s+)*(?:CMD\s+)?/, '');
  if (!body.startsWith('[')) return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string')
      ? { exec: parsed }
      : {};
  } catch {
    return {};
  }
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}
