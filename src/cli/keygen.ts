/**
 * `nova-zmq-bridge keygen NAME [--dir DIR]`: a CURVE key pair in czmq's
 * certificate format (docs/security.md). The work is in src/security/keygen.ts.
 */
import type { Command } from './command';
import { KEYGEN_USAGE, keygenMain } from '../security/keygen';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'write a CURVE key pair NAME.key / NAME.key_secret (mode 0600) for [zmq_bridge] security = curve',
  usage: KEYGEN_USAGE,
  run: async (argv, io) => keygenMain(argv, io.out, io.err),
};
