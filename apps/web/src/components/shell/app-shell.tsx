"use client";
// The console frame: sidebar navigation (a slide-over on narrow screens), top bar with the user, page content.
import { clsx } from "clsx";
import { Menu, X } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { type ReactNode, useEffect, useState } from "react";
import { AlertBanner } from "@/components/alerts/alert-banner";
import { InletWordmark } from "@/components/inlet-logo";
import { SidebarNav } from "./sidebar-nav";
import { type ShellUser, UserMenu } from "./user-menu";

export function AppShell({ user, children }: { user: ShellUser; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const pathname = usePathname();

  // biome-ignore lint/correctness/useExhaustiveDependencies: closing the menu is the reaction to a route change
  useEffect(() => {
    setMenuOpen(false);
  }, [pathname]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setMenuOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  return (
    <div className="min-h-dvh md:pl-60">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-white px-3 py-2 font-medium text-accent-700 text-sm shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      {menuOpen ? (
        <button
          type="button"
          aria-label="Close menu"
          tabIndex={-1}
          className="fixed inset-0 z-30 bg-gray-900/30 backdrop-blur-[1px] md:hidden"
          onClick={() => setMenuOpen(false)}
        />
      ) : null}
      <aside
        id="sidebar"
        className={clsx(
          "fixed inset-y-0 left-0 z-40 w-64 flex-col border-gray-200 border-r bg-white md:flex md:w-60",
          menuOpen ? "flex shadow-xl" : "hidden",
        )}
      >
        <div className="flex h-14 shrink-0 items-center justify-between border-gray-100 border-b px-5">
          <Link href="/" className="rounded-md" aria-label="Inlet home">
            <InletWordmark />
          </Link>
          <button
            type="button"
            aria-label="Close menu"
            className="rounded-md p-1.5 text-gray-500 hover:bg-gray-100 hover:text-gray-700 md:hidden"
            onClick={() => setMenuOpen(false)}
          >
            <X aria-hidden="true" className="size-4" />
          </button>
        </div>
        <SidebarNav onNavigate={() => setMenuOpen(false)} />
        <div className="border-gray-100 border-t px-5 py-3 text-xs">
          {/* On phones the top bar has room only for the initial: the menu says who is signed in. */}
          <p className="truncate font-medium text-gray-700 md:hidden">{user.name}</p>
          <p className="truncate text-gray-500 md:hidden">{user.email}</p>
          <p className="hidden text-gray-400 md:block">Event-driven data lake</p>
        </div>
      </aside>

      <header className="sticky top-0 z-20 flex h-14 items-center gap-3 border-gray-200 border-b bg-white/90 px-4 backdrop-blur sm:px-6">
        <button
          type="button"
          aria-label="Open menu"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          className="-ml-1 rounded-md p-2 text-gray-600 hover:bg-gray-100 hover:text-gray-900 md:hidden"
          onClick={() => setMenuOpen(true)}
        >
          <Menu aria-hidden="true" className="size-5" />
        </button>
        <Link href="/" className="rounded-md md:hidden" aria-label="Inlet home">
          <InletWordmark />
        </Link>
        <div className="ml-auto min-w-0">
          <UserMenu user={user} />
        </div>
      </header>
      <AlertBanner />

      <main
        id="main"
        tabIndex={-1}
        className="mx-auto w-full max-w-6xl px-4 py-6 outline-none sm:px-6 lg:px-8 lg:py-8"
      >
        {children}
      </main>
    </div>
  );
}
