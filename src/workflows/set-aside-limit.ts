import { ApplicationFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { planOptions } from './activity-options';
import { FailureType } from '../shared/failures';
import {
  overSetAsideLimit,
  setAsidePercent,
  tooManySetAsideMessage,
  type SetAsideTally,
} from '../shared/set-aside';

/** Runs that started before the limit (issue #14) complete whatever they set aside. */
const SET_ASIDE_LIMIT_PATCH = 'set-aside-limit';

/**
 * The end of a sync: when it set aside more than SET_ASIDE_MAX_PERCENT of the entities it handled,
 * it fails (a typed, non-retryable failure naming the count, the share and the reasons)
 * instead of completing, so that nothing takes it for a sync that brought Occtoo up to date. Runs
 * that set nothing aside ask nothing.
 */
export async function failWhenTooManySetAside(what: string, tally: SetAsideTally): Promise<void> {
  if (tally.setAside === 0 || !patched(SET_ASIDE_LIMIT_PATCH)) return;
  const { setAsideLimit } = proxyActivities<Activities>(planOptions);
  const { maxPercent } = await setAsideLimit();
  if (!overSetAsideLimit(tally, maxPercent)) return;
  throw ApplicationFailure.create({
    type: FailureType.TooManySetAside,
    nonRetryable: true,
    message: tooManySetAsideMessage(what, tally, maxPercent),
    details: [
      {
        setAside: tally.setAside,
        handled: tally.handled,
        percent: setAsidePercent(tally),
        maxPercent,
        reasons: tally.reasons,
      },
    ],
  });
}
