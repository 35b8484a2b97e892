// A person's roles as the control plane holds them, for work done on their behalf when they are not
// signed in (an analytics table refreshed as its creator): none for someone disabled or gone.
import type { Db } from "@inlet/db";

export function userRoles(db: Db): (userId: string) => Promise<string[]> {
  return async (userId) => {
    const user = await db.prisma.user.findUnique({
      where: { id: userId },
      select: { roles: true, disabled: true },
    });
    return user && !user.disabled ? [...user.roles] : [];
  };
}
