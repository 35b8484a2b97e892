// Types of start-settings.mjs, for the tests that import it from TypeScript.
export interface StartSettings {
  dataDir: string;
  webPort: string;
  apiPort: string;
  /** Where the API and the console listen. */
  host: string;
  /** Where the API listens: INLET_API_HOST, else host. */
  apiHost: string;
  lakeUrl: string;
  /** Where the console's server reaches the API. */
  apiUrl: string;
  consoleUrl: string;
  /** Settings npm start refuses, one message each. */
  problems: string[];
}

export function startSettings(env: Record<string, string | undefined>, root: string): StartSettings;
export function consoleStartArgs(settings: StartSettings): string[];
