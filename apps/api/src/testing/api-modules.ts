// The API's own modules as text, for tests that guard which module may reach what.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Every non-test module under src/ (fixtures in testing/ left out), as [path relative to src/, text]. */
export function apiModules(): [name: string, text: string][] {
  const src = join(import.meta.dirname, "..");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === "testing" ? [] : walk(path);
      return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
    });
  return walk(src).map((path) => [relative(src, path), readFileSync(path, "utf8")]);
}
