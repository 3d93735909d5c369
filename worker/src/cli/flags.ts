// Flag values shared by several commands.

/** `true|false` (also 1/0, yes/no); undefined stays undefined so config can decide. */
export function parseBooleanFlag(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new Error(`Invalid ${flag} value '${value}': expected true or false`);
}
