// Any error as one sentence in the user's language, with the exit code of the contract.
import { CliError, EXIT, type ExitCode } from './errors.js';
import { render, type T } from './i18n/index.js';

/** The sentence for an error, in the user's language (parameters are sanitized by the translator). */
export async function describeError(t: T, e: unknown): Promise<{ code: ExitCode; text: string }> {
  if (e instanceof CliError) {
    return { code: e.exitCode, text: e.sentences.map((s) => render(t, s.key, s.params)).join(' ') };
  }
  // Errors from the kube layer that no command translated (for example during completion).
  const { translate } = await import('./kube/errors.js');
  const translated = translate(e, { server: '(the API server)', user: 'unknown', namespace: '' });
  if (translated instanceof CliError) return describeError(t, translated);
  const message = e instanceof Error ? e.message : String(e);
  return { code: EXIT.FAILURE, text: t('err.internal', { message }) };
}
