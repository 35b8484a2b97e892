"use client";
// The main navigation: exactly the sections the API says this user may open, in a fixed order.
import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { Skeleton } from "@/components/ui/skeleton";
import { orderedSections, sectionForPath } from "@/lib/sections";
import { useTRPC } from "@/lib/trpc";

export function SidebarNav({ onNavigate }: { onNavigate?: () => void }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const pathname = usePathname();
  const current = sectionForPath(pathname);

  return (
    <nav aria-label="Main" className="flex-1 overflow-y-auto px-3 py-4">
      {me.isPending ? (
        <div className="space-y-2 px-2" aria-hidden="true">
          {["w-24", "w-20", "w-16", "w-20", "w-16", "w-24", "w-14"].map((width, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
            <div key={index} className="flex h-8 items-center gap-3">
              <Skeleton className="size-4" />
              <Skeleton className={clsx("h-3", width)} />
            </div>
          ))}
        </div>
      ) : me.isError ? (
        <p className="px-2 py-1 text-gray-500 text-xs">Navigation is unavailable until the API answers.</p>
      ) : (
        <ul className="space-y-0.5">
          {orderedSections(me.data.sections).map(({ id, label, href, icon: Icon }) => {
            const active = current === id;
            return (
              <li key={id}>
                <Link
                  href={href}
                  onClick={onNavigate}
                  aria-current={active ? "page" : undefined}
                  className={clsx(
                    "group flex h-9 items-center gap-3 rounded-md px-2.5 font-medium text-sm transition-colors",
                    active
                      ? "bg-accent-50 text-accent-700"
                      : "text-gray-600 hover:bg-gray-100 hover:text-gray-900",
                  )}
                >
                  <Icon
                    aria-hidden="true"
                    className={clsx(
                      "size-4 shrink-0",
                      active ? "text-accent-600" : "text-gray-400 group-hover:text-gray-500",
                    )}
                  />
                  {label}
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
