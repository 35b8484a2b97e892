"use client";
// The Queries section's pages: the workspace, the run history, and (admins) the byte budgets.
import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTRPC } from "@/lib/trpc";

const PAGES = [
  { href: "/queries", label: "Workspace", admin: false },
  { href: "/queries/history", label: "History", admin: false },
  { href: "/queries/budgets", label: "Budgets", admin: true },
];

function isCurrent(pathname: string, href: string): boolean {
  if (href === "/queries") return pathname === "/queries" || !/^\/queries\/(history|budgets)/.test(pathname);
  return pathname.startsWith(href);
}

export function QueriesNav() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const pathname = usePathname();
  const admin = me.data?.roles.includes("admin") ?? false;
  return (
    <nav aria-label="Queries pages" className="flex gap-1 rounded-lg bg-gray-100 p-0.5">
      {PAGES.filter((p) => !p.admin || admin).map((p) => {
        const current = isCurrent(pathname, p.href);
        return (
          <Link
            key={p.href}
            href={p.href}
            aria-current={current ? "page" : undefined}
            className={clsx(
              "rounded-md px-3 py-1 font-medium text-sm",
              "focus-visible:outline-2 focus-visible:outline-accent-500",
              current ? "bg-white text-gray-900 shadow-xs" : "text-gray-600 hover:text-gray-900",
            )}
          >
            {p.label}
          </Link>
        );
      })}
    </nav>
  );
}
