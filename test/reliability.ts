// Tests record what they injected and what they observed; scripts/reliability-report.ts turns the
// records into docs/RELIABILITY.md, so the report comes from a test run, not from a hand.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const RELIABILITY_FILE = join(import.meta.dirname, '..', '.cluster', 'reliability', 'records.jsonl');

export interface Record_ {
  kind: 'fault' | 'input' | 'security';
  area: string;
  case: string;
  outcome: string;
  count?: number;
}

export function record(r: Record_): void {
  mkdirSync(join(RELIABILITY_FILE, '..'), { recursive: true });
  appendFileSync(RELIABILITY_FILE, `${JSON.stringify({ ...r, at: new Date().toISOString() })}\n`);
}
