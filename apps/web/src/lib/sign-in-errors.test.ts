import { describe, expect, it } from "vitest";
import { INCORRECT_CREDENTIALS, rateLimitedMessage, signInErrorMessage } from "./sign-in-errors";

describe("signInErrorMessage", () => {
  it("maps next-auth's credential failure to the generic message", () => {
    expect(signInErrorMessage("CredentialsSignin")).toBe(INCORRECT_CREDENTIALS);
  });

  it("passes through the console's own rate-limit message", () => {
    expect(signInErrorMessage(rateLimitedMessage(30))).toBe("Too many attempts, try again in 30 s");
  });

  it("does not echo arbitrary text from the URL", () => {
    expect(signInErrorMessage("Call 555-0100 to reset your password")).toBe("Sign-in failed. Try again.");
  });

  it("shows nothing without an error", () => {
    expect(signInErrorMessage(null)).toBeUndefined();
  });
});

describe("rateLimitedMessage", () => {
  it("rounds partial seconds up and never says zero", () => {
    expect(rateLimitedMessage(4.2)).toBe("Too many attempts, try again in 5 s");
    expect(rateLimitedMessage(0)).toBe("Too many attempts, try again in 1 s");
  });

  it("counts longer waits in minutes", () => {
    expect(rateLimitedMessage(60)).toBe("Too many attempts, try again in 1 minute");
    expect(rateLimitedMessage(886)).toBe("Too many attempts, try again in 15 minutes");
    expect(signInErrorMessage(rateLimitedMessage(886))).toBe("Too many attempts, try again in 15 minutes");
  });
});
