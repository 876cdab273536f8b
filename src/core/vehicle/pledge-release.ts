/**
 * R24: after full repayment the pledgee files the notice excluding the pledge from the notary
 * registry within 3 working days (п. 4 ст. 339.1 ГК РФ; ч. 3 ст. 103.3 Основ законодательства о
 * нотариате), or answers for the damage.
 *
 * Counting: `addWorkingDays` of the working-day calendar does not count its start date (a term
 * starts the day after the event, ст. 191 ГК РФ), so the repayment day is day 0 and the deadline
 * is the 3rd working day after it. A repayment on a day off makes no difference to that: the first
 * working day after it is day 1. The deadline is the last day on which filing is on time
 * (ст. 194 ГК РФ: until the end of that day), and filing on the repayment day itself is on time.
 *
 * Pure: no clock; `today` is passed in.
 */
import { isBusinessDate, type BusinessDate } from '../dates';
import {
  addWorkingDays,
  isConfirmedYear,
  isWorkingDay,
  nextWorkingDay,
  workingDaysBetween,
  type WorkingCalendar,
} from '../calendar/working-days';

/** Working days the law allows for filing the release notice. */
export const PLEDGE_RELEASE_WORKING_DAYS = 3;

/** The Russian production calendar, the same instance working-days.ts exports. */
const RUSSIAN_WORKING_CALENDAR: WorkingCalendar = { isWorkingDay, addWorkingDays, workingDaysBetween, nextWorkingDay, isConfirmedYear };

/** The last day to file the release notice: the 3rd working day after the repayment day. */
export function releaseDeadline(repaidOn: BusinessDate, calendar: WorkingCalendar = RUSSIAN_WORKING_CALENDAR): BusinessDate {
  return calendar.addWorkingDays(repaidOn, PLEDGE_RELEASE_WORKING_DAYS);
}

export type PledgeReleaseStatus = 'filed_on_time' | 'filed_late' | 'due' | 'overdue';

export type ReleaseProgressInput = {
  /** The day the loan was repaid in full. */
  repaidOn: BusinessDate;
  /** The day the notice was filed with the notary, or null while it is not. */
  filedOn: BusinessDate | null;
  today: BusinessDate;
  calendar?: WorkingCalendar;
};

export type ReleaseProgress = {
  deadline: BusinessDate;
  status: PledgeReleaseStatus;
  /**
   * While due: the working days after today up to the deadline (3 on the repayment day, 0 on the
   * deadline itself, the last day). Overdue: negative, minus the working days late (−1 the day
   * after the deadline). Once filed: 0.
   */
  workingDaysLeft: number;
};

export function releaseProgress(input: ReleaseProgressInput): ReleaseProgress {
  const { repaidOn, filedOn, today, calendar = RUSSIAN_WORKING_CALENDAR } = input;
  for (const date of [today, filedOn ?? today]) if (!isBusinessDate(date)) throw new RangeError(`not a date: ${date}`);
  const deadline = releaseDeadline(repaidOn, calendar);
  if (filedOn !== null) {
    return { deadline, status: filedOn <= deadline ? 'filed_on_time' : 'filed_late', workingDaysLeft: 0 };
  }
  return {
    deadline,
    status: today <= deadline ? 'due' : 'overdue',
    workingDaysLeft: calendar.workingDaysBetween(today, deadline),
  };
}
