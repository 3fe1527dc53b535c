import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/** Constant-time comparison that does not leak the secret's length either. */
export function secretsMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of a request: `Authorization: Bearer <token>`, or a `code` query parameter (like Azure function keys). */
export function tokenOf(req: Parameters<RequestHandler>[0], header = 'authorization'): string | undefined {
  const value = req.get(header);
  if (value) return header === 'authorization' ? value.replace(/^Bearer\s+/i, '') : value;
  const code = req.query.code;
  return typeof code === 'string' ? code : undefined;
}

/** Admin routes (manual syncs, status): ADMIN_TOKEN as a bearer token or `?code=`. */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!adminToken) {
      res.status(403).json({ error: 'Admin routes are disabled: set ADMIN_TOKEN to enable them.' });
      return;
    }
    const token = tokenOf(req);
    if (!token || !secretsMatch(token, adminToken)) {
      res.status(401).json({
        error:
          'Missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN> or ?code=<ADMIN_TOKEN>.',
      });
      return;
    }
    next();
  };
}
