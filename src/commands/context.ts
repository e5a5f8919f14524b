/** What every command receives besides its options: how to ask, and the clock. */
import type { SecretContext } from '../io/secrets.js';

export interface CommandContext extends SecretContext {
  /** Asks a yes/no question on a TTY (only called when interactive). */
  confirm?: ((message: string) => Promise<boolean>) | undefined;
  /** Narration for long steps (stderr in human mode, silent with --json). */
  progress?: ((message: string) => void) | undefined;
  /** The clock (tests pin it). */
  now?: Date | undefined;
}
