// Policy spans (MXCP-SPEC §11): one enforce span per phase with one evaluate
// span per rule under it, with the condition and outcome but never parameter
// values or results.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { allAttributeText, recordSpans } from '../telemetry/testdata/recording.js';
import { compilePolicies } from './enforcer.js';

// One provider per file: the global provider can be registered once per process.
const { recorder, sdk } = recordSpans();
afterAll(() => sdk.shutdown());
beforeEach(() => recorder.reset());

const quiet = { warn: () => {} };

describe('policy spans', () => {
  it('nest evaluate_input[i] under enforce_input with the rule and decision attributes', () => {
    const set = compilePolicies(
      {
        input: [
          { condition: "secret_param == 'x'", action: 'deny' },
          { condition: "user.role == 'anonymous'", action: 'deny', reason: 'Log in' },
        ],
      },
      { parameters: ['secret_param'] },
    );
    set.enforceInput({ secret_param: 'hunter2' }, null, { decision: null, reason: null, evaluated: [] });
    const names = recorder.spans.map((s) => s.name);
    expect(names).toEqual([
      'mxcp.policy.evaluate_input[0]',
      'mxcp.policy.evaluate_input[1]',
      'mxcp.policy.enforce_input',
    ]);
    const [first, second, enforce] = recorder.spans;
    expect(first.parentSpanContext?.spanId).toBe(enforce.spanContext().spanId);
    expect(first.attributes).toMatchObject({
      'mxcp.policy.condition': "secret_param == 'x'",
      'mxcp.policy.action': 'deny',
      'mxcp.policy.condition_result': false,
    });
    expect(second.attributes).toMatchObject({ 'mxcp.policy.denied': true, 'mxcp.policy.reason': 'Log in' });
    expect(enforce.attributes).toMatchObject({
      'mxcp.policy.count': 2,
      'mxcp.policy.has_user': false,
      'mxcp.policy.decision': 'deny',
      'mxcp.policy.denied_at': 'input[1]',
      'mxcp.policy.evaluated_count': 2,
    });
    expect(allAttributeText(recorder.spans)).not.toContain('hunter2');
  });

  it('record the applied output action, masked fields and evaluation errors', () => {
    const set = compilePolicies(
      {
        output: [
          { condition: 'true', action: 'mask_fields', fields: ['ssn'] },
          { condition: 'response.nope', action: 'deny' },
        ],
      },
      { logger: quiet },
    );
    set.enforceOutput({ ssn: '123-45' }, null, { decision: 'allow', reason: null, evaluated: [] });
    const byName = Object.fromEntries(recorder.spans.map((s) => [s.name, s]));
    expect(byName['mxcp.policy.evaluate_output[0]'].attributes['mxcp.policy.fields_masked']).toEqual(['ssn']);
    expect(byName['mxcp.policy.evaluate_output[1]'].attributes['mxcp.policy.error']).toMatch(/nope/);
    expect(byName['mxcp.policy.enforce_output'].attributes).toMatchObject({
      'mxcp.policy.decision': 'deny',
      'mxcp.policy.denied_at': 'output[1]',
    });
    expect(allAttributeText(recorder.spans)).not.toContain('123-45');
  });
});
