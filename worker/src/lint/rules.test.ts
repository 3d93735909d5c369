import { describe, expect, it } from 'vitest';
import type { PromptDefinition, ResourceDefinition, ToolDefinition } from '../endpoints/schema.js';
import { filterBySeverity, lintEndpoint, type LintIssue } from './rules.js';

/** A tool that satisfies every rule; tests remove one thing at a time. */
const perfectTool = (): ToolDefinition => ({
  name: 'find_user',
  description: 'Finds a user by id',
  tags: ['users'],
  annotations: { readOnlyHint: true },
  parameters: [{ name: 'id', type: 'integer', description: 'User id', examples: [1], default: 1 }],
  return: {
    type: 'object',
    description: 'The user',
    properties: { name: { type: 'string', description: 'Full name' } },
  },
  tests: [{ name: 'finds', description: 'finds user 1', arguments: [{ key: 'id', value: 1 }] }],
});

const locations = (issues: LintIssue[]) => issues.map((i) => `${i.severity} ${i.location}`);

describe('lintEndpoint', () => {
  it('finds nothing on a well-documented tool', () => {
    expect(lintEndpoint({ kind: 'tool', path: 'tools/u.yml', definition: perfectTool() })).toEqual([]);
  });

  it('reports a parameter without description as an error with path, message and suggestion', () => {
    const def = perfectTool();
    delete def.parameters![0].description;
    const issues = lintEndpoint({ kind: 'tool', path: 'tools/u.yml', definition: def });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      severity: 'error',
      path: 'tools/u.yml',
      location: 'tool.parameters[0].description',
      message: "Parameter 'id' has no description",
    });
    expect(issues[0].suggestion.length).toBeGreaterThan(0);
  });

  it('warns on a missing endpoint description, return description and tests', () => {
    const def = perfectTool();
    delete def.description;
    delete def.return!.description;
    def.tests = [];
    expect(locations(lintEndpoint({ kind: 'tool', path: 'p', definition: def }))).toEqual([
      'warning tool.description',
      'warning tool.return.description',
      'warning tool.tests',
    ]);
  });

  it('warns on undocumented array items and object properties at any depth', () => {
    const def = perfectTool();
    def.return = {
      type: 'array',
      description: 'rows',
      items: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } } },
    };
    expect(locations(lintEndpoint({ kind: 'tool', path: 'p', definition: def }))).toEqual([
      'warning tool.return.items.description',
      'warning tool.return.items.properties.tags.description',
      'warning tool.return.items.properties.tags.items.description',
    ]);
  });

  it('gives infos for missing tags, annotations, examples, defaults and test descriptions', () => {
    const def = perfectTool();
    delete def.tags;
    delete def.annotations;
    delete def.parameters![0].examples;
    delete def.parameters![0].default;
    delete def.tests![0].description;
    expect(locations(lintEndpoint({ kind: 'tool', path: 'p', definition: def }))).toEqual([
      'info tool.tags',
      'info tool.annotations',
      'info tool.parameters[0].examples',
      'info tool.parameters[0].default',
      'info tool.tests[0].description',
    ]);
  });

  it('counts a parameter default of null as a default', () => {
    const def = perfectTool();
    def.parameters![0].default = null;
    expect(lintEndpoint({ kind: 'tool', path: 'p', definition: def })).toEqual([]);
  });

  it('requires tests of resources but not of prompts, and annotations only of tools', () => {
    const resource: ResourceDefinition = { uri: 'users://all', description: 'All users', tags: ['u'] };
    expect(locations(lintEndpoint({ kind: 'resource', path: 'r', definition: resource }))).toEqual([
      'warning resource.tests',
    ]);
    const prompt: PromptDefinition = {
      name: 'p',
      description: 'A prompt',
      tags: ['x'],
      messages: [{ prompt: 'hi' }],
    };
    expect(lintEndpoint({ kind: 'prompt', path: 'p', definition: prompt })).toEqual([]);
  });

  it('names the endpoint kind in locations', () => {
    const prompt: PromptDefinition = {
      name: 'p',
      messages: [],
      parameters: [{ name: 'topic', type: 'string' }],
    };
    expect(locations(lintEndpoint({ kind: 'prompt', path: 'p', definition: prompt }))).toContain(
      'error prompt.parameters[0].description',
    );
  });
});

describe('filterBySeverity', () => {
  const issue = (severity: LintIssue['severity']): LintIssue => ({
    severity,
    path: 'p',
    location: 'l',
    message: 'm',
    suggestion: 's',
  });
  const issues = [issue('info'), issue('error'), issue('warning')];

  it('keeps everything for all and info', () => {
    expect(filterBySeverity(issues, 'all')).toEqual(issues);
    expect(filterBySeverity(issues, 'info')).toEqual(issues);
  });

  it('keeps errors and warnings for warning: errors are never dropped', () => {
    expect(filterBySeverity(issues, 'warning').map((i) => i.severity)).toEqual(['error', 'warning']);
  });
});
