import { context, type Context } from '@opentelemetry/api';

/**
 * The trace each notice came in with (its signal's span, src/tracing.ts), so that the child run it
 * causes continues the webhook's trace rather than that of whoever started the coordinator, months
 * ago. In memory: a replay rebuilds it from the signals; after a continue-as-new, notices carried
 * over continue the new run's trace. With tracing off the context is empty and nothing changes.
 * No commands: histories replay the same.
 */
export class NoticeTraces {
  private readonly byKey = new Map<string, Context>();

  /** Call in the signal handler, where the signal's span is the active one. */
  remember(key: unknown): void {
    if (typeof key === 'string') this.byKey.set(key, context.active());
  }

  /** Runs `fn` (the child's start) in the trace the notice came with, and forgets it. */
  within<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const noticeContext = this.byKey.get(key);
    this.byKey.delete(key);
    return noticeContext ? context.with(noticeContext, fn) : fn();
  }
}
