/** The Node.js version check: scelle needs what package.json's `engines` says (20.19). */
import { found, type DoctorCheck } from './check.js';

export const REQUIRED_NODE = '20.19';

/** True when `version` (`20.20.2`, `v22.1.0`) is at least `required` (`20.19`). */
export function nodeVersionAtLeast(version: string, required: string): boolean {
  const a = version.replace(/^v/, '').split('.').map((x) => Number.parseInt(x, 10) || 0);
  const b = required.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

export function checkNode(version: string): DoctorCheck {
  const params = { version, required: REQUIRED_NODE };
  return nodeVersionAtLeast(version, REQUIRED_NODE)
    ? found('node', 'ok', 'doctor.node.ok', { params })
    : found('node', 'error', 'doctor.node.old', { params, fixKey: 'doctor.node.fix' });
}
