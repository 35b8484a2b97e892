import { afterEach, describe, expect, it } from "vitest";
import { apiUrl } from "./server-env";

const saved = { INLET_API_URL: process.env.INLET_API_URL, INLET_API_PORT: process.env.INLET_API_PORT };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("where the console's server reaches the API", () => {
  it("is INLET_API_URL when set, without a trailing slash", () => {
    process.env.INLET_API_URL = "http://api.internal:8080/";
    process.env.INLET_API_PORT = "4100";
    expect(apiUrl()).toBe("http://api.internal:8080");
  });

  it("is the API on this machine at INLET_API_PORT otherwise, an empty value counting as unset", () => {
    process.env.INLET_API_URL = "";
    process.env.INLET_API_PORT = "4100";
    expect(apiUrl()).toBe("http://127.0.0.1:4100");
    delete process.env.INLET_API_URL;
    delete process.env.INLET_API_PORT;
    expect(apiUrl()).toBe("http://127.0.0.1:4000");
  });
});
