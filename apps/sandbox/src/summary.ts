import * as fs from 'fs';
import * as path from 'path';

/** What an operator wants to know about one synthesized stack. */
export interface StackSummary {
  readonly name: string;
  readonly resources: number;
  readonly resourceTypes: Record<string, number>;
  readonly outputs: string[];
  readonly dependencies: string[];
}

/** Reads every stack of a cloud assembly folder (cdk.out). */
export function summarizeAssembly(outdir: string): StackSummary[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`no cloud assembly in ${outdir}: run the sandbox build first`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const summaries: StackSummary[] = [];
  for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8'));
    const resourceTypes: Record<string, number> = {};
    for (const resource of Object.values<any>(template.Resources ?? {})) {
      resourceTypes[resource.Type] = (resourceTypes[resource.Type] ?? 0) + 1;
    }
    summaries.push({
      name,
      resources: Object.keys(template.Resources ?? {}).length,
      resourceTypes,
      // ExportsOutput* are the cross-stack references the CDK adds, not operator outputs.
      outputs: Object.keys(template.Outputs ?? {}).filter(name => !name.startsWith('ExportsOutput')),
      dependencies: (artifact.dependencies ?? []).filter((dep: string) => !dep.endsWith('.assets')),
    });
  }
  return summaries;
}

/** Formats the summaries as a short report. */
export function formatSummary(summaries: StackSummary[]): string {
  const lines: string[] = [];
  for (const stack of summaries) {
    lines.push(`${stack.name}: ${stack.resources} resources${stack.dependencies.length ? `, after ${stack.dependencies.join(', ')}` : ''}`);
    for (const [type, count] of Object.entries(stack.resourceTypes).sort()) {
      lines.push(`  ${String(count).padStart(3)} ${type}`);
    }
    if (stack.outputs.length) lines.push(`  outputs: ${stack.outputs.join(', ')}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const outdir = process.argv[2] ?? 'cdk.out';
  console.log(formatSummary(summarizeAssembly(outdir)));
}
