// On a local lake, where files can be dropped for a source: landing/{slug}/, made for every source at
// start and for a source as it is registered. An s3:// lake has no folders to make.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export async function ensureLandingFolder(lakeUrl: string, slug: string): Promise<void> {
  if (!lakeUrl.startsWith("file:")) return;
  await mkdir(join(fileURLToPath(lakeUrl), "landing", slug), { recursive: true });
}
