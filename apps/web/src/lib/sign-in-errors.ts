// Turns the API's login answers and next-auth's `?error=` codes into the messages the sign-in page shows.
export const INCORRECT_CREDENTIALS = "Email or password is incorrect";
export const SIGN_IN_UNAVAILABLE = "Sign-in is unavailable right now. Try again in a moment.";

export function rateLimitedMessage(retryAfterSeconds: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  if (seconds < 60) return `Too many attempts, try again in ${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
}

const NEXT_AUTH_CODES: Record<string, string> = {
  CredentialsSignin: INCORRECT_CREDENTIALS,
  OAuthSignin: "Single sign-on could not start. Try again or contact your administrator.",
  OAuthCallback: "Single sign-on failed. Try again or contact your administrator.",
  OAuthCreateAccount: "Single sign-on failed. Try again or contact your administrator.",
  OAuthAccountNotLinked: "This account is linked to a different sign-in method.",
  Callback: "Sign-in failed. Try again or contact your administrator.",
  AccessDenied: "Your account is not allowed to sign in.",
  SessionRequired: "Sign in to continue.",
  SessionExpired: "Your session has ended. Sign in again.",
  Configuration: SIGN_IN_UNAVAILABLE,
};

/**
 * The message for an `error` value next-auth put on the sign-in URL. Free text is shown only when it is one of
 * the messages this console produces itself, so a crafted link cannot put arbitrary words on the page.
 */
export function signInErrorMessage(error: string | null | undefined): string | undefined {
  if (!error) return undefined;
  const known = NEXT_AUTH_CODES[error];
  if (known) return known;
  if (error === INCORRECT_CREDENTIALS || error === SIGN_IN_UNAVAILABLE) return error;
  if (/^Too many attempts, try again in \d+ (s|minutes?)$/.test(error)) return error;
  return "Sign-in failed. Try again.";
}
