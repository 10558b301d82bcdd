/**
 * Base of every error this project raises on purpose.
 *
 * Each condition gets its own subclass (in the folder of the concern that
 * raises it, e.g. `config/errors.ts`) with a stable `code`, so callers and
 * tests branch on the code rather than on message text, and messages can say
 * what to do without becoming an API.
 */
export class BridgeError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID_VALUE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Process exit code used when start-up fails because of configuration. */
export const EXIT_CONFIG = 2;
/** Process exit code used when start-up fails for an environmental reason (port in use, ipc dir unwritable). */
export const EXIT_STARTUP = 3;
