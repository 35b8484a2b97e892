// next-auth type augmentation: the console's user, session and JWT carry the Inlet user id and roles.
import type { Role } from "@inlet/db/roles";

declare module "next-auth" {
  interface User {
    id: string;
    email: string;
    name: string;
    roles: Role[];
  }

  interface Session {
    user: {
      id: string;
      email: string;
      name: string;
      roles: Role[];
    };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    id: string;
    email: string;
    name: string;
    roles: Role[];
    /** The session's id: the same in every token refreshed from one sign-in (sign-out revokes it). */
    sid?: string;
    /** When the session signed in (epoch seconds): refreshing never keeps it past the maximum age. */
    sat?: number;
  }
}
