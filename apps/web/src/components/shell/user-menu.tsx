"use client";
import { ROLE_LABELS, type Role } from "@inlet/db/roles";
// The signed-in person in the top bar: who they are, which roles they hold, and the way out.
import { LogOut } from "lucide-react";
import { signOut } from "next-auth/react";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";

export interface ShellUser {
  name: string;
  email: string;
  roles: Role[];
}

function initials(name: string, email: string): string {
  const words = (name || email).split(/[\s@._-]+/).filter(Boolean);
  return (
    words
      .slice(0, 2)
      .map((word) => word[0]?.toUpperCase() ?? "")
      .join("") || "?"
  );
}

/** Ends the session at the API first; false when that could not be done. */
async function endSessionOnServer(): Promise<boolean> {
  try {
    const res = await fetch("/api/session/end", {
      method: "POST",
      headers: { "x-inlet-action": "end-session" },
    });
    return res.ok;
  } catch {
    return false;
  }
}

export function UserMenu({ user }: { user: ShellUser }) {
  const [signingOut, setSigningOut] = useState(false);
  const [serverFailed, setServerFailed] = useState(false);
  const signOutHere = () => {
    setSigningOut(true);
    void signOut({ callbackUrl: "/signin" });
  };
  const signOutEverywhere = async () => {
    setSigningOut(true);
    setServerFailed(false);
    if (await endSessionOnServer()) {
      void signOut({ callbackUrl: "/signin" });
      return;
    }
    setSigningOut(false);
    setServerFailed(true);
  };
  return (
    <div className="flex min-w-0 items-center gap-3">
      <ul aria-label="Your roles" className="hidden items-center gap-1.5 lg:flex">
        {user.roles.map((role) => (
          <li key={role}>
            <Badge tone="accent">{ROLE_LABELS[role]}</Badge>
          </li>
        ))}
      </ul>
      <div className="flex min-w-0 items-center gap-2.5">
        <span
          aria-hidden="true"
          title={`${user.name} · ${user.email}`}
          className="flex size-8 shrink-0 items-center justify-center rounded-full bg-gray-900 font-semibold text-white text-xs"
        >
          {initials(user.name, user.email)}
        </span>
        <div className="hidden min-w-0 leading-tight sm:block">
          <p className="truncate font-medium text-gray-900 text-sm">{user.name}</p>
          <p className="truncate text-gray-500 text-xs">{user.email}</p>
        </div>
      </div>
      <Button
        variant="secondary"
        size="sm"
        loading={signingOut}
        icon={<LogOut aria-hidden="true" className="size-3.5" />}
        onClick={() => void signOutEverywhere()}
      >
        Sign out
      </Button>
      {serverFailed ? (
        <div
          role="alert"
          className="fixed top-16 right-4 z-50 max-w-sm rounded-lg border border-amber-200 bg-amber-50 p-4 text-amber-900 text-sm shadow-lg"
        >
          <p>
            The Inlet API could not be reached, so your session could not be ended on the server: a copy of it
            would keep working until it expires.
          </p>
          <div className="mt-3 flex gap-2">
            <Button size="sm" variant="secondary" onClick={() => void signOutEverywhere()}>
              Try again
            </Button>
            <Button size="sm" variant="ghost" onClick={signOutHere}>
              Sign out of this browser only
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
