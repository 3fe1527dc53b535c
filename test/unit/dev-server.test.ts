import { tookAnotherPort } from '../../src/worker/dev-server';

describe('the embedded Temporal server start-up', () => {
  const fatal = (port: number) =>
    `{"level":"FATAL","prefix":"echo","message":"listen tcp 127.0.0.1:${port}: bind: address already in use"}`;

  it('tries again only when a port the CLI chose itself was taken', () => {
    expect(tookAnotherPort(fatal(46141), [7233, 8233])).toBe(true);
    expect(tookAnotherPort(fatal(7233), [7233, 8233])).toBe(false);
    expect(tookAnotherPort(`${fatal(46141)}\n${fatal(8233)}`, [7233, 8233])).toBe(false);
    expect(tookAnotherPort('unable to open database file', [7233, 8233])).toBe(false);
  });
});
