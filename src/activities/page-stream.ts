/**
 * Reads a paginated stream and processes it with one page of read-ahead: while page N is being
 * pushed, page N+1 is being read. A page counts as done (and its cursor is handed to
 * `onCommitted`) only when it has been pushed, and no page beyond N+1 is read before that, so a
 * crash re-reads at most the one page in flight after the last commit.
 */
export interface StreamPage<T> {
  items: T[];
  /** Where the next page starts; undefined when this is the last page. */
  nextCursor?: string;
}

export interface PageStreamOptions<T, O> {
  startCursor?: string;
  maxPages: number;
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

export async function streamPages<T, O>(options: PageStreamOptions<T, O>): Promise<PageStreamResult> {
  const startedAt = Date.now();
  let cursor = options.startCursor;
  let pages = 0;
  let reading: Promise<StreamPage<T>> | undefined = options.readPage(cursor);
  try {
    while (reading) {
      const page = await reading;
      reading = undefined;
      if (page.items.length === 0) return { nextCursor: undefined, done: true, pages };
      const more =
        page.nextCursor !== undefined &&
        pages + 1 < options.maxPages &&
        (options.maxMillis === undefined || Date.now() - startedAt < options.maxMillis) &&
        !options.signal?.aborted;
      if (more) reading = options.readPage(page.nextCursor);
      const outcome = await options.processPage(page.items);
      pages++;
      cursor = page.nextCursor;
      options.onCommitted(cursor, outcome);
      if (cursor === undefined) return { nextCursor: undefined, done: true, pages };
    }
    return { nextCursor: cursor, done: false, pages };
  } finally {
    // A failed push leaves the read-ahead unobserved: swallow its outcome, it will be re-read.
    reading?.catch(() => undefined);
  }
}
