import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { requestContext } from '../context/request-context';
import { FrameContextManager } from './context-manager';

const KEY = createContextKey('test-key');

describe('FrameContextManager', () => {
  const manager = new FrameContextManager().enable();
  const traced = ROOT_CONTEXT.setValue(KEY, 'span');

  it('keeps the request context when a trace context is entered, and the other way round', async () => {
    await requestContext.run({ correlationId: 'outer' }, async () => {
      await manager.with(traced, async () => {
        await Promise.resolve();
        expect(requestContext.get()?.correlationId).toBe('outer');
        expect(manager.active().getValue(KEY)).toBe('span');
        await requestContext.run({ correlationId: 'inner' }, async () => {
          await new Promise((done) => setImmediate(done));
          expect(requestContext.get()?.correlationId).toBe('inner');
          expect(manager.active().getValue(KEY)).toBe('span');
        });
        // Leaving either restores what was there.
        expect(requestContext.get()?.correlationId).toBe('outer');
      });
      expect(manager.active()).toBe(ROOT_CONTEXT);
      expect(requestContext.get()?.correlationId).toBe('outer');
    });
    expect(requestContext.get()).toBeUndefined();
  });

  it('passes this and the arguments, and binds functions to a context', () => {
    const target = { factor: 3 };
    const times = function (this: typeof target, value: number) {
      return this.factor * value;
    };
    expect(manager.with(traced, times, target, 2)).toBe(6);
    const bound = manager.bind(traced, (value: number) => [value, manager.active().getValue(KEY)]);
    expect(bound(1)).toEqual([1, 'span']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('answers the root context once disabled, leaving request contexts alone', () => {
    const off = new FrameContextManager().enable().disable();
    requestContext.run({ correlationId: 'kept' }, () =>
      off.with(traced, () => {
        expect(off.active()).toBe(ROOT_CONTEXT);
        expect(requestContext.get()?.correlationId).toBe('kept');
      }),
    );
  });
});
