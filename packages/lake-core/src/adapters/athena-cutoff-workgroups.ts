// Per-query byte limits on Athena: a query is stopped by Athena itself once it scans more than its
// workgroup's BytesScannedCutoffPerQuery, so a limit is enforced by running the query in a workgroup
// whose cutoff is that limit — one workgroup per distinct limit, made and kept in line on demand.
import {
  type AthenaClient,
  CreateWorkGroupCommand,
  GetWorkGroupCommand,
  InvalidRequestException,
  UpdateWorkGroupCommand,
} from "@aws-sdk/client-athena";
import { errorMessage, InletError } from "../errors";

/** Athena refuses a per-query cutoff below 10 MB (decimal). */
export const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/**
 * How a request's maxBytesScanned becomes a workgroup: "managed" makes and updates workgroups named
 * `{base}-cutoff-{bytes}` (needs athena:CreateWorkGroup, GetWorkGroup and UpdateWorkGroup), "off"
 * runs every query in the base workgroup (the limit is then checked only after the query ran), or a
 * function returning the name of a workgroup an operator made with that cutoff.
 */
export type CutoffWorkGroupMode = "managed" | "off" | ((cutoffBytes: number) => Promise<string>);

export interface CutoffWorkGroup {
  workGroup: string;
  /** The cutoff Athena enforces there; undefined when none is. */
  cutoffBytes: number | undefined;
}

export class CutoffWorkGroups {
  private readonly made = new Map<number, Promise<string>>();

  constructor(
    private readonly athena: AthenaClient,
    private readonly baseWorkGroup: string,
    private readonly mode: CutoffWorkGroupMode,
    /** Results location for workgroups made here; default the base workgroup's. */
    private readonly outputLocation: string | undefined,
  ) {}

  /** The workgroup a query limited to `limitBytes` runs in (the base one when there is no limit). */
  async forLimit(limitBytes: number | undefined): Promise<CutoffWorkGroup> {
    if (limitBytes === undefined || this.mode === "off") {
      return { workGroup: this.baseWorkGroup, cutoffBytes: undefined };
    }
    if (!Number.isFinite(limitBytes) || limitBytes < 0) {
      throw new InletError("BAD_REQUEST", `maxBytesScanned must be a non-negative number, got ${limitBytes}`);
    }
    // Below Athena's floor the cutoff is the floor; the engine refuses the result afterwards.
    const cutoff = Math.max(MIN_BYTES_SCANNED_CUTOFF, Math.floor(limitBytes));
    let workGroup = this.made.get(cutoff);
    if (!workGroup) {
      workGroup = typeof this.mode === "function" ? this.mode(cutoff) : this.ensure(cutoff);
      this.made.set(cutoff, workGroup);
      workGroup.catch(() => this.made.delete(cutoff));
    }
    return { workGroup: await workGroup, cutoffBytes: cutoff };
  }

  private async ensure(cutoff: number): Promise<string> {
    const name = `${this.baseWorkGroup}-cutoff-${cutoff}`.slice(0, 128);
    try {
      const found = await this.athena.send(new GetWorkGroupCommand({ WorkGroup: name }));
      if (found.WorkGroup?.Configuration?.BytesScannedCutoffPerQuery !== cutoff) {
        await this.athena.send(
          new UpdateWorkGroupCommand({
            WorkGroup: name,
            ConfigurationUpdates: { BytesScannedCutoffPerQuery: cutoff },
          }),
        );
      }
      return name;
    } catch (err) {
      if (!(err instanceof InvalidRequestException) || !/not found|does not exist/i.test(err.message)) {
        throw this.failure(err, `GetWorkGroup ${name}`);
      }
    }
    const outputLocation = this.outputLocation ?? (await this.baseOutputLocation());
    try {
      await this.athena.send(
        new CreateWorkGroupCommand({
          Name: name,
          Description: `Inlet: queries stopped after scanning ${cutoff} bytes`,
          Configuration: {
            BytesScannedCutoffPerQuery: cutoff,
            PublishCloudWatchMetricsEnabled: true,
            ...(outputLocation ? { ResultConfiguration: { OutputLocation: outputLocation } } : {}),
          },
        }),
      );
    } catch (err) {
      // Made meanwhile by another process: it has this cutoff, by its name.
      if (!(err instanceof InvalidRequestException) || !/already (exists|created)/i.test(err.message)) {
        throw this.failure(err, `CreateWorkGroup ${name}`);
      }
    }
    return name;
  }

  private async baseOutputLocation(): Promise<string | undefined> {
    try {
      const base = await this.athena.send(new GetWorkGroupCommand({ WorkGroup: this.baseWorkGroup }));
      return base.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation;
    } catch (err) {
      throw this.failure(err, `GetWorkGroup ${this.baseWorkGroup}`);
    }
  }

  private failure(err: unknown, what: string): InletError {
    const failure = new InletError("UNAVAILABLE", `Athena ${what} failed: ${errorMessage(err)}`);
    failure.cause = err;
    return failure;
  }
}
