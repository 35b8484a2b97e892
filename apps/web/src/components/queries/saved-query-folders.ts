// The saved-queries list as the side panel shows it: mine or shared with me, filtered by text, grouped
// by folder (top level first, then folders in name order).

export interface SavedQueryListItem {
  id: string;
  name: string;
  description: string;
  folder: string;
  mine: boolean;
  owner: { email: string };
}

export type SavedQueryScope = "mine" | "shared";

export interface FolderGroup<Item> {
  /** "" for the top level. */
  folder: string;
  items: Item[];
}

export function groupByFolder<Item extends SavedQueryListItem>(
  items: readonly Item[],
  scope: SavedQueryScope,
  text = "",
): FolderGroup<Item>[] {
  const needle = text.trim().toLowerCase();
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    if (item.mine !== (scope === "mine")) continue;
    if (
      needle &&
      ![item.name, item.description, item.folder, item.owner.email].some((v) =>
        v.toLowerCase().includes(needle),
      )
    ) {
      continue;
    }
    const list = groups.get(item.folder) ?? [];
    list.push(item);
    groups.set(item.folder, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)))
    .map(([folder, list]) => ({ folder, items: list.sort((x, y) => x.name.localeCompare(y.name)) }));
}

/** The folders already in use, for the Save form's suggestions. */
export function foldersIn(items: readonly { folder: string }[]): string[] {
  return [...new Set(items.map((i) => i.folder).filter((f) => f !== ""))].sort((a, b) => a.localeCompare(b));
}
