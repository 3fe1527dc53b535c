import { AxiosError, AxiosHeaders } from 'axios';
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../src/http/api-error';
import { createLogger } from '../../src/logger';

describe('logs and activity failures never carry credentials', () => {
  it('masks configured secrets and bearer tokens in every line', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'INFO',
      format: 'json',
      secrets: ['papi-key-123'],
      write: (l) => lines.push(l),
    });
    logger.warn('Retrying', {
      headers: { 'x-api-key': 'papi-key-123', Authorization: 'Bearer eyJhbGciOi.J9.sig' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('papi-key-123');
    expect(lines[0]).not.toContain('eyJhbGciOi');
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'WARN', msg: 'Retrying' });
  });

  it('turns a raw HTTP error into a failure without its request headers', () => {
    const headers = new AxiosHeaders({ Authorization: 'Bearer secret-token-value' });
    const raw = new AxiosError('socket hang up', 'ECONNRESET', { headers } as never);
    const failure = toActivityFailure(raw) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('HttpError');
    expect(JSON.stringify(failure)).not.toContain('secret-token-value');
    expect(failure.message).toContain('socket hang up');
  });
});

describe('the log masker', () => {
  // Characters that URL and JSON encoders change: a space, quotes, a backslash, '&', '/', '+', non-ASCII.
  const secret = 'wh "Zq9\\Xy"/&+ é-16chars';

  function logged(...values: string[]): string {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'INFO',
      format: 'json',
      secrets: [secret],
      write: (l) => lines.push(l),
    });
    for (const value of values) logger.info('Calling', { value });
    return lines.join('\n');
  }

  it.each([
    ['as written', secret],
    ['percent-encoded (encodeURIComponent)', `https://gw/webhooks?code=${encodeURIComponent(secret)}`],
    [
      'percent-encoded in lower-case hex',
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    ],
    ['form-encoded (URLSearchParams)', new URLSearchParams({ code: secret }).toString()],
    ['JSON-escaped, as in a quoted response body', `{"token":${JSON.stringify(secret)}}`],
    [
      'JSON-escaped twice, as in a body quoted in an error',
      JSON.stringify({ body: JSON.stringify({ token: secret }) }),
    ],
    [
      'JSON-escaped with \\u escapes for non-ASCII (Java writers)',
      JSON.stringify(secret).replace(
        /[\u007f-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    ],
  ])('masks a secret %s', (_form, value) => {
    const line = logged(value);
    expect(line).toContain('***');
    // Nothing of the secret survives, in any form: its distinctive middle part is gone.
    expect(line).not.toMatch(/Zq9|Xy|16chars/);
    expect(JSON.parse(line)).toMatchObject({ msg: 'Calling' });
  });

  it('masks secrets of four characters and more, and leaves other text alone', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'INFO',
      format: 'pretty',
      secrets: ['k', 'abcd', 'sixteen-chars-16'],
      write: (l) => lines.push(l),
    });
    logger.info('Worker token abcd and sixteen-chars-16 in an ordinary sentence');
    expect(lines[0]).toContain('Worker token *** and *** in an ordinary sentence');
  });
});
