// The policy engine on its own: CEL conditions against `user`, parameters and
// `response`, every action, decision reporting, and fail-closed evaluation.
import { describe, expect, it } from 'vitest';
import type { PolicyRule, TypeDefinition } from '../endpoints/schema.js';
import { compilePolicies, PolicyConfigError, type PolicyLogger, type PolicyReport } from './enforcer.js';
import type { PolicyUserSource } from './user.js';

const fresh = (): PolicyReport => ({ decision: null, reason: null, evaluated: [] });

function recordingLogger(): PolicyLogger & {
  lines: { message: string; fields?: Record<string, unknown> }[];
} {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  return { lines, warn: (message, fields) => lines.push({ message, fields }) };
}

function user(profile: Record<string, unknown>, extra: Partial<PolicyUserSource> = {}): PolicyUserSource {
  return {
    provider: 'test',
    user_id: 'u1',
    username: 'ada',
    email: 'ada@example.com',
    name: 'Ada',
    raw_profile: profile,
    capabilities: [],
    ...extra,
  };
}

const deny = (condition: string, reason?: string): PolicyRule => ({ condition, action: 'deny', reason });

describe('input policies', () => {
  it('deny with the rule reason when the condition holds, and report deny', () => {
    const set = compilePolicies({ input: [deny("user.role != 'admin'", 'Admins only')] });
    const report = fresh();
    const denial = set.enforceInput({}, user({ role: 'viewer' }), report);
    expect(denial).toEqual({ phase: 'input', reason: 'Admins only', index: 0 });
    expect(report).toEqual({
      decision: 'deny',
      reason: 'Admins only',
      evaluated: ["input[0]: user.role != 'admin'"],
    });
  });

  it('allow when no rule holds, listing every evaluated rule', () => {
    const set = compilePolicies({
      input: [deny("user.role == 'guest'"), deny("!('read' in user.permissions)")],
    });
    const report = fresh();
    expect(set.enforceInput({}, user({ role: 'admin', permissions: ['read'] }), report)).toBeNull();
    expect(report).toEqual({
      decision: 'allow',
      reason: null,
      evaluated: ["input[0]: user.role == 'guest'", "input[1]: !('read' in user.permissions)"],
    });
  });

  it('uses the default reason "Access denied by policy"', () => {
    const denial = compilePolicies({ input: [deny('true')] }).enforceInput({}, null, fresh());
    expect(denial?.reason).toBe('Access denied by policy');
  });

  it('stops at the first denying rule', () => {
    const report = fresh();
    const denial = compilePolicies({
      input: [deny('false'), deny('true', 'second'), deny('true', 'third')],
    }).enforceInput({}, null, report);
    expect(denial).toMatchObject({ reason: 'second', index: 1 });
    expect(report.evaluated).toEqual(['input[0]: false', 'input[1]: true']);
  });

  it('compares parameters with the user: own record allowed, others denied, admins allowed', () => {
    const set = compilePolicies(
      { input: [deny("user.role != 'admin' && employee_id != user.user_id", 'Not your record')] },
      { parameters: ['employee_id'] },
    );
    expect(set.enforceInput({ employee_id: 'u1' }, user({ role: 'user' }), fresh())).toBeNull();
    expect(set.enforceInput({ employee_id: 'u2' }, user({ role: 'user' }), fresh())?.reason).toBe(
      'Not your record',
    );
    expect(set.enforceInput({ employee_id: 'u2' }, user({ role: 'admin' }), fresh())).toBeNull();
  });

  it('sees integer parameters as CEL ints, so arithmetic and string() work', () => {
    const set = compilePolicies(
      { input: [deny('limit + 1 > 101'), deny('string(id) != user.user_id')] },
      { parameters: ['limit', 'id'] },
    );
    expect(set.enforceInput({ limit: 100, id: 7 }, user({}, { user_id: '7' }), fresh())).toBeNull();
    expect(set.enforceInput({ limit: 101, id: 7 }, user({}, { user_id: '7' }), fresh())?.index).toBe(0);
    expect(set.enforceInput({ limit: 1, id: 8 }, user({}, { user_id: '7' }), fresh())?.index).toBe(1);
  });

  it('binds declared parameters the call left out as null', () => {
    const set = compilePolicies({ input: [deny('region == null')] }, { parameters: ['region'] });
    expect(set.enforceInput({}, null, fresh())?.reason).toBe('Access denied by policy');
    expect(set.enforceInput({ region: 'eu' }, null, fresh())).toBeNull();
  });

  it('lets `user` win over a parameter named user, with a warning at compile time', () => {
    const logger = recordingLogger();
    const set = compilePolicies(
      { input: [deny("user.role == 'anonymous'")] },
      { parameters: ['user'], logger },
    );
    expect(logger.lines[0].message).toMatch(/parameter named 'user'/);
    expect(set.enforceInput({ user: { role: 'admin' } }, null, fresh())).not.toBeNull();
  });

  it('ignores filter and mask actions in the input phase (never evaluated), as MXCP does', () => {
    const report = fresh();
    const set = compilePolicies({
      input: [{ condition: 'nonsense.field', action: 'filter_fields', fields: ['a'] }, deny('false')],
    });
    expect(set.enforceInput({}, null, report)).toBeNull();
    expect(report).toEqual({ decision: 'allow', reason: null, evaluated: ['input[1]: false'] });
  });
});

describe('the user variable', () => {
  function userSeenBy(source: PolicyUserSource | null): Record<string, unknown> {
    // Denies exactly when the expected value differs, so each field is checked through CEL itself.
    const seen: Record<string, unknown> = {};
    for (const [field, expr] of [
      ['role', 'user.role'],
      ['user_id', 'user.user_id'],
      ['username', 'user.username'],
      ['email', 'user.email'],
      ['provider', 'user.provider'],
    ] as const) {
      for (const candidate of [null, 'anonymous', 'user', 'admin', 'u1', 'ada', 'ada@example.com', 'test']) {
        const literal = candidate === null ? 'null' : `'${candidate}'`;
        const set = compilePolicies({ input: [deny(`${expr} == ${literal}`)] });
        if (set.enforceInput({}, source, fresh())) seen[field] = candidate;
      }
    }
    return seen;
  }

  it('is anonymous with empty permissions and capabilities when nobody is logged in', () => {
    expect(userSeenBy(null)).toEqual({
      role: 'anonymous',
      user_id: null,
      username: null,
      email: null,
      provider: null,
    });
    const empty = compilePolicies({
      input: [deny('size(user.permissions) == 0 && size(user.capabilities) == 0')],
    });
    expect(empty.enforceInput({}, null, fresh())).not.toBeNull();
  });

  it('has the identity, role "user" by default, and permissions and capabilities for a logged-in user', () => {
    expect(userSeenBy(user({}))).toEqual({
      role: 'user',
      user_id: 'u1',
      username: 'ada',
      email: 'ada@example.com',
      provider: 'test',
    });
    const set = compilePolicies({
      input: [
        deny(
          "user.role == 'admin' && 'write' in user.permissions && 'reports:read' in user.capabilities && user.name == 'Ada'",
        ),
      ],
    });
    const admin = user({ role: 'admin', permissions: ['write'] }, { capabilities: ['reports:read'] });
    expect(set.enforceInput({}, admin, fresh())).not.toBeNull();
  });

  it('does not expose other raw_profile keys', () => {
    const set = compilePolicies({ input: [deny("user.department == 'hr'")] }, { logger: recordingLogger() });
    const denial = set.enforceInput({}, user({ department: 'hr' }), fresh());
    // The field is unknown to CEL, so the condition fails to evaluate (and denies).
    expect(denial?.error).toMatch(/department/);
  });
});

describe('output policies', () => {
  const rows = [
    { id: 1, name: 'a', salary: 10, ssn: '111' },
    { id: 2, name: 'b', salary: 20, ssn: '222' },
  ];

  it('deny: "Output blocked by policy" by default, the rule reason otherwise', () => {
    const set = compilePolicies({ output: [deny('size(response) > 1')] });
    const report = fresh();
    expect(set.enforceOutput(rows, null, report)).toEqual({
      denial: { phase: 'output', reason: 'Output blocked by policy', index: 0 },
    });
    expect(report).toEqual({
      decision: 'deny',
      reason: 'Output blocked by policy',
      evaluated: ['output[0]: size(response) > 1'],
    });
    const withReason = compilePolicies({ output: [deny('response.salary > 15', 'Too much')] });
    expect(withReason.enforceOutput({ salary: 20 }, null, fresh())).toMatchObject({
      denial: { reason: 'Too much' },
    });
    expect(withReason.enforceOutput({ salary: 5 }, null, fresh())).toEqual({
      denial: null,
      value: { salary: 5 },
    });
  });

  it('filter_fields removes top-level keys of an object and of each object in a list, and reports warn', () => {
    const set = compilePolicies({
      output: [{ condition: "user.role != 'hr'", action: 'filter_fields', fields: ['salary', 'ssn'] }],
    });
    const report = fresh();
    const result = set.enforceOutput(rows, user({ role: 'user' }), report);
    expect(result).toEqual({
      denial: null,
      value: [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ],
    });
    expect(report).toEqual({
      decision: 'warn',
      reason: 'Output modified by filter_fields',
      evaluated: ["output[0]: user.role != 'hr'"],
    });
    expect(set.enforceOutput({ a: 1, salary: 2, nested: { salary: 3 } }, null, fresh())).toEqual({
      denial: null,
      value: { a: 1, nested: { salary: 3 } },
    });
    expect(set.enforceOutput('text', null, fresh())).toEqual({ denial: null, value: 'text' });
    expect(rows[0].salary).toBe(10); // copied, not mutated
  });

  it('mask_fields replaces existing top-level keys with "****" and adds none', () => {
    const set = compilePolicies({
      output: [{ condition: 'true', action: 'mask_fields', fields: ['ssn', 'missing'] }],
    });
    expect(set.enforceOutput(rows, null, fresh())).toEqual({
      denial: null,
      value: [
        { id: 1, name: 'a', salary: 10, ssn: '****' },
        { id: 2, name: 'b', salary: 20, ssn: '****' },
      ],
    });
  });

  it('leaves the result alone and reports allow when no output condition holds', () => {
    const set = compilePolicies({ output: [{ condition: 'false', action: 'mask_fields', fields: ['ssn'] }] });
    const report = fresh();
    expect(set.enforceOutput(rows, null, report)).toEqual({ denial: null, value: rows });
    expect(report.decision).toBe('allow');
  });

  it('feeds each rule the output of the previous one', () => {
    const set = compilePolicies({
      output: [
        { condition: 'true', action: 'filter_fields', fields: ['ssn'] },
        deny('has(response.ssn)', 'ssn still there'),
      ],
    });
    expect(set.enforceOutput({ id: 1, ssn: 'x' }, null, fresh())).toEqual({ denial: null, value: { id: 1 } });
  });

  it('filter_sensitive_fields removes sensitive fields nested in objects inside arrays inside objects', () => {
    const returnType: TypeDefinition = {
      type: 'object',
      properties: {
        team: { type: 'string' },
        token: { type: 'string', sensitive: true },
        members: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              ssn: { type: 'string', sensitive: true },
              contact: {
                type: 'object',
                properties: { phone: { type: 'string', sensitive: true }, city: { type: 'string' } },
              },
            },
          },
        },
      },
    };
    const set = compilePolicies(
      { output: [{ condition: "user.role != 'admin'", action: 'filter_sensitive_fields' }] },
      { returnType },
    );
    const response = {
      team: 'core',
      token: 't',
      members: [
        { name: 'a', ssn: '1', contact: { phone: '555', city: 'Oslo' } },
        { name: 'b', ssn: '2', contact: { phone: '556', city: 'Rome' } },
      ],
    };
    const report = fresh();
    expect(set.enforceOutput(response, null, report)).toEqual({
      denial: null,
      value: {
        team: 'core',
        members: [
          { name: 'a', contact: { city: 'Oslo' } },
          { name: 'b', contact: { city: 'Rome' } },
        ],
      },
    });
    expect(report.decision).toBe('warn');
    expect(report.reason).toBe('Output modified by filter_sensitive_fields');
    expect(set.enforceOutput(response, user({ role: 'admin' }), fresh())).toEqual({
      denial: null,
      value: response,
    });
  });

  it('keeps the input decision when there are no output rules', () => {
    const set = compilePolicies({ input: [deny('false')] });
    const report = fresh();
    set.enforceInput({}, null, report);
    expect(set.enforceOutput(1, null, report)).toEqual({ denial: null, value: 1 });
    expect(report.decision).toBe('allow');
  });
});

describe('evaluation errors fail closed', () => {
  it('an input condition that cannot be evaluated denies, is logged, and is reported', () => {
    const logger = recordingLogger();
    const set = compilePolicies({ input: [deny('user.nope == 1')] }, { logger, endpoint: 'tool/x' });
    const report = fresh();
    const denial = set.enforceInput({}, null, report);
    expect(denial).toMatchObject({
      phase: 'input',
      index: 0,
      reason: 'Policy condition input[0] could not be evaluated',
    });
    expect(denial?.error).toMatch(/nope/);
    expect(report.decision).toBe('deny');
    expect(report.reason).toMatch(/^Policy condition input\[0\] could not be evaluated: .*nope/);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0].fields).toMatchObject({
      endpoint: 'tool/x',
      rule: 'input[0]',
      condition: 'user.nope == 1',
    });
  });

  it('an output condition that cannot be evaluated denies the result', () => {
    const set = compilePolicies({ output: [deny('response.a / 0 == 1')] }, { logger: recordingLogger() });
    const result = set.enforceOutput({ a: 1 }, null, fresh());
    expect(result.denial).toMatchObject({
      phase: 'output',
      reason: 'Policy condition output[0] could not be evaluated',
    });
  });

  it('a condition that is not a boolean denies', () => {
    const set = compilePolicies({ input: [deny("'yes'")] }, { logger: recordingLogger() });
    expect(set.enforceInput({}, null, fresh())?.error).toMatch(/must evaluate to a bool, got string/);
  });
});

describe('compiling', () => {
  it('rejects invalid CEL with the rule path and the column in the condition', () => {
    let caught: unknown;
    try {
      compilePolicies({ input: [deny('true')], output: [deny('user.role == ')] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyConfigError);
    const error = caught as PolicyConfigError;
    expect(error.path).toEqual(['output', 0, 'condition']);
    expect(error.message).toMatch(/^Invalid CEL in output\[0\] condition at column \d+ of the condition: /);
  });

  it('requires fields for filter_fields and mask_fields', () => {
    expect(() => compilePolicies({ output: [{ condition: 'true', action: 'mask_fields' }] })).toThrow(
      "mask_fields requires a non-empty 'fields' list",
    );
  });

  it('is inactive without rules: decisions stay null', () => {
    const set = compilePolicies({ input: [], output: [] });
    const report = fresh();
    expect(set.active).toBe(false);
    expect(set.enforceInput({ a: 1 }, null, report)).toBeNull();
    expect(set.enforceOutput(5, null, report)).toEqual({ denial: null, value: 5 });
    expect(report).toEqual({ decision: null, reason: null, evaluated: [] });
  });
});
