// What is wrong with an MxcpProject, in a form the ConfigValid condition and
// the render CLI print as they are: the file and line for problems inside
// project files, the field path for problems in the CR's spec.
export interface Problem {
  /** Project file (relative path), when the problem is inside one. */
  file?: string;
  line?: number;
  column?: number;
  /** Field path, e.g. `spec.audit.cleanupSchedule` or `tool.parameters[0].type`. */
  field?: string;
  message: string;
}

/** `file:line:column: field: message`, the form shown to users. */
export function formatProblem(problem: Problem): string {
  const place = [
    problem.file,
    problem.file ? problem.line : undefined,
    problem.line ? problem.column : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(':');
  return [place, problem.field, problem.message].filter(Boolean).join(': ');
}

/** Thrown by render when the project cannot be turned into objects. */
export class RenderError extends Error {
  readonly problems: Problem[];
  /** Field path of the first problem, when it is in the spec. */
  readonly field?: string;

  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'RenderError';
    this.problems = problems;
    this.field = problems[0]?.field;
  }
}
