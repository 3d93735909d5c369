// CEL policies (MXCP-SPEC §5): compile a `policies:` block once, enforce it per call.
export {
  compilePolicies,
  NO_POLICIES,
  PolicyConfigError,
  type CompilePolicyOptions,
  type OutputResult,
  type PolicyAction,
  type PolicyBlock,
  type PolicyDenial,
  type PolicyLogger,
  type PolicyPhase,
  type PolicyReport,
  type PolicySet,
} from './enforcer.js';
export { policyUser, type PolicyUserSource } from './user.js';
export {
  compileCondition,
  toCel,
  CelSyntaxError,
  CelEvaluationError,
  type CompiledCondition,
} from './cel.js';
export { MASK, filterFields, maskFields, filterSensitive } from './actions.js';
