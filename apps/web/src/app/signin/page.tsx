// /signin: the only page reachable without a session.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { InletWordmark } from "@/components/inlet-logo";
import { SignInForm } from "@/components/sign-in-form";
import { authOptions, isOidcConfigured } from "@/lib/auth";
import { HOME_ROUTE } from "@/lib/home-path";
import { signInErrorMessage } from "@/lib/sign-in-errors";

export const metadata: Metadata = { title: "Sign in" };

// Only same-site paths: an absolute callbackUrl would turn the sign-in page into an open redirect. next-auth itself
// sends absolute URLs back here after a failed SSO attempt, so those are reduced to their path when they are ours.
function safeCallbackUrl(value: string | string[] | undefined): string {
  let candidate = (Array.isArray(value) ? value[0] : value) ?? "";
  if (/^https?:\/\//i.test(candidate)) {
    const ownUrl = process.env.NEXTAUTH_URL;
    const parsed = URL.canParse(candidate) ? new URL(candidate) : undefined;
    const ownHost = ownUrl && URL.canParse(ownUrl) ? new URL(ownUrl).host : undefined;
    candidate = parsed && parsed.host === ownHost ? `${parsed.pathname}${parsed.search}` : "";
  }
  const isLocalPath =
    candidate.startsWith("/") && !candidate.startsWith("//") && !candidate.startsWith("/\\");
  // Without a page asked for, /home picks the landing page of the person's roles once signed in.
  return isLocalPath && !candidate.startsWith("/signin") ? candidate : HOME_ROUTE;
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  const session = await getServerSession(authOptions);
  if (session) redirect(callbackUrl);
  const error = Array.isArray(params.error) ? params.error[0] : params.error;

  return (
    <main className="relative flex min-h-dvh flex-col items-center justify-center overflow-hidden bg-gray-50 px-4 py-12">
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-x-0 top-0 h-80 bg-gradient-to-b from-accent-100/60 to-transparent"
      />
      <div className="relative w-full max-w-sm">
        <div className="mb-8 flex justify-center">
          <InletWordmark className="scale-110" />
        </div>
        <div className="rounded-xl border border-gray-200 bg-white px-6 py-8 shadow-sm sm:px-8">
          <h1 className="font-semibold text-gray-900 text-lg tracking-tight">Sign in to Inlet</h1>
          <p className="mt-1 text-gray-500 text-sm">Use your work email and password.</p>
          <SignInForm
            callbackUrl={callbackUrl}
            oidcEnabled={isOidcConfigured()}
            initialError={signInErrorMessage(error)}
          />
        </div>
        <p className="mt-6 text-center text-gray-400 text-xs">Inlet · event-driven data lake</p>
      </div>
    </main>
  );
}
