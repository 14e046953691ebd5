import { readPlanFile, writePlanFile } from "../../src/commissioning/plan-files.ts";
const plan = await readPlanFile("data/bcf/thurrock-2014-v0.6");
await writePlanFile(plan, "data/bcf/thurrock-2014-v0.6");
await writePlanFile(plan, "data/bcf/thurrock-2014-v0.6.xlsx");
const back = await readPlanFile("data/bcf/thurrock-2014-v0.6.xlsx");
console.log(JSON.stringify(back) === JSON.stringify(plan));
