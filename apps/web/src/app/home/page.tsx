// /home: where sign-in lands when no page was asked for; sends each person to the landing page of their
// roles (on-call: Operations; everyone else: Overview).
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { authOptions } from "@/lib/auth";
import { homePathFor } from "@/lib/home-path";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const session = await getServerSession(authOptions);
  redirect(session ? homePathFor(session.user.roles) : "/signin");
}
