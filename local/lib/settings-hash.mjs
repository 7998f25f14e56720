// A short fingerprint of a function's settings (PIPELINE_SETTINGS), the same for the same settings
// however the JSON was spaced: the IAM check evaluates only requests made with the synthesized ones.
import { createHash } from 'node:crypto';

export function settingsHash(settingsJson) {
  return createHash('sha256').update(JSON.stringify(JSON.parse(settingsJson))).digest('hex').slice(0, 12);
}
