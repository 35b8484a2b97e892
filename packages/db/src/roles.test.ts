import { expect, expectTypeOf, it } from "vitest";
import { Role as SchemaRole } from "./generated/prisma/enums";
import { ROLES, type Role } from "./roles";

it("lists exactly the roles of the database's Role enum", () => {
  expect([...ROLES].sort()).toEqual(Object.values(SchemaRole).sort());
  expectTypeOf<Role>().toEqualTypeOf<SchemaRole>();
});
