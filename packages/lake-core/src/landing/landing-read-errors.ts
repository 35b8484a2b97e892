// DuckDB's errors on a dropped CSV or Parquet file, retold for a dead letter's reason: the line and the
// problem only. DuckDB's own text holds the server's scratch path, the row's values (which a column
// rule may hide from whoever reads the letter), its reader options and hints about flags Inlet sets.

/** The last non-empty line before DuckDB's "Possible fixes", where it states the problem. */
function statedProblem(message: string): string | undefined {
  const fixes = message.indexOf("Possible fixes");
  if (fixes < 0) return undefined;
  const lines = message
    .slice(0, fixes)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const last = lines.at(-1);
  return last === undefined || /^(Original Line|CSV Error on Line)/.test(last) ? undefined : last;
}

/** The first line of a message, its error class and every mention of the file's path dropped. */
function firstLineWithoutPath(message: string, path: string): string {
  const first = (message.split("\n")[0] ?? "").replace(/^[A-Za-z ]*Error: /, "");
  return first
    .replaceAll(`'${path}'`, "the file")
    .replaceAll(`"${path}"`, "the file")
    .replaceAll(path, "the file")
    .replace(/\bfile the file\b/gi, "the file")
    .trim();
}

/** Why DuckDB could not read a CSV file: "line 7 has more columns than the header's 3", and the like. */
export function csvReadProblem(message: string, path: string): string {
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (line && columns) {
    const [expected, found] = [Number(columns[1]), Number(columns[2])];
    // DuckDB stops counting at one past the header's number, so "found" is exact only below it.
    return found > expected
      ? `line ${line} has more columns than the header's ${expected}`
      : `line ${line} has ${found} column${found === 1 ? "" : "s"} where the header has ${expected}`;
  }
  let problem: string;
  if (/unterminated quote/i.test(message)) {
    problem = "a quoted value is not closed, or text follows its closing quote";
  } else if (/unicode|utf-?8/i.test(message)) {
    problem = "not valid UTF-8 text";
  } else {
    problem = (line ? statedProblem(message) : undefined) ?? firstLineWithoutPath(message, path);
  }
  return line ? `line ${line}: ${problem}` : problem;
}

/** Why DuckDB could not read a Parquet file, without the path or the statement it ran. */
export function parquetReadProblem(message: string, path: string): string {
  if (/too small to be a Parquet file/.test(message)) return "too small to be a Parquet file";
  return firstLineWithoutPath(message, path) || "the file could not be read";
}
