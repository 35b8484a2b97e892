"use client";
// The signed-in person in the top bar: who they are, which roles they hold, and the way out.
import { LogOut } from "lucide-react";
import { signOut } from "next-auth/react";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ROLE_LABELS, type Role } from "@/lib/roles";

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

export function UserMenu({ user }: { user: ShellUser }) {
  const [signingOut, setSigningOut] = useState(false);
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
        onClick={() => {
          setSigningOut(true);
          void signOut({ callbackUrl: "/signin" });
        }}
      >
        Sign out
      </Button>
    </div>
  );
}
