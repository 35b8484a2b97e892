import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { JsonSchemaEditor } from "./json-schema-editor";

describe("JsonSchemaEditor", () => {
  it("renders on the server without CodeMirror, with the syntax error as text below", () => {
    const html = renderToStaticMarkup(
      <JsonSchemaEditor value={'{\n  "type": "object"\n  "x": 1\n}'} ariaLabel="JSON Schema" />,
    );
    expect(html).not.toContain("cm-editor");
    expect(html).toContain("Line 3, column 3: Expected &#x27;,&#x27; or &#x27;}&#x27;");
    expect(html).toContain("press Escape, then Tab, to move on");
  });

  it("lists the server's messages and nothing for valid or empty text", () => {
    const html = renderToStaticMarkup(
      <JsonSchemaEditor value="{}" ariaLabel="JSON Schema" errors={["schema does not compile: x"]} />,
    );
    expect(html).toContain("<li>schema does not compile: x</li>");
    expect(renderToStaticMarkup(<JsonSchemaEditor value="" ariaLabel="JSON Schema" />)).not.toContain("<li>");
    expect(renderToStaticMarkup(<JsonSchemaEditor value="{}" ariaLabel="JSON Schema" readOnly />)).toContain(
      "Read only.",
    );
  });
});
