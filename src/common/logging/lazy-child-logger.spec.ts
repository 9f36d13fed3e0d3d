import pino, { Logger } from 'pino';
import { Writable } from 'node:stream';
import { LazyChildLogger } from './lazy-child-logger';
import { REDACTED_PATHS } from './logging.options';

/** A root logger as the service makes it, writing its lines into `lines`. */
function root(lines: string[], level = 'info'): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, timestamp: false },
    sink,
  );
}

const withoutTime = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('LazyChildLogger', () => {
  it('writes exactly the lines a pino child would', () => {
    const eager: string[] = [];
    const lazy: string[] = [];
    const child = root(eager).child({ correlationId: 'c-1' });
    const logger = new LazyChildLogger(root(lazy), { correlationId: 'c-1' }, {});
    for (const target of [child, logger] as const) {
      target.info('plain');
      target.warn(
        { event: 'denied', headers: { authorization: 'Bearer secret' } },
        'with %s',
        'args',
      );
      target.error({ err: new Error('boom') }, 'failed');
      target.debug('off at info');
      target.child({ part: 'x' }).info('from a grandchild');
    }
    expect(lazy.map(withoutTime)).toEqual(eager.map(withoutTime));
    expect(lazy.join()).not.toContain('secret');
    expect(lazy).toHaveLength(4);
  });

  it('makes no child until a line is written at a level that is on', () => {
    const lines: string[] = [];
    const parent = root(lines);
    const child = jest.spyOn(parent, 'child');
    const logger = new LazyChildLogger(parent, { correlationId: 'c-2' }, {});
    logger.debug('off');
    logger.trace('off');
    expect(logger.isLevelEnabled('debug')).toBe(false);
    expect(logger.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    logger.info('on');
    expect(child).toHaveBeenCalledTimes(1);
    logger.info('again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map(withoutTime).map((line) => line.correlationId)).toEqual(['c-2', 'c-2']);
  });

  it('honours a level of its own (a route log level)', () => {
    const lines: string[] = [];
    const logger = new LazyChildLogger(root(lines), { correlationId: 'c-3' }, { level: 'debug' });
    logger.debug('on for this route');
    expect(lines.map(withoutTime)).toEqual([
      expect.objectContaining({ msg: 'on for this route', correlationId: 'c-3' }),
    ]);
  });
});
