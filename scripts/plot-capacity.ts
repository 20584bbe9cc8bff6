/** npm run plot: regenerates docs/capacity.svg from the load-test data in lib/capacity.ts. */
import * as fs from "fs";
import * as path from "path";
import { capacitySvg } from "./capacityPlot";

const out = path.join(__dirname, "..", "docs", "capacity.svg");
fs.writeFileSync(out, capacitySvg());
console.log(`wrote ${out}`);
