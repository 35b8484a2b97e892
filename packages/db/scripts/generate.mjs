// Runs `prisma generate` offline: Prisma 7's CLI insists on a schema-engine binary it would
// download, which generate never executes, so a stub path satisfies the check.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = join(tmpdir(), "inlet-prisma-stub");
mkdirSync(dir, { recursive: true });
const stub = join(dir, "schema-engine");
writeFileSync(stub, "#!/bin/sh\necho 'schema engine is not available offline' >&2\nexit 1\n");
chmodSync(stub, 0o755);

const result = spawnSync("npx", ["prisma", "generate"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
