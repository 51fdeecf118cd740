import { readFileSync } from "node:fs";
import { formatDistillBench } from "@farsight/lab";
const r = JSON.parse(readFileSync(process.argv[2], "utf8"));
console.log(formatDistillBench(r));
for (const row of r.rows) console.log(row.row, JSON.stringify(row.perSeed));
