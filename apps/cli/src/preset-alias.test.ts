import { describe, expect, it } from "vitest";
import { renameDeprecatedPresets } from "./preset-alias.js";

describe("deprecated preset names on the command line", () => {
  it("rewrites --env kuaisim, --env=kuaisim and `data describe kuaisim`, warning on stderr; leaves other words alone", async () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(await renameDeprecatedPresets(["--env", "kuaisim", "--out", "kuaisim"], warn)).toEqual(["--env", "synthetic-kuaisim-rules", "--out", "kuaisim"]);
    expect(await renameDeprecatedPresets(["--env=kuaisim"], warn)).toEqual(["--env=synthetic-kuaisim-rules"]);
    expect(await renameDeprecatedPresets(["describe", "kuaisim", "--json"], warn)).toEqual(["describe", "synthetic-kuaisim-rules", "--json"]);
    expect(await renameDeprecatedPresets(["learn", "--env", "synthetic,kuaisim"], warn)).toEqual(["learn", "--env", "synthetic,synthetic-kuaisim-rules"]);
    expect(await renameDeprecatedPresets(["--env", "coat"], warn)).toEqual(["--env", "coat"]);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/^farsight: warning: the environment preset "kuaisim" is now "synthetic-kuaisim-rules" .*next release\n$/);
  });
});
