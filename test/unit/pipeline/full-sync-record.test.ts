import type { BluestoneClient } from '../../../src/bluestone/client';
import { createFullSyncActivities } from '../../../src/activities/full-sync';
import { createLogger } from '../../../src/logger';
import type { OcctooClient } from '../../../src/occtoo/client';
import { testConfig } from '../../support/config';
import { MemoryRecord } from '../../support/memory-record';

/** The full sync's two record steps: the empty-record note, and marking a complete run. */
function activities(record: MemoryRecord) {
  return createFullSyncActivities({
    config: testConfig({ BLUESTONE_ADDITIONAL_CONTEXTS: 'sv-ctx:sv' }),
    logger: createLogger({ level: 'ERROR', write: () => undefined }),
    bluestone: {} as BluestoneClient,
    occtoo: {} as OcctooClient,
    record,
  });
}

describe('full sync and the record', () => {
  it('notes a source whose record is empty, and only that one', async () => {
    const record = new MemoryRecord();
    await record.recordSent([
      {
        source: 'categories',
        key: 'c1',
        language: 'en',
        kind: 'category',
        bluestoneId: 'c1',
        properties: ['Id'],
        hash: 'h',
        readAt: 1,
        runId: 'r',
      },
    ]);
    const notes = await activities(record).emptyRecordNotes({ categories: true, products: true });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^The record was empty for products: values cleared in Bluestone before this run/,
    );
    expect(await activities(record).emptyRecordNotes({ categories: true, products: false })).toEqual([]);
  });

  it('records a full sync as complete only when it covered every source and context', async () => {
    const record = new MemoryRecord();
    const { completeFullSync } = activities(record);
    await completeFullSync({ runId: 'part', scope: { categories: true, products: true, contexts: ['en'] } });
    await completeFullSync({
      runId: 'cats',
      scope: { categories: true, products: false, contexts: ['en', 'sv-ctx'] },
    });
    expect(record.completeRuns).toEqual([]);
    await completeFullSync({
      runId: 'all',
      scope: { categories: true, products: true, contexts: ['en', 'sv-ctx'] },
    });
    expect(record.completeRuns.map((r) => r.runId)).toEqual(['all']);
  });
});
