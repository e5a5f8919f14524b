/**
 * Feedback for work that takes time (RSA-4096 keys, network calls): a
 * spinner on stderr when it is a TTY, ASCII frames when colour is off,
 * nothing at all when stderr is piped or --json is given.
 */
import type { Writable } from 'node:stream';

const FANCY = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ASCII = ['|', '/', '-', '\\'];

export interface Spinner {
  update(message: string): void;
  stop(): void;
}

export function createSpinner(stream: Writable & { isTTY?: boolean }, opts: { enabled: boolean; fancy: boolean }): Spinner {
  if (!opts.enabled || stream.isTTY !== true) return { update: () => {}, stop: () => {} };
  const frames = opts.fancy ? FANCY : ASCII;
  let i = 0;
  let message = '';
  let timer: NodeJS.Timeout | undefined;
  const draw = () => void stream.write(`\r\u001b[2K${frames[i++ % frames.length]} ${message}`);
  return {
    update(m) {
      message = m;
      if (!timer) {
        timer = setInterval(draw, 80);
        timer.unref();
      }
      draw();
    },
    stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      stream.write('\r\u001b[2K');
    },
  };
}
