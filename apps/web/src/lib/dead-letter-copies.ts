// How the console says that a dead letter stands for several copies of its event (its producer sent it again).
import { formatCount, formatDateTime } from "./format";

/** "received 2×, last at Dec 5, 21:04:10" when the letter holds more than one copy; undefined otherwise. */
export function letterCopiesText(letter: { copies: number; lastReceivedAt: Date }): string | undefined {
  if (letter.copies <= 1) return undefined;
  return `received ${formatCount(letter.copies)}×, last at ${formatDateTime(letter.lastReceivedAt)}`;
}

/** "3 copies" beside a group's letters when its letters hold more copies than there are letters. */
export function groupCopiesText(group: { count: number; copies: number }): string | undefined {
  if (group.copies <= group.count) return undefined;
  return `${formatCount(group.copies)} copies`;
}
