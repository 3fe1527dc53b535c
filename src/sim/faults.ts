import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Fault injection and latency shared by both simulators. Off by default; set per run
 * (constructor options, `setFaults`, or the simulators' admin routes) so tests and
 * benchmarks can make the APIs as unreliable as the real ones can be.
 */
export interface FaultOptions {
  /** Fixed latency added to every request, ms. */
  latencyMs?: number;
  /** Extra random latency, uniformly 0..jitterMs, ms. */
  jitterMs?: number;
  /** Share of requests (0..1) answered with a 500, 502 or 503. */
  serverErrorRate?: number;
  /** Share of requests (0..1) answered with a 429. */
  rateLimitRate?: number;
  /** Retry-After seconds sent with injected 429s; unset sends none (as Bluestone's PAPI does). */
  retryAfterSeconds?: number;
  /** Share of requests (0..1) whose connection is destroyed without an answer. */
  dropRate?: number;
  /** Share of requests (0..1) whose body is sent slowly, in chunks. */
  slowBodyRate?: number;
  /** How long a slow body takes to arrive in full, ms. */
  slowBodyMs?: number;
  /** Paths that are never faulted (admin and inspection routes). */
  exemptPaths?: RegExp[];
  /** Random source, injectable for deterministic tests. */
  random?: () => number;
}

export interface FaultStats {
  requests: number;
  serverErrors: number;
  rateLimited: number;
  dropped: number;
  slowBodies: number;
}

export class FaultInjector {
  private options: FaultOptions;
  readonly stats: FaultStats = { requests: 0, serverErrors: 0, rateLimited: 0, dropped: 0, slowBodies: 0 };

  constructor(options: FaultOptions = {}) {
    this.options = { ...options };
  }

  /** Replaces the fault settings (exempt paths and random source are kept unless given). */
  set(options: FaultOptions): void {
    this.options = {
      exemptPaths: this.options.exemptPaths,
      random: this.options.random,
      ...options,
    };
  }

  get current(): FaultOptions {
    const { random: _random, exemptPaths: _exempt, ...rest } = this.options;
    return rest;
  }

  /** Express middleware; mount it before the simulator's routes. */
  middleware(errorBody: (status: number) => unknown = defaultErrorBody): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const o = this.options;
      if (o.exemptPaths?.some((re) => re.test(req.path))) return next();
      this.stats.requests++;
      const random = o.random ?? Math.random;
      const delay = (o.latencyMs ?? 0) + (o.jitterMs ? random() * o.jitterMs : 0);
      const act = () => {
        if (o.dropRate && random() < o.dropRate) {
          this.stats.dropped++;
          req.socket.destroy();
          return;
        }
        if (o.rateLimitRate && random() < o.rateLimitRate) {
          this.stats.rateLimited++;
          if (o.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(o.retryAfterSeconds));
          res.status(429).json(errorBody(429));
          return;
        }
        if (o.serverErrorRate && random() < o.serverErrorRate) {
          this.stats.serverErrors++;
          const status = [500, 502, 503][Math.floor(random() * 3)];
          res.status(status).json(errorBody(status));
          return;
        }
        if (o.slowBodyRate && random() < o.slowBodyRate) {
          this.stats.slowBodies++;
          slowBody(res, o.slowBodyMs ?? 1000);
        }
        next();
      };
      if (delay > 0) setTimeout(act, delay);
      else act();
    };
  }
}

function defaultErrorBody(status: number): unknown {
  return { message: status === 429 ? 'Too Many Requests' : 'Injected fault' };
}

/** Makes `res.end` deliver the body in ten chunks spread over `totalMs`. */
function slowBody(res: Response, totalMs: number): void {
  const originalEnd = res.end.bind(res) as (chunk?: unknown) => Response;
  res.end = ((chunk?: unknown) => {
    const body = chunk === undefined ? Buffer.alloc(0) : Buffer.from(chunk as string | Buffer);
    const parts = 10;
    const size = Math.ceil(body.length / parts) || 1;
    res.setHeader('Content-Length', String(body.length));
    let sent = 0;
    const tick = () => {
      if (res.destroyed) return;
      const piece = body.subarray(sent, sent + size);
      sent += piece.length;
      if (sent >= body.length) originalEnd(piece);
      else {
        res.write(piece);
        setTimeout(tick, totalMs / parts);
      }
    };
    tick();
    return res;
  }) as Response['end'];
}
