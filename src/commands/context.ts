/** What every command receives besides its options: how to ask, and the clock. */
import type { BatchProgress } from '../io/batch-pipeline.js';
import type { SecretContext } from '../io/secrets.js';

export interface CommandContext extends SecretContext {
  /**
   * Asks a yes/no question on a TTY (only called when interactive). `details`
   * are lines shown above it, each printed as one escaped line (they may hold
   * text from a server).
   */
  confirm?: ((message: string, details?: readonly string[]) => Promise<boolean>) | undefined;
  /** Narration for long steps (stderr in human mode, silent with --json). */
  progress?: ((message: string) => void) | undefined;
  /** How far a run of thousands has come (issue --batch, renew --all), as data the CLI renders. */
  batchProgress?: ((p: BatchProgress) => void) | undefined;
  /** The clock (tests pin it). */
  now?: Date | undefined;
}
