/** The configuration a subcommand reads: the daemon's own rules (src/config), from its `--config-file`/`--config-dir`. */
import { loadConfig } from '../config';
import type { BridgeConfig } from '../config/types';
import type { ParsedArgs } from './args';

export function commandConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): BridgeConfig {
  return loadConfig({ configFiles: args.configFiles, configDirs: args.configDirs, env });
}
