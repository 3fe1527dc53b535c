/**
 * Reads a paginated stream page by page and processes (pushes) each page in order. A page counts
 * as done, and its cursor is handed to `onCommitted`, only once it has been pushed. Pages that
 * were read but not yet pushed are lost with the process, so a crash re-reads exactly the pages
 * in flight: `1 + readAhead` at most. With `readAhead` 0 (the default, READ_AHEAD_PAGES) that is
 * the one page being pushed; with 1, the next page is read while the current one is pushed.
 */
export interface StreamPage<T> {
  items: T[];
  /** Where the next page starts; undefined when this is the last page. */
  nextCursor?: string;
}

export interface PageStreamOptions<T, O> {
  startCursor?: string;
  maxPages: number;
  /** Pages read ahead of the one being pushed (0: read, push, read, push, …). */
  readAhead?: number;
  /** Stop starting new pages after this long (the chunk reports back to the workflow). */
  maxMillis?: number;
  readPage(cursor: string | undefined): Promise<StreamPage<T>>;
  processPage(items: T[]): Promise<O>;
  /** Called after each pushed page with the cursor of the page after it. */
  onCommitted(nextCursor: string | undefined, outcome: O): void;
  signal?: AbortSignal;
}

export interface PageStreamResult {
  /** Cursor of the first page not processed; undefined when the stream is finished. */
  nextCursor?: string;
  done: boolean;
  pages: number;
}

/** A page being read, or undefined where the stream stops before it (a limit was reached). */
type PendingPage<T> = Promise<StreamPage<T> | undefined>;

export async function streamPages<T, O>(options: PageStreamOptions<T, O>): Promise<PageStreamResult> {
  const startedAt = Date.now();
  const inFlight = 1 + Math.max(0, options.readAhead ?? 0);
  const mayStartPage = () =>
    (options.maxMillis === undefined || Date.now() - startedAt < options.maxMillis) &&
    !options.signal?.aborted;
  let cursor = options.startCursor;
  let pages = 0;
  // Cursor pages can only be read one after another: each read waits for the previous page.
  const window: PendingPage<T>[] = [options.readPage(cursor)];
  const readFrom = (next: string | undefined): PendingPage<T> =>
    next !== undefined && mayStartPage() ? options.readPage(next) : Promise.resolve(undefined);
  const fillWindow = () => {
    // Pages pushed plus pages in flight: never more than maxPages in all.
    while (window.length < inFlight && pages + window.length < options.maxPages) {
      const previous = window.at(-1);
      // With no page in flight, the next one starts at the last pushed page's successor.
      window.push(
        previous
          ? previous.then((page) => (page && page.items.length > 0 ? readFrom(page.nextCursor) : undefined))
          : readFrom(cursor),
      );
    }
  };
  try {
    for (;;) {
      fillWindow();
      const reading = window[0];
      if (!reading) return { nextCursor: cursor, done: false, pages };
      const page = await reading;
      if (!page) return { nextCursor: cursor, done: false, pages };
      if (page.items.length === 0) return { nextCursor: undefined, done: true, pages };
      const outcome = await options.processPage(page.items);
      void window.shift(); // the page just pushed: already awaited
      pages++;
      cursor = page.nextCursor;
      options.onCommitted(cursor, outcome);
      if (cursor === undefined) return { nextCursor: undefined, done: true, pages };
    }
  } finally {
    // A failed push leaves the pages read ahead unobserved: swallow their outcome, they are re-read.
    for (const pending of window) pending.catch(() => undefined);
  }
}

/** One page of a page-numbered listing: with its totalCount, or a bare array. */
type NumberedPage<T> = T[] | { totalCount: number; results: T[] };

/**
 * Reads a page-numbered listing as a cursor stream, for `readPage`: the cursor is the page
 * number as text (undefined: page 0). With a totalCount the stream ends after the page that
 * reaches it; a bare array ends only on an empty page, because PAPI may serve fewer items
 * than asked for without saying so.
 */
export function numberedPageReader<T>(
  itemsOnPage: number,
  fetchPage: (
    page: { pageNo: number; itemsOnPage: number },
    signal?: AbortSignal,
  ) => Promise<NumberedPage<T>>,
): (cursor: string | undefined, signal?: AbortSignal) => Promise<StreamPage<T>> {
  return async (cursor, signal) => {
    const pageNo = cursor === undefined ? 0 : Number(cursor);
    const page = await fetchPage({ pageNo, itemsOnPage }, signal);
    if (Array.isArray(page)) return { items: page, nextCursor: String(pageNo + 1) };
    const more = (pageNo + 1) * itemsOnPage < page.totalCount && page.results.length > 0;
    return { items: page.results, nextCursor: more ? String(pageNo + 1) : undefined };
  };
}
