import { Context, ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';
import { asyncFrames } from '../context/request-context';

/**
 * The OpenTelemetry context manager of the service: the active trace context lives in the
 * request context's async-local store (`AsyncFrame.trace`) instead of an AsyncLocalStorage of
 * its own, as the SDK's default manager keeps it. On Node 20 each enabled AsyncLocalStorage
 * is copied onto every promise the process creates, probes and untraced work included; the
 * default manager's store was the largest single cost of tracing (`BENCH_ONLY=tracing`).
 *
 * The two halves of a frame are independent, as they were in two stores: entering a trace
 * context keeps the request context, and `requestContext.run` keeps the active trace context.
 *
 * `bind` binds functions; an event emitter is returned as it is (nothing in the service binds
 * one: the generic http instrumentation did, and it is not used).
 */
export class FrameContextManager implements ContextManager {
  private enabled = false;

  active(): Context {
    if (!this.enabled) return ROOT_CONTEXT;
    return (asyncFrames.current()?.trace as Context | undefined) ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const callback = thisArg == null ? fn : (fn.bind(thisArg) as F);
    if (!this.enabled) return callback(...args);
    const frame = asyncFrames.current();
    return asyncFrames.run({ request: frame?.request, trace: context }, callback, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const manager = this;
    const original = target as unknown as (...args: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => original.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: original.length, configurable: true });
    return bound as unknown as T;
  }

  enable(): this {
    this.enabled = true;
    return this;
  }

  /** Off: no trace context is active any more; request contexts are untouched. */
  disable(): this {
    this.enabled = false;
    return this;
  }
}
