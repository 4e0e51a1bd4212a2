import fs from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, e.g. the engine's under a benchmark through
 * PILLARBOX_BENCH_NODE_ARGS): the functions with the most self time, the most inclusive time,
 * and with `--callers NAME` the call chains under which NAME ran. Shares are of the busy
 * samples (idle left out): the profile counts wall time on the main thread, so a blocking
 * system call shows as busy, and a loaded machine stretches everything alike.
 *
 *   node dist/bench/lib/cpu-profile.js FILE.cpuprofile [--top N] [--callers NAME]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): string {
  const url = node.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '');
  return `${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`;
}

export function summarise(profile: Profile, top: number, callersOf?: string): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  let idle = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    selfById.set(id, (selfById.get(id) ?? 0) + dt);
    if (byId.get(id)?.callFrame.functionName === '(idle)') idle += dt;
  });
  const busy = total - idle || 1;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const chains = new Map<string, number>();
  for (const [id, t] of selfById) {
    const node = byId.get(id) as ProfileNode;
    if (node.callFrame.functionName === '(idle)') continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + t);
    const seen = new Set<string>();
    const chain: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur) as ProfileNode);
      if (cur !== id && chain.length < 4 && !l.includes(' node:')) chain.push(l);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + t);
    }
    if (callersOf !== undefined && node.callFrame.functionName === callersOf) {
      const key = chain.join(' < ');
      chains.set(key, (chains.get(key) ?? 0) + t);
    }
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)} %  ${k}`);
  const out = [`${(total / 1e6).toFixed(2)} s sampled, ${((total - idle) / 1e6).toFixed(2)} s busy`, '', 'self:', ...list(self), '', 'inclusive:', ...list(inclusive)];
  if (callersOf !== undefined) out.push('', `callers of ${callersOf}:`, ...list(chains));
  return out;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !['--top', '--callers'].includes(args[i - 1] ?? ''));
  if (!file) {
    console.error('usage: node dist/bench/lib/cpu-profile.js FILE.cpuprofile [--top N] [--callers NAME]');
    process.exit(2);
  }
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  console.log(summarise(profile, Number(option('--top') ?? 30), option('--callers')).join('\n'));
}
