// Progress on stderr for waits. Animated (ora) only on a terminal with colour and a usable size;
// ora is loaded only then: its string-width dependency compiles large Unicode regular expressions on
// load (~70 ms measured), which a CI run or a piped command should never pay.
//
// A terminal of size 0x0 is common (`script`, `docker run -t`, `ssh -tt`, some CI runners). ora counts
// the lines to erase as ceil(width / columns): with 0 columns that is Infinity, and its next clear()
// writes cursor movements in an endless synchronous loop (gigabytes, one core, no timer or signal
// handler ever runs again). So ora never renders unless the terminal has room for a line, a resize
// below that stops it before its next frame (Node updates `columns` and emits 'resize' in one go),
// and the text is cut to one line, so ora never has wrapped lines to count. On a terminal without
// animation (TERM=dumb, no colour, no usable size), the progress is a plain line each time it changes.
import type { Ctx } from '../ctx.js';
import { clean, width } from '../render/text.js';

export interface Spinner {
  text(s: string): void;
  stop(): void;
}

/** Narrower than this, a spinner line would say nothing useful. */
const MIN_COLUMNS = 20;

interface TtyStream {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  write(s: string): unknown;
  prependListener?(event: 'resize', fn: () => void): unknown;
  off?(event: 'resize', fn: () => void): unknown;
}

function usable(s: TtyStream): boolean {
  return typeof s.columns === 'number' && s.columns >= MIN_COLUMNS && typeof s.rows === 'number' && s.rows >= 1;
}

/** Control characters removed (the text carries cluster data), cut to `max` columns with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = clean(text);
  if (width(flat) <= max) return flat;
  let out = '';
  let w = 0;
  for (const ch of flat) {
    w += width(ch);
    if (w > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

const silent: Spinner = { text: () => undefined, stop: () => undefined };

export async function startSpinner(ctx: Pick<Ctx, 'io' | 'colorErr'>, text: string): Promise<Spinner> {
  const stream = ctx.io.stderr as TtyStream;
  if (stream.isTTY !== true) return silent;
  let current = text;

  if (!ctx.colorErr || !usable(stream) || typeof stream.prependListener !== 'function') {
    let shown = '';
    const show = (x: string) => {
      const line = oneLine(x, Number.MAX_SAFE_INTEGER);
      if (!line || line === shown) return;
      shown = line;
      stream.write(`${line}\n`);
    };
    show(current);
    return { text: show, stop: () => undefined };
  }

  const { default: ora } = await import('ora');
  let spinner: ReturnType<typeof ora> | null = null;
  let stopped = false;
  // ora's frame is "<symbol> <text>": two columns before the text, one spare so the cursor never wraps.
  const fitted = () => oneLine(current, (stream.columns ?? 0) - 3);
  const sync = () => {
    if (stopped) return;
    if (!usable(stream)) {
      spinner?.stop();
      spinner = null;
    } else if (!spinner) {
      spinner = ora({ text: fitted(), stream: stream as unknown as NodeJS.WritableStream, discardStdin: false }).start();
    } else {
      spinner.text = fitted();
    }
  };
  stream.prependListener('resize', sync);
  sync();
  return {
    text: (x) => {
      current = x;
      sync();
    },
    stop: () => {
      stopped = true;
      stream.off?.('resize', sync);
      spinner?.stop();
      spinner = null;
    },
  };
}
