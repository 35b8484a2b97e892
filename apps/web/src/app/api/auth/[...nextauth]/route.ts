// next-auth's HTTP endpoints (sign-in, callback, session, CSRF, sign-out) for the console.
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth";

const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };
