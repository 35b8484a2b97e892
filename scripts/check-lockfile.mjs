// CI guard: after `npm install`, every package the committed lockfile names must still be locked at
// the same version and integrity. Entries for other platforms' optional builds (biome, turbo) may come
// and go with what the registry in reach serves; anything else that changed fails the run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const committed = JSON.parse(execFileSync("git", ["show", "HEAD:package-lock.json"], { encoding: "utf8" }));
const installed = JSON.parse(readFileSync("package-lock.json", "utf8"));
const isPlatformBuild = (entry) =>
  entry?.optional === true && (entry.os !== undefined || entry.cpu !== undefined);

const problems = [];
const paths = new Set([...Object.keys(committed.packages), ...Object.keys(installed.packages)]);
for (const path of paths) {
  const before = committed.packages[path];
  const after = installed.packages[path];
  if (before && after) {
    if (before.version !== after.version || before.integrity !== after.integrity)
      problems.push(`${path || "(root)"}: ${before.version} → ${after.version}`);
  } else if (!isPlatformBuild(before ?? after)) {
    problems.push(`${path}: ${before ? "removed" : "added"} by npm install`);
  }
}
if (problems.length > 0) {
  process.stderr.write(`package-lock.json changed during install:\n  ${problems.join("\n  ")}\n`);
  process.exit(1);
}
