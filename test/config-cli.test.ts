import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../src/config/cli-args';
import { resolveLogLevel, LOG_LEVEL_ENV } from '../src/config/log-level';
import { ConfigError } from '../src/config/errors';

test('parseArgs: repeatable --config-file / --config-dir in order, = forms, flags', () => {
  assert.deepEqual(parseArgs([]), { configFiles: [], configDirs: [], logLevel: null, help: false, version: false });
  assert.deepEqual(
    parseArgs(['--config-file', '/a.conf', '--config-file=/b.conf', '--config-dir', '/d1', '--config-dir=/d2', '--log-level', 'debug', '--help', '--version']),
    { configFiles: ['/a.conf', '/b.conf'], configDirs: ['/d1', '/d2'], logLevel: 'debug', help: true, version: true },
  );
  assert.equal(parseArgs(['--log-level=warn', '--log-level', 'error']).logLevel, 'error');
  assert.equal(parseArgs(['-h']).help, true);
});

for (const [argv, value] of [
  [['--bogus'], '--bogus'],
  [['--config-file=/a', 'stray'], 'stray'],
  [['--config-files', '/a'], '--config-files'],
  [['--config-file'], null],
  [['--config-dir='], ''],
] as const) {
  test(`parseArgs rejects ${JSON.stringify(argv)} with exit code 2`, () => {
    assert.throws(
      () => parseArgs([...argv]),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'CONFIG_USAGE');
        assert.equal(err.exitCode, 2);
        assert.equal(err.value, value);
        assert.match(err.message, /accepted: --config-file PATH/);
        return true;
      },
    );
  });
}

const cfg = (o: { debug?: boolean; verbose?: boolean; logLevel?: string | null }) => ({
  debug: o.debug ?? false,
  verbose: o.verbose ?? false,
  bridge: { logLevel: o.logLevel ?? null } as never,
});

test('resolveLogLevel precedence: CLI > env > [zmq_bridge] log_level > debug > verbose > info', () => {
  const env = { [LOG_LEVEL_ENV]: 'error' };
  const full = cfg({ debug: true, verbose: true, logLevel: 'warn' });
  assert.equal(resolveLogLevel(full, 'trace', env), 'trace');
  assert.equal(resolveLogLevel(full, null, env), 'error');
  assert.equal(resolveLogLevel(full, null, {}), 'warn');
  assert.equal(resolveLogLevel(full, null, { [LOG_LEVEL_ENV]: '' }), 'warn');
  assert.equal(resolveLogLevel(cfg({ debug: true, verbose: true }), null, {}), 'debug');
  assert.equal(resolveLogLevel(cfg({ verbose: true }), null, {}), 'info');
  assert.equal(resolveLogLevel(cfg({}), null, {}), 'info');
  assert.equal(resolveLogLevel(cfg({}), 'WARNING', {}), 'warn');
  assert.equal(resolveLogLevel(cfg({}), null, { [LOG_LEVEL_ENV]: 'Critical' }), 'fatal');
});

test('resolveLogLevel rejects unknown levels naming their source', () => {
  assert.throws(() => resolveLogLevel(cfg({}), 'loud', {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'CONFIG_INVALID_VALUE');
    assert.equal(err.option, '--log-level');
    assert.match(err.message, /--log-level = "loud" is not valid.*accepted: trace, debug/);
    return true;
  });
  assert.throws(() => resolveLogLevel(cfg({}), null, { [LOG_LEVEL_ENV]: 'x' }), new RegExp(`${LOG_LEVEL_ENV} = "x"`));
});
