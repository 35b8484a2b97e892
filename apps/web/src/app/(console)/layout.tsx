// The signed-in console: checks the session on the server, then renders the shell around every section.
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { authOptions } from "@/lib/auth";
import { TrpcProvider } from "@/lib/trpc";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const session = await getServerSession(authOptions);
  if (!session) redirect("/signin");
  const { name, email, roles } = session.user;
  return (
    <TrpcProvider>
      <AppShell user={{ name, email, roles }}>{children}</AppShell>
    </TrpcProvider>
  );
}
