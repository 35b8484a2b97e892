// The price sheet of a query: US dollars per terabyte scanned and the per-query minimum, Athena's by default.

/** What one query costs by the bytes it scanned. */
export interface PriceSheet {
  /** US dollars per terabyte scanned (TB = 2^40 bytes, see TB_BYTES). */
  usdPerTb: number;
  /** Every query is billed at least this many bytes. */
  minBytesPerQuery: number;
}

/**
 * Athena's price page says "$5.00 per TB of data scanned … rounded up to the nearest megabyte, with a
 * 10 MB minimum per query" and does not define TB; AWS bills data volumes in binary units (its
 * billing glossary counts a GB as 2^30 bytes), so a TB is 2^40 bytes and a MB 2^20 here. Decimal
 * units would price the same bytes about 10 % higher.
 */
export const TB_BYTES = 2 ** 40;
export const MB_BYTES = 2 ** 20;

export const ATHENA_PRICE_SHEET: PriceSheet = Object.freeze({ usdPerTb: 5, minBytesPerQuery: 10 * MB_BYTES });

/**
 * The cost of a query that scanned `bytesScanned`: rounded up to the next whole megabyte, at least
 * the sheet's minimum, times the price per TB.
 */
export function queryCostUsd(bytesScanned: number, sheet: PriceSheet = ATHENA_PRICE_SHEET): number {
  if (!Number.isFinite(bytesScanned) || bytesScanned < 0) {
    throw new RangeError(`bytes scanned must be a non-negative number, got ${bytesScanned}`);
  }
  const billed = Math.max(Math.ceil(bytesScanned / MB_BYTES) * MB_BYTES, sheet.minBytesPerQuery);
  return (billed / TB_BYTES) * sheet.usdPerTb;
}
