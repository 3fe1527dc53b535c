/**
 * Traces (OpenTelemetry): one trace from a webhook request through the coordinator's
 * signal-with-start, the workflows it starts and their activities. On when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (spans leave over OTLP/HTTP), or when a caller hands
 * startService an exporter of its own (tests: an in-memory one); off, nothing is recorded.
 *
 * The pieces, all from @temporalio/interceptors-opentelemetry: the gateway's client interceptor
 * puts the request's span context into the signal-with-start's headers; the workflow interceptors
 * (always in the workflow bundle: see TRACING_WORKFLOW_MODULES) carry it into the workflow, its
 * children and its activities, and hand their spans out of the sandbox through the `exporter`
 * sink; the activity interceptor continues the trace in the activity.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { RequestHandler, Response } from 'express';
import type { Config } from './config';

/** The tracer name of the service's own spans (the webhook request). */
export const TRACER_NAME = 'bluestone-occtoo-sync';

/**
 * The workflow interceptors, bundled with the workflows whether tracing is on or not: one
 * bundle (`npm run build`'s) serves both. Off, their spans go to a sink that drops them
 * (workflowTracingSinks), and nothing reads the trace header they add to activities.
 * They add no commands, so histories replay the same with or without them.
 */
export const TRACING_WORKFLOW_MODULES: string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

export interface Tracing {
  /** The Temporal client's interceptor: each call (signal-with-start, start) a span, its context in the headers. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** The worker's: activity spans continue the trace the workflow put into their headers. */
  workerInterceptors: Pick<WorkerInterceptors, 'activity'>;
  /** Where the workflow sandbox's spans are exported (the workflow interceptors' `exporter` sink). */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is left; the service's last stop step (after the worker drained). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Where spans go instead of OTLP (tests: an InMemorySpanExporter); turns tracing on. */
  exporter?: SpanExporter;
}

let active = false;

/**
 * Tracing for this process, or undefined when it is off. Registers the global tracer provider,
 * context manager (AsyncLocalStorage, so that a request's span reaches the Temporal call it makes)
 * and W3C propagator, which the interceptors use; shutdown() unregisters them. One at a time.
 */
export function startTracing(config: Config['tracing'], options: TracingOptions = {}): Tracing | undefined {
  const exporter =
    options.exporter ??
    (config.endpoint ? new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces` }) : undefined);
  if (!exporter) return undefined;
  if (active) {
    throw new Error(
      'Tracing is already on in this process: stop the other service first (one traced service per process).',
    );
  }
  active = true;
  const resource = new Resource({ 'service.name': config.serviceName });
  const processor: SpanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  let stopped: Promise<void> | undefined;
  return {
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
        active = false;
      });
      return stopped;
    },
  };
}

/**
 * The sinks every worker (and every replay) registers: tracing's exporter, or one that drops the
 * workflow interceptors' spans; an unregistered sink would log an error at each workflow task.
 */
export function workflowTracingSinks(tracing?: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return tracing?.sinks ?? { exporter: { export: { fn: () => undefined } } };
}

const REQUEST_CONTEXT = Symbol('trace context of the request');

/**
 * Express middleware: one server span per request (`POST /webhooks/bluestone`), ended when the answer has gone (its status
 * code on it; 5xx marks it failed). A caller's `traceparent` header, if any, is its parent.
 * Handlers run their Temporal calls inside it with inRequestSpan: the body is read through
 * stream events, which lose the active context on the way.
 */
export function traceRequest(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    // Named as OpenTelemetry's HTTP conventions say; the routes traced have fixed paths.
    const span = trace
      .getTracer(TRACER_NAME)
      .startSpan(
        `${req.method} ${req.path}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
        parent,
      );
    const requestContext = trace.setSpan(parent, span);
    (res.locals as Record<symbol, Context>)[REQUEST_CONTEXT] = requestContext;
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(requestContext, next);
  };
}

/** Runs `fn` with the request's span (traceRequest) active, so that the Temporal calls it makes carry it. */
export function inRequestSpan<T>(res: Response, fn: () => T): T {
  const requestContext = (res.locals as Record<symbol, Context | undefined>)[REQUEST_CONTEXT];
  return requestContext ? context.with(requestContext, fn) : fn();
}
