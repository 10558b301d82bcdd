import { BridgeError } from '../errors';

/** Two readiness checks under one name: a wiring mistake in the daemon or a component. */
export class DuplicateCheckError extends BridgeError {
  constructor(name: string) {
    super('DUPLICATE_READINESS_CHECK', `a readiness check named ${JSON.stringify(name)} is already registered; give each component's check its own name`);
  }
}
