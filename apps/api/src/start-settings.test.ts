import { describe, expect, it } from "vitest";
import { consoleStartArgs, startSettings } from "../../../scripts/start-settings.mjs";
import { loadConfig } from "./config";

const secret = "x".repeat(40);

describe("npm start's listen address", () => {
  it("keeps the console and the API on loopback unless INLET_HOST says otherwise", () => {
    const local = startSettings({}, "/repo");
    expect(consoleStartArgs(local)).toEqual(["start", "-p", "3000", "-H", "127.0.0.1"]);
    expect([local.host, local.apiHost, local.apiUrl]).toEqual([
      "127.0.0.1",
      "127.0.0.1",
      "http://127.0.0.1:4000",
    ]);
    expect(loadConfig({ NEXTAUTH_SECRET: secret }).INLET_API_HOST).toBe("127.0.0.1");

    // One setting opens both.
    const open = startSettings({ INLET_HOST: "0.0.0.0", INLET_WEB_PORT: "3100" }, "/repo");
    expect(consoleStartArgs(open)).toEqual(["start", "-p", "3100", "-H", "0.0.0.0"]);
    expect([open.apiHost, open.apiUrl]).toEqual(["0.0.0.0", "http://127.0.0.1:4000"]);
    const api = loadConfig({ NEXTAUTH_SECRET: secret, INLET_HOST: "0.0.0.0" });
    expect([api.INLET_API_HOST, api.publicApiUrl]).toEqual(["0.0.0.0", "http://localhost:4000"]);
  });

  it("lets INLET_API_HOST move the API alone, and takes an empty value as unset", () => {
    const apiOnly = startSettings({ INLET_HOST: "", INLET_API_HOST: "0.0.0.0" }, "/repo");
    expect(consoleStartArgs(apiOnly)).toContain("127.0.0.1");
    expect(apiOnly.apiHost).toBe("0.0.0.0");
    expect(
      loadConfig({ NEXTAUTH_SECRET: secret, INLET_HOST: "::1", INLET_API_HOST: "" }).INLET_API_HOST,
    ).toBe("::1");
    expect(startSettings({ INLET_HOST: "::1" }, "/repo").apiUrl).toBe("http://[::1]:4000");
    expect(startSettings({ INLET_API_PORT: "4100", INLET_API_URL: "" }, "/repo").apiUrl).toBe(
      "http://127.0.0.1:4100",
    );
    expect(startSettings({ INLET_WEB_PORT: "web" }, "/repo").problems).toEqual([
      'INLET_WEB_PORT ("web") must be a port number from 1 to 65535',
    ]);
  });

  it("passes a given INLET_API_URL to the console rather than its own", () => {
    const proxied = startSettings({ INLET_API_URL: "http://api.internal:8080" }, "/repo");
    expect(proxied.apiUrl).toBe("http://api.internal:8080");
  });
});
