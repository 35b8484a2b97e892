// The page a person sees when a section is outside their roles, from the navigation's rules or the API's 403.
import { Lock } from "lucide-react";
import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

export function AccessDenied({ sectionLabel, message }: { sectionLabel: string; message?: string }) {
  return (
    <Card className="mx-auto mt-6 max-w-lg">
      <div className="flex flex-col items-center px-8 py-12 text-center">
        <div className="flex size-11 items-center justify-center rounded-full bg-amber-50 text-amber-600 ring-8 ring-amber-50/50">
          <Lock aria-hidden="true" className="size-5" />
        </div>
        <h1 className="mt-4 font-semibold text-gray-900 text-lg">You don't have access to {sectionLabel}</h1>
        <p className="mt-2 text-gray-600 text-sm">
          {message ?? "Your roles don't include this section. Ask an administrator if you need it."}
        </p>
        <Link href="/" className={buttonClasses("secondary", "sm", "mt-6")}>
          Back to the console
        </Link>
      </div>
    </Card>
  );
}
