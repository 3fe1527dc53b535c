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
