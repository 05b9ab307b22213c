// Shared by the infra tests: synthesize the real app (cdk.json's feature flags, cdk-nag
// included) with bundling skipped, and read the documented full context.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import type { App } from 'aws-cdk-lib';
import { createAdapterApp } from '../../infra/adapter-app.ts';
import type { AdapterStack } from '../../infra/adapter-stack.ts';

export const projectFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const cdkJson = JSON.parse(readFileSync(projectFile('cdk.json'), 'utf8')) as { context: Record<string, unknown> };

export interface Synthesized {
  readonly app: App;
  readonly stack: AdapterStack;
  readonly template: Template;
}

// Every synthesis of this test process writes under one temporary directory, removed at exit.
const outRoot = mkdtempSync(join(tmpdir(), 'adapter-infra-test-'));
process.on('exit', () => rmSync(outRoot, { recursive: true, force: true }));

/** One synthesis of the app with `context` on top of cdk.json's; call once per configuration. */
export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const { app, stack } = createAdapterApp({
    outdir: mkdtempSync(join(outRoot, 'cdk.out-')),
    context: { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The JSON block between the `name` markers of docs/deploy.md. */
function documentedContext(name: string): Record<string, unknown> {
  const doc = readFileSync(projectFile('docs/deploy.md'), 'utf8');
  const match = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(doc);
  if (match?.[1] === undefined) throw new Error(`docs/deploy.md has no ${name} block`);
  return JSON.parse(match[1]) as Record<string, unknown>;
}

/** The JSON block between the full-context markers of docs/deploy.md. */
export const documentedFullContext = (): Record<string, unknown> => documentedContext('full-context');

/** docs/deploy.md's production options (consumers, auth=jwt, a custom domain), meant on top of the full context. */
export const documentedProductionContext = (): Record<string, unknown> => documentedContext('production-context');

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

type Resources = Record<string, TemplateResource>;

/** The template's resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The only resource of a type (fails the test if there is not exactly one). */
export function onlyResource(template: Template, type: string): { id: string; properties: Record<string, unknown> } {
  const entries = Object.entries(resourcesOf(template, type));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  const [id, resource] = entries[0]!;
  return { id, properties: resource.Properties ?? {} };
}
