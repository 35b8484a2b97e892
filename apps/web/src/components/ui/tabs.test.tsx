import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { TabPanel, Tabs } from "./tabs";

describe("Tabs", () => {
  it("names the tablist, marks the open tab and ties it to its panel; only the open tab is in the tab order", () => {
    const html = renderToStaticMarkup(
      <>
        <Tabs
          label="curated.orders details"
          idPrefix="t"
          tabs={[
            { id: "columns", label: "Columns", extra: "3" },
            { id: "snapshots", label: "Snapshots" },
          ]}
          selected="snapshots"
          onSelect={() => undefined}
        />
        <TabPanel idPrefix="t" id="snapshots">
          body
        </TabPanel>
      </>,
    );
    expect(html).toContain('role="tablist" aria-label="curated.orders details"');
    expect(html).toContain(
      'id="t-tab-columns" aria-selected="false" aria-controls="t-panel-columns" tabindex="-1"',
    );
    expect(html).toContain(
      'id="t-tab-snapshots" aria-selected="true" aria-controls="t-panel-snapshots" tabindex="0"',
    );
    expect(html).toContain('role="tabpanel" id="t-panel-snapshots" aria-labelledby="t-tab-snapshots"');
  });
});
