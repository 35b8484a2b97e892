// The operations price sheet: what storage, requests, queries and compute cost, in US dollars. The
// defaults are AWS list prices (S3 Standard, us-east-1; Athena's per-TB price from the query price
// sheet; Lambda's per GB-second); an admin replaces them in settings (stored in ops_price_sheets).
import { ATHENA_PRICE_SHEET } from "@inlet/lake-core";
import { z } from "zod";

const price = z.number().finite().min(0, "a price cannot be negative").max(1_000_000);

export const opsPriceSheetSchema = z.object({
  /** S3 storage, per GB-month (GB = 2^30 bytes, a month = 730 hours). */
  storageUsdPerGbMonth: price,
  /** PUT, COPY, POST and LIST requests, per 1,000. */
  putUsdPer1000: price,
  /** GET and other reads, per 1,000. */
  getUsdPer1000: price,
  /** Query engine, per TB scanned (TB = 2^40 bytes), each query billed at least 10 MB. */
  queryUsdPerTb: price,
  /** Worker compute, per GB-second of busy time. */
  computeUsdPerGbSecond: price,
  /** Memory of one worker, in GB, for the compute figure. */
  workerMemoryGb: z.number().finite().min(0.125).max(1024),
});

export type OpsPriceSheet = z.infer<typeof opsPriceSheetSchema>;

export const DEFAULT_OPS_PRICE_SHEET: OpsPriceSheet = Object.freeze({
  storageUsdPerGbMonth: 0.023,
  putUsdPer1000: 0.005,
  getUsdPer1000: 0.0004,
  queryUsdPerTb: ATHENA_PRICE_SHEET.usdPerTb,
  computeUsdPerGbSecond: 0.0000166667,
  workerMemoryGb: 1,
});

/** The stored sheet over the defaults: a field a later version added keeps its default. */
export function priceSheetOf(stored: unknown): OpsPriceSheet {
  const parsed = opsPriceSheetSchema.partial().safeParse(stored);
  return { ...DEFAULT_OPS_PRICE_SHEET, ...(parsed.success ? parsed.data : {}) };
}
