"use client";
// The sign-in form: email and password through next-auth's credentials provider, or single sign-on when configured.
import { KeyRound } from "lucide-react";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { INCORRECT_CREDENTIALS, SIGN_IN_UNAVAILABLE, signInErrorMessage } from "@/lib/sign-in-errors";

export function SignInForm({
  callbackUrl,
  oidcEnabled,
  initialError,
}: {
  callbackUrl: string;
  oidcEnabled: boolean;
  initialError?: string;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState<"password" | "sso" | undefined>();
  const credentialsRejected = error === INCORRECT_CREDENTIALS;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending("password");
    setError(undefined);
    try {
      const result = await signIn("credentials", { email, password, redirect: false, callbackUrl });
      if (result?.ok && !result.error) {
        // A full navigation, so the server renders the console with the new session cookie.
        window.location.assign(callbackUrl);
        return;
      }
      setError(signInErrorMessage(result?.error) ?? SIGN_IN_UNAVAILABLE);
    } catch {
      setError(SIGN_IN_UNAVAILABLE);
    }
    setPending(undefined);
  }

  return (
    <div className="mt-6">
      {error ? (
        <div
          role="alert"
          className="mb-5 rounded-md border border-red-200 bg-red-50 px-3 py-2.5 text-red-700 text-sm"
        >
          {error}
        </div>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-4">
        <div className="space-y-1.5">
          <Label htmlFor="email">Email</Label>
          <Input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            disabled={pending !== undefined}
            aria-invalid={credentialsRejected || undefined}
          />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="password">Password</Label>
          <Input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            disabled={pending !== undefined}
            aria-invalid={credentialsRejected || undefined}
          />
        </div>
        <Button
          type="submit"
          size="lg"
          className="w-full"
          loading={pending === "password"}
          disabled={pending !== undefined}
        >
          Sign in
        </Button>
      </form>
      {oidcEnabled ? (
        <>
          <div className="my-5 flex items-center gap-3 text-gray-400 text-xs">
            <span className="h-px flex-1 bg-gray-200" />
            or
            <span className="h-px flex-1 bg-gray-200" />
          </div>
          <Button
            variant="secondary"
            size="lg"
            className="w-full"
            loading={pending === "sso"}
            disabled={pending !== undefined}
            icon={<KeyRound aria-hidden="true" className="size-4" />}
            onClick={() => {
              setPending("sso");
              void signIn("oidc", { callbackUrl });
            }}
          >
            Sign in with SSO
          </Button>
        </>
      ) : null}
    </div>
  );
}
