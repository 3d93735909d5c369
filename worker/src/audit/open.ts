// The audit writer for a project's active profile (MXCP-SPEC §2
// `profiles.<p>.audit`): `enabled` (MXCP_AUDIT_ENABLED already applied by the
// config loader), the base `path` and `max_file_size`. Null when audit is off,
// which is MXCP's no-op backend.
import type { ProjectConfig } from '../config/index.js';
import { AuditWriter, type AuditWriterOptions } from './writer.js';

export type OpenAuditOptions = Omit<AuditWriterOptions, 'path' | 'maxFileSize'>;

export function openAuditWriter(config: ProjectConfig, options: OpenAuditOptions = {}): AuditWriter | null {
  const audit = config.profile.audit;
  if (!audit.enabled) return null;
  return new AuditWriter({ ...options, path: audit.path, maxFileSize: audit.max_file_size });
}
