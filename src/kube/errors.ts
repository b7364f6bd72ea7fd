// Translates what the API (or the network) said into one CliError with the contract's exit code and a
// sentence that names the object and the way out. Never includes credentials: only the server URL,
// the user's name and the API server's own message (which holds no secrets).
import { STATUS_CODES } from 'node:http';
import { ApiError, NetworkError } from './http.js';
import { CliError, EXIT, Interrupted } from '../errors.js';

export interface ErrorContext {
  server: string;
  user: string;
  namespace: string;
  /** The rollout the command is about, for "not found". */
  rollout?: string;
  requestTimeout?: string;
}

export function isConflict(e: unknown): boolean {
  // A failed JSON Patch `test` is 422 (Invalid) or 409/500 depending on the server version; a
  // resourceVersion precondition is 409.
  if (!(e instanceof ApiError)) return false;
  if (e.status === 409) return true;
  const text = `${e.body.message ?? ''} ${e.rawText}`;
  return (
    (e.status === 422 || e.status === 500) &&
    /test(ing)? (operation|value)|jsonpatch|doc is missing path|unable to remove nonexistent key|the server rejected our request due to an error in our request/i.test(
      text,
    )
  );
}

/**
 * Why the server refused: its Status message; else the first line of a plain-text answer (a Go
 * server's "431 Request Header Fields Too Large"); else the status code's name (an answer with no body).
 */
function apiReason(e: ApiError): string {
  if (e.body.message) return e.body.message.slice(0, 300);
  const line = e.rawText.trim().split('\n')[0]!.trim();
  if (line && !line.startsWith('<') && !line.startsWith('{')) return line.slice(0, 300);
  return STATUS_CODES[e.status] ?? 'no reason given';
}

export function translate(e: unknown, ctx: ErrorContext): CliError | Interrupted | unknown {
  if (e instanceof CliError) return e;
  // Ctrl-C while a request was on its way (a read, or a write that never left): an interruption.
  if (e instanceof NetworkError && e.code === 'ABORTED') return new Interrupted();
  if (e instanceof NetworkError) {
    if (e.kind === 'tls') return new CliError(EXIT.FAILURE, 'err.tls', { server: ctx.server, detail: e.message }).causedBy(e);
    if (e.kind === 'timeout') {
      return new CliError(EXIT.FAILURE, 'err.timeout', {
        server: ctx.server,
        timeout: ctx.requestTimeout ?? 'the request timeout',
      }).causedBy(e);
    }
    return new CliError(EXIT.FAILURE, 'err.unreachable', { server: ctx.server, detail: e.message }).causedBy(e);
  }
  if (e instanceof ApiError) {
    const t = e.target;
    const ns = t.namespace ?? ctx.namespace;
    switch (e.status) {
      case 401:
        return new CliError(EXIT.FAILURE, 'err.unauthorized', { server: ctx.server, user: ctx.user }).causedBy(e);
      case 403: {
        const user = /User "([^"]*)"/.exec(e.body.message ?? '')?.[1] ?? ctx.user;
        if (!t.namespace) {
          return new CliError(EXIT.FAILURE, 'err.forbiddenCluster', { user, verb: t.verb, resource: t.resource, group: t.group }).causedBy(
            e,
          );
        }
        return new CliError(EXIT.FAILURE, 'err.forbidden', { user, verb: t.verb, resource: t.resource, group: t.group, ns }).causedBy(e);
      }
      case 404: {
        // A Status from the rollouts resource means the object is missing; anything else (a plain
        // "404 page not found") means the API group itself is not served.
        if (t.group === 'argoproj.io' && t.resource.startsWith('rollouts')) {
          const isStatus = e.body.kind === 'Status' && (e.body.details?.kind === 'rollouts' || e.body.reason === 'NotFound');
          if (isStatus && e.body.details?.kind === 'rollouts') {
            return new CliError(EXIT.FAILURE, 'err.rolloutNotFound', { name: t.name ?? ctx.rollout ?? '', ns }).causedBy(e);
          }
          return new CliError(EXIT.FAILURE, 'err.crdMissing', { server: ctx.server }).causedBy(e);
        }
        break;
      }
    }
    return new CliError(EXIT.FAILURE, 'err.api', {
      code: String(e.status),
      verb: t.verb,
      resource: t.resource,
      name: t.name ?? '',
      ns: t.namespace ?? '',
      message: apiReason(e),
    }).causedBy(e);
  }
  return e;
}
