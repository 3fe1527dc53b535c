import { setTimeout as sleep } from 'node:timers/promises';
import { numberedPageReader, streamPages, type PageStreamOptions } from '../../../src/pipeline/page-stream';

/** A cursor stream of `pages` pages of 2 items, cursors "1", "2", …; then an empty page (Bluestone's end). */
function fakeStream(pages: number, timing: { readMs?: number; pushMs?: number; failPushOf?: number } = {}) {
  const log: string[] = [];
  let readsDone = 0;
  let committed = 0;
  let maxUnpushed = 0;
  const options: Omit<PageStreamOptions<number, number>, 'maxPages'> = {
    readPage: async (cursor) => {
      const n = cursor === undefined ? 0 : Number(cursor);
      log.push(`read ${n} start`);
      await sleep(timing.readMs ?? 1);
      log.push(`read ${n} end`);
      readsDone++;
      // Pages read but not pushed: what a crash at this moment would make the next worker re-read.
      maxUnpushed = Math.max(maxUnpushed, readsDone - committed);
      return n < pages ? { items: [2 * n, 2 * n + 1], nextCursor: String(n + 1) } : { items: [] };
    },
    processPage: async (items) => {
      const n = items[0] / 2;
      log.push(`push ${n} start`);
      await sleep(timing.pushMs ?? 1);
      if (timing.failPushOf === n) throw new Error(`push of page ${n} failed`);
      log.push(`push ${n} end`);
      return items.length;
    },
    onCommitted: (cursor) => {
      committed++;
      log.push(`commit ${cursor}`);
    },
  };
  return { options, log, maxUnpushed: () => maxUnpushed };
}

describe('streamPages', () => {
  it('without read-ahead reads a page only once the previous one is pushed', async () => {
    const stream = fakeStream(3);
    const result = await streamPages({ ...stream.options, maxPages: 10 });
    expect(result).toEqual({ nextCursor: undefined, done: true, pages: 3 });
    // prettier-ignore
    expect(stream.log).toEqual([
      'read 0 start', 'read 0 end', 'push 0 start', 'push 0 end', 'commit 1',
      'read 1 start', 'read 1 end', 'push 1 start', 'push 1 end', 'commit 2',
      'read 2 start', 'read 2 end', 'push 2 start', 'push 2 end', 'commit 3',
      'read 3 start', 'read 3 end',
    ]);
    expect(stream.maxUnpushed()).toBe(1);
  });

  it('with one page of read-ahead reads the next page while the current one is pushed', async () => {
    const stream = fakeStream(4, { readMs: 2, pushMs: 30 });
    const result = await streamPages({ ...stream.options, maxPages: 10, readAhead: 1 });
    expect(result.done).toBe(true);
    expect(stream.log.indexOf('read 1 start')).toBeLessThan(stream.log.indexOf('push 0 end'));
    // …but never two pages ahead: page 2 waits for page 0 to be pushed.
    expect(stream.log.indexOf('read 2 start')).toBeGreaterThan(stream.log.indexOf('commit 1'));
    expect(stream.log.filter((l) => l.startsWith('commit'))).toEqual([
      'commit 1',
      'commit 2',
      'commit 3',
      'commit 4',
    ]);
    expect(stream.maxUnpushed()).toBe(2);
  });

  it('keeps at most 1 + readAhead pages read and not yet pushed', async () => {
    for (const readAhead of [0, 1, 3]) {
      const stream = fakeStream(12, { readMs: 1, pushMs: 15 });
      const result = await streamPages({ ...stream.options, maxPages: 100, readAhead });
      expect(result.pages).toBe(12);
      expect(stream.maxUnpushed()).toBe(1 + readAhead);
    }
  });

  it('stops after maxPages, reads no page beyond them, and returns where to go on', async () => {
    const stream = fakeStream(10);
    const result = await streamPages({ ...stream.options, maxPages: 3, readAhead: 2 });
    expect(result).toEqual({ nextCursor: '3', done: false, pages: 3 });
    expect(stream.log.filter((l) => l.endsWith('start') && l.startsWith('read'))).toEqual([
      'read 0 start',
      'read 1 start',
      'read 2 start',
    ]);
    const rest = await streamPages({ ...stream.options, startCursor: result.nextCursor, maxPages: 100 });
    expect(rest).toEqual({ nextCursor: undefined, done: true, pages: 7 });
  });

  it('ends on a page without a next cursor', async () => {
    const committed: (string | undefined)[] = [];
    const result = await streamPages({
      maxPages: 10,
      readPage: async (cursor) => (cursor ? { items: [2] } : { items: [1], nextCursor: 'b' }),
      processPage: async (items) => items.length,
      onCommitted: (cursor) => committed.push(cursor),
    });
    expect(result).toEqual({ nextCursor: undefined, done: true, pages: 2 });
    expect(committed).toEqual(['b', undefined]);
  });

  it('starts no page after maxMillis and hands back the cursor of the first unread page', async () => {
    const stream = fakeStream(50, { pushMs: 20 });
    const result = await streamPages({ ...stream.options, maxPages: 100, maxMillis: 50 });
    expect(result.done).toBe(false);
    expect(result.pages).toBeGreaterThan(0);
    expect(result.pages).toBeLessThan(50);
    expect(result.nextCursor).toBe(String(result.pages));
  });

  it('stops starting pages once cancelled', async () => {
    const controller = new AbortController();
    const stream = fakeStream(50);
    const result = await streamPages({
      ...stream.options,
      maxPages: 100,
      signal: controller.signal,
      onCommitted: (cursor, outcome) => {
        stream.options.onCommitted(cursor, outcome);
        if (cursor === '2') controller.abort();
      },
    });
    expect(result).toEqual({ nextCursor: '2', done: false, pages: 2 });
  });

  it('a failed push fails the stream without committing it or anything after it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const stream = fakeStream(5, { failPushOf: 1 });
      // The page read ahead fails too: its failure must not surface as an unhandled rejection.
      const readPage = stream.options.readPage;
      await expect(
        streamPages({
          ...stream.options,
          maxPages: 10,
          readAhead: 1,
          readPage: async (cursor) => {
            if (cursor === '2') throw new Error('read of page 2 failed');
            return readPage(cursor);
          },
        }),
      ).rejects.toThrow('push of page 1 failed');
      await sleep(20);
      expect(stream.log.filter((l) => l.startsWith('commit'))).toEqual(['commit 1']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('numberedPageReader', () => {
  it('counts pages from 0 and stops after the page that reaches totalCount', async () => {
    const asked: number[] = [];
    const read = numberedPageReader(2, async ({ pageNo, itemsOnPage }) => {
      asked.push(pageNo);
      expect(itemsOnPage).toBe(2);
      return { totalCount: 5, results: [pageNo * 2, pageNo * 2 + 1].filter((n) => n < 5) };
    });
    expect(await read(undefined)).toEqual({ items: [0, 1], nextCursor: '1' });
    expect(await read('1')).toEqual({ items: [2, 3], nextCursor: '2' });
    expect(await read('2')).toEqual({ items: [4], nextCursor: undefined });
    expect(asked).toEqual([0, 1, 2]);
  });

  it('keeps going after a short bare-array page: only an empty page ends the listing', async () => {
    const read = numberedPageReader(3, async ({ pageNo }) => (pageNo < 2 ? [pageNo] : []));
    const result = await streamPages({
      readPage: read,
      processPage: async (items) => items.length,
      onCommitted: () => undefined,
      maxPages: 10,
    });
    expect(result).toEqual({ nextCursor: undefined, done: true, pages: 2 });
  });
});
