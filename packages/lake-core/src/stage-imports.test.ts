// Guards the layout: lake-core's folders are the stages of the data's journey, and a module imports
// only from its own stage or earlier ones, so no arrow runs back up.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/** In the order data travels; `testing/` comes last because it drives everything before it. */
export const STAGES = [
  "json",
  "ports",
  "adapters",
  "catalog",
  "schema",
  "ingest",
  "landing",
  "process",
  "replay",
  "maintenance",
  "query",
  "analytics",
  "worker",
  "testing",
] as const;

const SRC = resolve(import.meta.dirname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The stage a file belongs to: its top folder under src/, or undefined for root modules. */
function stageOf(file: string): number | undefined {
  const top = relative(SRC, file).split(sep)[0] ?? "";
  const index = (STAGES as readonly string[]).indexOf(top);
  return index === -1 ? undefined : index;
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)].map((m) => m[1]!);
}

/** Every import that runs from a stage back up to a later one. */
export function backwardImports(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    const from = stageOf(file);
    // index.ts re-exports every stage; a test may drive later stages to check an outcome end to end.
    if (rel === "index.ts" || /\.test\.tsx?$/.test(file)) continue;
    for (const spec of relativeImports(file)) {
      const target = resolve(join(file, ".."), spec);
      const to = stageOf(target);
      if (to === undefined) continue;
      if (from === undefined || to > from) found.push(`${rel} → ${relative(SRC, target)}`);
    }
  }
  return found.sort();
}

describe("lake-core stages", () => {
  it("has a folder for every stage and no module outside them but the root ones", () => {
    const top = readdirSync(SRC, { withFileTypes: true });
    const folders = top.filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.sort()).toEqual([...STAGES].sort());
    const rootModules = top.filter((e) => e.isFile() && !e.name.endsWith(".test.ts")).map((e) => e.name);
    expect(rootModules.sort()).toEqual(["errors.ts", "index.ts"]);
  });

  it("imports only from the same or an earlier stage", () => {
    expect(backwardImports()).toEqual([]);
  });

  it("opens every module with a comment saying what it owns", () => {
    const silent = sourceFiles(SRC)
      .filter((f) => !/\.(d|test)\.ts$/.test(f))
      .filter((f) => !readFileSync(f, "utf8").startsWith("//"))
      .map((f) => relative(SRC, f));
    expect(silent).toEqual([]);
  });
});
