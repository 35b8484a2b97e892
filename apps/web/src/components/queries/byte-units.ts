// Byte amounts as people type and read them in budgets ("10 GB", "500 MB", "1.5 TB") and costs in
// dollars. Units are binary, as Athena bills and the price sheet counts: 1 GB = 1,024 MB = 2^30 bytes.

const UNITS: Record<string, number> = {
  B: 1,
  KB: 2 ** 10,
  KIB: 2 ** 10,
  MB: 2 ** 20,
  MIB: 2 ** 20,
  GB: 2 ** 30,
  GIB: 2 ** 30,
  TB: 2 ** 40,
  TIB: 2 ** 40,
  PB: 2 ** 50,
  PIB: 2 ** 50,
};

const SHOWN_UNITS = ["PB", "TB", "GB", "MB", "KB"] as const;

export type ParsedBytes = { ok: true; bytes: number } | { ok: false; problem: string };

/** "10 GB" → 10·2^30 bytes; a bare number is bytes; "1,5 GB" and "10gb" are read too. */
export function parseBytes(text: string): ParsedBytes {
  const t = text
    .trim()
    .replace(/,(?=\d{3}\b)/g, "")
    .replace(",", ".");
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)$/.exec(t);
  if (!match?.[1]) return { ok: false, problem: "Write an amount such as 500 MB, 10 GB or 1 TB" };
  const unit = (match[2] ?? "").toUpperCase() || "B";
  const factor = UNITS[unit];
  if (factor === undefined)
    return { ok: false, problem: `Unknown unit '${match[2]}': use B, KB, MB, GB, TB or PB` };
  const bytes = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) return { ok: false, problem: "That amount is too large" };
  if (bytes <= 0) return { ok: false, problem: "The amount must be more than 0 bytes" };
  return { ok: true, bytes };
}

/** Bytes written back as a budget input shows them: "10 GB", "1.5 TB", "512 MB", "100 B". */
export function formatBytesInput(bytes: number): string {
  for (const unit of SHOWN_UNITS) {
    const factor = UNITS[unit]!;
    if (bytes >= factor) {
      const value = bytes / factor;
      const rounded = Math.round(value * 100) / 100;
      return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(2).replace(/0$/, "")} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/** A query's cost in dollars: cents to two places above a dollar, else enough digits to see it. */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "—";
  if (usd === 0) return "$0.00";
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(4).replace(/0{1,2}$/, "")}`;
  // Athena's 10 MB minimum is about $0.00005: two significant digits, never in exponent notation.
  if (usd < 1e-10) return "< $0.0000000001";
  return `$${usd.toFixed(1 - Math.floor(Math.log10(usd)))}`;
}

const SCAN_UNITS = ["bytes", "KB", "MB", "GB", "TB", "PB"];

/**
 * Bytes scanned as the API's messages write them (binary units labelled KB, MB, GB: the price sheet's),
 * so an estimate, a run and a budget refusal read alike: "812 bytes", "1.5 MB", "12.3 GB".
 */
export function formatScanBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "—";
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < SCAN_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${SCAN_UNITS[unit]}`;
}
