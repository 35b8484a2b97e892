// The page for any URL the console does not have.
import Link from "next/link";
import { InletWordmark } from "@/components/inlet-logo";
import { buttonClasses } from "@/components/ui/button";

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 text-center">
      <InletWordmark />
      <p className="mt-10 font-mono text-accent-600 text-sm">404</p>
      <h1 className="mt-2 font-semibold text-gray-900 text-xl tracking-tight">This page doesn't exist</h1>
      <p className="mt-2 text-gray-500 text-sm">Check the address, or head back to the console.</p>
      <Link href="/" className={buttonClasses("secondary", "md", "mt-6")}>
        Back to the console
      </Link>
    </main>
  );
}
