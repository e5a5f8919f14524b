/**
 * Drives a program in a real pseudo-terminal with tmux (send-keys to type,
 * capture-pane to read), on a private tmux socket, with bounded waits.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export class Tty {
  readonly socket = `regcert-test-${randomBytes(4).toString('hex')}`;
  private readonly session = 't';

  constructor(command: string, opts: { cwd: string; width?: number; height?: number }) {
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(opts.width ?? 120), '-y', String(opts.height ?? 50), '-c', opts.cwd, command);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', this.session);
  }

  send(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** Types literal text (no key-name interpretation). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on the terminal:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}
